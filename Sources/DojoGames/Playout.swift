// Random play to the end: the rollout of pure MCTS and the games benchmark.

/// Plays uniformly random legal actions from `state` to the end and returns the final state.
/// `actions` is scratch space, reused across calls so that a playout allocates nothing.
@inlinable
public func randomPlayout<S: GameState>(from state: S, rng: inout SplitMix64, actions: inout [Action]) -> S {
  var s = state
  while true {
    s.legalActions(into: &actions)
    if actions.isEmpty { return s }
    s.apply(actions[rng.next(below: actions.count)])
  }
}
