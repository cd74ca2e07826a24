// The replay buffer: training samples from finished self-play games, kept as a window of the last
// `capacity` positions in flat ring storage (no allocation per sample), drawn uniformly, each with a
// random symmetry of the game applied to its observation, mask and policy together. A rate limiter
// keeps the learner and the actors in balance (DeepMind Reverb's samples-per-insert).

import DojoGames
import DojoNN
import DojoSearch
import Foundation

/// One training sample: a position as the network sees it, with its targets.
public struct TrainingSample: Sendable, Equatable {
  /// The observation, `game.observationShape.count` values from the side to move's point of view.
  public var observation: [Float]
  /// 1 for each legal action, 0 otherwise (`actionCount` values).
  public var mask: [Float]
  /// The policy target over all actions: the search's improved policy, summing to 1.
  public var policy: [Float]
  /// The value target: the game's result for the side to move, -1...1.
  public var value: Float

  public init(observation: [Float], mask: [Float], policy: [Float], value: Float) {
    self.observation = observation
    self.mask = mask
    self.policy = policy
    self.value = value
  }
}

/// The samples in a finished game: one per full-search move (playout cap randomization keeps only
/// those), with the search's policy target over all actions and as value target the game's result
/// for the mover, or with `valueMix` m > 0, (1 − m)·result + m·(the search's root value).
public func trainingSamples<G: Game>(from record: GameRecord, game: G, valueMix: Float = 0) -> [TrainingSample] {
  var state = game.initialState()
  var out: [TrainingSample] = []
  for move in record.moves {
    if move.fullSearch {
      var policy = [Float](repeating: 0, count: game.actionCount)
      for (a, p) in zip(move.actions, move.policyTarget) { policy[a] = p }
      out.append(TrainingSample(observation: game.observation(of: state), mask: game.legalMask(of: state).map { $0 ? 1 : 0 }, policy: policy,
                              value: (1 - valueMix) * record.outcome(for: move.player) + valueMix * move.rootValue))
    }
    state.apply(move.action)
  }
  return out
}

public final class ReplayBuffer {
  public let capacity: Int
  let observationCount: Int
  let actionCount: Int
  let planes: Int
  let symmetries: [Symmetry]
  var observations: [Float]
  var masks: [Float]
  var policies: [Float]
  var values: [Float]
  var rng: SplitMix64
  /// Samples held now (at most `capacity`) and ever inserted.
  public private(set) var count = 0
  public private(set) var inserted = 0
  var next = 0
  /// The window sampled from, given the samples ever inserted (nil: everything held). KataGo grows
  /// its window with the data so that early, weak games leave it soon (`WindowGrowth`).
  public var window: (@Sendable (Int) -> Int)?
  /// Samples inserted before this buffer was made (a restart), for the growing window.
  public var insertedBefore = 0

  /// The newest samples `sample` draws from now.
  public var windowCount: Int { min(count, window.map { max(1, $0(inserted + insertedBefore)) } ?? count) }

  public init<G: Game>(game: G, capacity: Int, seed: UInt64, mergeDuplicates: Bool = false) {
    self.capacity = capacity
    self.mergeDuplicates = mergeDuplicates
    hashes = mergeDuplicates ? Array(repeating: 0, count: capacity) : []
    merges = mergeDuplicates ? Array(repeating: 0, count: capacity) : []
    observationCount = game.observationShape.count
    actionCount = game.actionCount
    planes = game.observationShape.planes
    symmetries = game.symmetries
    observations = Array(repeating: 0, count: capacity * observationCount)
    masks = Array(repeating: 0, count: capacity * actionCount)
    policies = Array(repeating: 0, count: capacity * actionCount)
    values = Array(repeating: 0, count: capacity)
    rng = SplitMix64(seed: seed)
  }

  /// With `mergeDuplicates`: each slot's observation hash, how many samples it averages, and the
  /// slot holding each distinct observation in the buffer.
  public let mergeDuplicates: Bool
  var hashes: [UInt64]
  var merges: [Int32]
  var slotOf: [UInt64: Int] = [:]
  /// Samples merged into one already held (counted in `inserted`, not in `count`).
  public private(set) var merged = 0

  /// Adds samples, overwriting the oldest once full; with `mergeDuplicates`, a sample whose
  /// observation and legal moves a held sample has is averaged into that one instead.
  public func append(_ samples: [TrainingSample]) {
    for s in samples {
      precondition(s.observation.count == observationCount && s.policy.count == actionCount)
      var hash: UInt64 = 0
      if mergeDuplicates {
        hash = Self.hash(s.observation)
        // Only into a slot the window still draws from (a growing window may hold older ones).
        if let slot = slotOf[hash], (next - 1 - slot + capacity) % capacity < windowCount, holds(s, at: slot) {
          let n = Float(merges[slot])
          for a in 0..<actionCount { policies[slot * actionCount + a] = (policies[slot * actionCount + a] * n + s.policy[a]) / (n + 1) }
          values[slot] = (values[slot] * n + s.value) / (n + 1)
          merges[slot] += 1
          merged += 1
          inserted += 1
          continue
        }
        if count == capacity, slotOf[hashes[next]] == next { slotOf[hashes[next]] = nil }
        // The newest copy of a position is the one merged into next (a colliding hash keeps its own).
        if slotOf[hash].map({ !holds(s, at: $0) }) != true { slotOf[hash] = next }
        hashes[next] = hash
        merges[next] = 1
      }
      observations.replaceSubrange((next * observationCount)..<((next + 1) * observationCount), with: s.observation)
      masks.replaceSubrange((next * actionCount)..<((next + 1) * actionCount), with: s.mask)
      policies.replaceSubrange((next * actionCount)..<((next + 1) * actionCount), with: s.policy)
      values[next] = s.value
      next = (next + 1) % capacity
      count = min(count + 1, capacity)
      inserted += 1
    }
  }

