// The network as a search evaluator: observations and legal masks written into buffers it owns,
// one InferenceEngine call per batch of leaves, priors gathered back for each leaf's legal actions.

import DojoTelemetry
import DojoGames
import DojoNN
import DojoSearch

public struct NetworkEvaluator<G: Game>: Evaluator {
  public typealias State = G.State
  public let game: G
  /// An InferenceEngine of its own, or a SharedInference that batches several games' leaves.
  public let engine: any PolicyValueFunction
  var observations: [Float] = []
  var masks: [Float] = []
  var policy: [Float] = []
  var values: [Float] = []
  /// Seconds spent inside the network (for "share of time outside the network" figures).
  public private(set) var networkSeconds: Double = 0
  public private(set) var positions = 0

  public init(game: G, engine: any PolicyValueFunction) {
    precondition(engine.config.actionCount == game.actionCount && engine.config.observationCount == game.observationShape.count,
                 "the network does not fit \(game.name)")
    self.game = game
    self.engine = engine
  }

  public mutating func evaluate(_ batch: inout LeafBatch<State>) {
    let n = batch.count, obs = game.observationShape.count, a = game.actionCount
    if observations.count < n * obs {
      observations = Array(repeating: 0, count: n * obs)
      masks = Array(repeating: 0, count: n * a)
      policy = Array(repeating: 0, count: n * a)
      values = Array(repeating: 0, count: n)
    }
    observations.withUnsafeMutableBufferPointer { o in
      for i in 0..<n { batch.states[i].writeObservation(into: UnsafeMutableBufferPointer(rebasing: o[(i * obs)..<((i + 1) * obs)])) }
    }
    for i in 0..<(n * a) { masks[i] = 0 }
    for i in 0..<n { for j in batch.range(of: i) { masks[i * a + batch.actions[j]] = 1 } }
    let clock = ContinuousClock(), t0 = clock.now
    let engine = self.engine
    observations.withUnsafeBufferPointer { o in
      masks.withUnsafeBufferPointer { m in
        policy.withUnsafeMutableBufferPointer { p in
          values.withUnsafeMutableBufferPointer { v in
            engine.evaluate(count: n, observations: o.baseAddress!, legalMasks: m.baseAddress!, priors: p.baseAddress!, values: v.baseAddress!)
          }
        }
      }
    }
    let d = clock.now - t0
    networkSeconds += Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    DojoMetrics.networkBatch.record(duration: d)
    positions += n
    for i in 0..<n {
      for j in batch.range(of: i) { batch.priors[j] = policy[i * a + batch.actions[j]] }
      batch.values[i] = values[i]
    }
  }
}
