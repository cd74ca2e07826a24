// One network shared by several game threads, evaluated in one batch: each thread hands in its
// leaves and waits; when every registered thread is waiting (or the oldest has waited `maxWait`),
// one of them runs a single InferenceEngine call for all, and each gets its own rows back.

import DojoNN
import Foundation

/// Something that evaluates a batch of observations into priors and values (an InferenceEngine,
/// or a SharedInference in front of one).
public protocol PolicyValueFunction: AnyObject {
  var config: NetworkConfig { get }
  func evaluate(count: Int, observations: UnsafePointer<Float>, legalMasks: UnsafePointer<Float>?,
                priors: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>)
}

extension InferenceEngine: PolicyValueFunction {}

public final class SharedInference: PolicyValueFunction, @unchecked Sendable {
  public let engine: InferenceEngine
  public var config: NetworkConfig { engine.config }
  let maxWait: TimeInterval
  let condition = NSCondition()
  var clients = 0
  var waiting: [Request] = []
  /// Engine calls and requests served: calls < requests shows the batching at work.
  public private(set) var engineCalls = 0
  public private(set) var requests = 0

  final class Request {
    let count: Int
    let observations: UnsafePointer<Float>
    let masks: UnsafePointer<Float>?
    let priors: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
    var done = false
    init(count: Int, observations: UnsafePointer<Float>, masks: UnsafePointer<Float>?, priors: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>) {
      self.count = count
      self.observations = observations
      self.masks = masks
      self.priors = priors
      self.values = values
    }
  }

  // Gathered inputs and outputs (only the thread running a batch touches them).
  var observations: [Float] = []
  var masks: [Float] = []
  var priors: [Float] = []
  var values: [Float] = []

  public init(engine: InferenceEngine, maxWait: TimeInterval = 0.002) {
    self.engine = engine
    self.maxWait = maxWait
  }

  /// A thread that will evaluate through this object says so (and `leave()`s when done), so that a
  /// batch is run as soon as every such thread is waiting.
  public func join() {
    condition.lock()
    clients += 1
    condition.unlock()
  }

  public func leave() {
    condition.lock()
    clients -= 1
    condition.broadcast()
    condition.unlock()
  }

  public func evaluate(count: Int, observations: UnsafePointer<Float>, legalMasks: UnsafePointer<Float>?,
                       priors: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>) {
    let request = Request(count: count, observations: observations, masks: legalMasks, priors: priors, values: values)
    condition.lock()
    waiting.append(request)
    requests += 1
    let deadline = Date().addingTimeInterval(maxWait)
    while !request.done {
      if waiting.count >= max(clients, 1) || Date() >= deadline {
        runBatch()
        break
      }
      condition.broadcast()
      _ = condition.wait(until: deadline)
    }
    condition.unlock()
  }

  /// Runs every waiting request in one engine call (called with the lock held).
  func runBatch() {
    let batch = waiting
    waiting.removeAll(keepingCapacity: true)
    guard !batch.isEmpty else { return }
    let obs = config.observationCount, a = config.actionCount
    let total = batch.reduce(0) { $0 + $1.count }
    observations.removeAll(keepingCapacity: true)
    masks.removeAll(keepingCapacity: true)
    for r in batch {
      observations.append(contentsOf: UnsafeBufferPointer(start: r.observations, count: r.count * obs))
      if let m = r.masks {
        masks.append(contentsOf: UnsafeBufferPointer(start: m, count: r.count * a))
      } else {
        masks.append(contentsOf: repeatElement(1, count: r.count * a))
      }
    }
    if priors.count < total * a { priors = Array(repeating: 0, count: total * a) }
    if values.count < total { values = Array(repeating: 0, count: total) }
    engine.evaluate(count: total, observations: observations, legalMasks: masks, priors: &priors, values: &values)
    engineCalls += 1
    var row = 0
    for r in batch {
      priors.withUnsafeBufferPointer { r.priors.update(from: $0.baseAddress! + row * a, count: r.count * a) }
      values.withUnsafeBufferPointer { r.values.update(from: $0.baseAddress! + row, count: r.count) }
      row += r.count
      r.done = true
    }
    condition.broadcast()
  }
}
