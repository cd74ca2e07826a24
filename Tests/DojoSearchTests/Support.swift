import DojoGames
import DojoTestSupport
@testable import DojoSearch


/// Exact game values by negamax (for the side to move), memoised.
struct Solver<G: Game> {
  let game: G
  var memo: [G.State: Float] = [:]

  mutating func value(_ s: G.State) -> Float {
    if let v = memo[s] { return v }
    let v: Float
    if let o = s.outcome(for: s.currentPlayer) {
      v = o
    } else {
      v = s.legalActions.map { a -> Float in
        let next = s.applying(a)
        let w = value(next)
        return next.currentPlayer == s.currentPlayer ? w : -w
      }.max()!
    }
    memo[s] = v
    return v
  }

  /// The actions that keep the exact value.
  mutating func bestActions(_ s: G.State) -> [Action] {
    let v = value(s)
    return s.legalActions.filter { a in
      let next = s.applying(a)
      let w = value(next)
      return (next.currentPlayer == s.currentPlayer ? w : -w) == v
    }
  }
}

/// Uniform priors and the exact value: a perfect value function with no policy knowledge.
struct OracleEvaluator<G: Game>: Evaluator {
  var solver: Solver<G>
  mutating func evaluate(_ batch: inout LeafBatch<G.State>) {
    for i in 0..<batch.count {
      let r = batch.range(of: i)
      for j in r { batch.priors[j] = 1 / Float(r.count) }
      batch.values[i] = solver.value(batch.states[i])
    }
  }
}
