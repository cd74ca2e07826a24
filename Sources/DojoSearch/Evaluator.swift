// What the search knows instead of a network: an evaluator turns a batch of leaf positions into
// priors over each leaf's legal actions and a value for each leaf.
//
// Perspective: a leaf's value is from the point of view of the side to move at that leaf.

import DojoGames

/// Leaves waiting for evaluation, and the evaluator's answers. Reused from step to step (its
/// arrays keep their capacity), so evaluating allocates nothing once warmed up.
public struct LeafBatch<State: GameState> {
  /// The positions to evaluate.
  public internal(set) var states: [State] = []
  /// Leaf i's legal actions are `actions[actionStart[i] ..< actionStart[i + 1]]`, ascending.
  public internal(set) var actionStart: [Int] = [0]
  public internal(set) var actions: [Action] = []
  /// Output: the prior of each of those actions (summing to 1 per leaf).
  public var priors: [Float] = []
  /// Output: each leaf's value in [-1, 1] for its side to move.
  public var values: [Float] = []

  public init() {}

  public var count: Int { states.count }

  /// The range of `actions` and `priors` that belongs to leaf `i`.
  @inlinable public func range(of i: Int) -> Range<Int> { actionStart[i]..<actionStart[i + 1] }

  mutating func removeAll() {
    states.removeAll(keepingCapacity: true)
    actionStart.removeAll(keepingCapacity: true)
    actionStart.append(0)
    actions.removeAll(keepingCapacity: true)
    priors.removeAll(keepingCapacity: true)
    values.removeAll(keepingCapacity: true)
  }

  /// Adds a leaf; returns its index.
  @discardableResult
  public mutating func append(_ state: State, scratch: inout [Action]) -> Int {
    state.legalActions(into: &scratch)
    states.append(state)
    actions.append(contentsOf: scratch)
    actionStart.append(actions.count)
    return states.count - 1
  }

  /// Sizes the outputs for the leaves appended (priors zeroed, values zeroed).
  public mutating func prepareOutputs() {
    priors.removeAll(keepingCapacity: true)
    priors.append(contentsOf: repeatElement(0, count: actions.count))
    values.removeAll(keepingCapacity: true)
    values.append(contentsOf: repeatElement(0, count: states.count))
  }
}

/// Evaluates leaves: fills `batch.priors` and `batch.values` (already sized by `prepareOutputs`).
public protocol Evaluator<State> {
  associatedtype State: GameState
  mutating func evaluate(_ batch: inout LeafBatch<State>)
}

/// Pure MCTS's evaluator: uniform priors, and the value of `rollouts` random playouts to the end.
public struct RolloutEvaluator<State: GameState>: Evaluator {
  public var rng: SplitMix64
  public let rollouts: Int
  var scratch: [Action] = []

  public init(seed: UInt64, rollouts: Int = 1) {
    rng = SplitMix64(seed: seed)
    self.rollouts = rollouts
  }

  public mutating func evaluate(_ batch: inout LeafBatch<State>) {
    for i in 0..<batch.count {
      let r = batch.range(of: i)
      let uniform = 1 / Float(r.count)
      for j in r { batch.priors[j] = uniform }
      let state = batch.states[i]
      let me = state.currentPlayer
      var total: Float = 0
      for _ in 0..<rollouts {
        total += randomPlayout(from: state, rng: &rng, actions: &scratch).outcome(for: me) ?? 0
      }
      batch.values[i] = total / Float(rollouts)
    }
  }
}

/// A cache in front of any evaluator, keyed by position hash: a position seen before is answered
/// from memory. When it holds `capacity` positions it starts afresh (no per-entry allocation).
public struct CachingEvaluator<Inner: Evaluator>: Evaluator {
  public typealias State = Inner.State
  public var inner: Inner
  public let capacity: Int
  /// Where each cached position's priors start in `storedPriors`, its count, and its value.
  var index: [UInt64: (start: Int, count: Int, value: Float)] = [:]
  var storedPriors: [Float] = []
  var misses = LeafBatch<State>()
  var missOf: [Int] = []
  var scratch: [Action] = []
  public private(set) var hits = 0
  public private(set) var lookups = 0

  public init(_ inner: Inner, capacity: Int = 1 << 20) {
    self.inner = inner
    self.capacity = capacity
    index.reserveCapacity(min(capacity, 1 << 16))
  }

  public mutating func evaluate(_ batch: inout LeafBatch<State>) {
    misses.removeAll()
    missOf.removeAll(keepingCapacity: true)
    for i in 0..<batch.count {
      lookups += 1
      if let hit = index[batch.states[i].positionHash], hit.count == batch.range(of: i).count {
        hits += 1
        let r = batch.range(of: i)
        for k in 0..<hit.count { batch.priors[r.lowerBound + k] = storedPriors[hit.start + k] }
        batch.values[i] = hit.value
      } else {
        missOf.append(i)
        misses.append(batch.states[i], scratch: &scratch)
      }
    }
    guard misses.count > 0 else { return }
    misses.prepareOutputs()
    inner.evaluate(&misses)
    if index.count + misses.count > capacity {
      index.removeAll(keepingCapacity: true)
      storedPriors.removeAll(keepingCapacity: true)
    }
    for (m, i) in missOf.enumerated() {
      let r = batch.range(of: i), mr = misses.range(of: m)
      for k in 0..<r.count { batch.priors[r.lowerBound + k] = misses.priors[mr.lowerBound + k] }
      batch.values[i] = misses.values[m]
      index[batch.states[i].positionHash] = (storedPriors.count, r.count, misses.values[m])
      storedPriors.append(contentsOf: misses.priors[mr])
    }
  }
}