  /// Whether `slot` holds `s`'s position (same observation and legal moves; the hash may collide).
  func holds(_ s: TrainingSample, at slot: Int) -> Bool {
    observations[(slot * observationCount)..<((slot + 1) * observationCount)].elementsEqual(s.observation)
      && masks[(slot * actionCount)..<((slot + 1) * actionCount)].elementsEqual(s.mask)
  }

  /// FNV-1a over the observation's bit patterns.
  static func hash(_ observation: [Float]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for x in observation {
      h = (h ^ UInt64(x.bitPattern)) &* 0x100_0000_01b3
    }
    return h
  }

  /// How many samples the one in `slot` averages (1 unless merging).
  public func mergeCount(slot: Int) -> Int { mergeDuplicates ? Int(merges[slot]) : 1 }

  /// `size` samples drawn uniformly (with replacement), each under a random symmetry.
  public func sample(_ size: Int) -> TrainingBatch {
    precondition(count > 0, "sampling an empty replay buffer")
    let w = windowCount
    var obs = [Float](repeating: 0, count: size * observationCount)
    var mask = [Float](repeating: 0, count: size * actionCount), policy = mask
    var value = [Float](repeating: 0, count: size)
    for b in 0..<size {
      // One of the newest `w` samples (the ring's last written slot is next − 1).
      let i = (next - 1 - rng.next(below: w) + capacity) % capacity
      let s = symmetries[rng.next(below: symmetries.count)]
      observations.withUnsafeBufferPointer { src in
        obs.withUnsafeMutableBufferPointer { dst in
          s.transform(observation: UnsafeBufferPointer(rebasing: src[(i * observationCount)..<((i + 1) * observationCount)]),
                      into: UnsafeMutableBufferPointer(rebasing: dst[(b * observationCount)..<((b + 1) * observationCount)]))
        }
      }
      let actions = (i * actionCount)..<((i + 1) * actionCount), row = (b * actionCount)..<((b + 1) * actionCount)
      masks.withUnsafeBufferPointer { src in
        mask.withUnsafeMutableBufferPointer { dst in
          s.transform(policy: UnsafeBufferPointer(rebasing: src[actions]), into: UnsafeMutableBufferPointer(rebasing: dst[row]))
        }
      }
      policies.withUnsafeBufferPointer { src in
        policy.withUnsafeMutableBufferPointer { dst in
          s.transform(policy: UnsafeBufferPointer(rebasing: src[actions]), into: UnsafeMutableBufferPointer(rebasing: dst[row]))
        }
      }
      value[b] = values[i]
    }
    return TrainingBatch(count: size, observations: obs, legalMasks: mask, policyTargets: policy, valueTargets: value)
  }
}

/// Samples-per-insert rate limiting (Reverb): sampling waits until `minSize` samples are in, and
/// then keeps `sampled / samplesPerInsert − inserted` within ± `errorBuffer`, so the learner does
/// not overfit a small buffer nor fall behind the actors.
public struct RateLimiter: Sendable, Equatable, Codable {
  public var samplesPerInsert: Double
  public var minSize: Int
  public var errorBuffer: Double

  public init(samplesPerInsert: Double, minSize: Int, errorBuffer: Double) {
    self.samplesPerInsert = samplesPerInsert
    self.minSize = minSize
    self.errorBuffer = errorBuffer
  }

  /// Whether `batch` more samples may be drawn now.
  public func canSample(_ batch: Int, inserted: Int, sampled: Int) -> Bool {
    inserted >= minSize && Double(sampled + batch) / samplesPerInsert - Double(inserted) <= errorBuffer
  }

  /// Whether actors should wait for the learner to catch up.
  public func canInsert(inserted: Int, sampled: Int) -> Bool {
    inserted < minSize || Double(inserted + 1) - Double(sampled) / samplesPerInsert <= errorBuffer
  }
}

/// KataGo's growing replay window: all of the first `minimum` samples, then
/// minimum · (1 + β · ((n / minimum)^α − 1) / α) of n inserted (KataGo: 250,000, α 0.75, β 0.4).
public struct WindowGrowth: Sendable, Equatable, Codable {
  public var minimum: Int
  public var alpha: Double
  public var beta: Double

  public init(minimum: Int, alpha: Double = 0.75, beta: Double = 0.4) {
    self.minimum = minimum
    self.alpha = alpha
    self.beta = beta
  }

  public func size(inserted n: Int) -> Int {
    guard n > minimum else { return n }
    let ratio = Double(n) / Double(minimum)
    return Int(Double(minimum) * (1 + beta * (pow(ratio, alpha) - 1) / alpha))
  }
}
