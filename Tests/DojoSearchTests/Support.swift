import DojoGames
@testable import DojoSearch

/// A deterministic stand-in for a network: priors and value derived from the position hash.
struct HashEvaluator<S: GameState>: Evaluator {
  var calls = 0
  var leaves = 0
  mutating func evaluate(_ batch: inout LeafBatch<S>) {
    calls += 1
    leaves += batch.count
    for i in 0..<batch.count {
      let h = batch.states[i].positionHash
      let r = batch.range(of: i)
      var sum: Float = 0
      for j in r {
        let w = Float(SplitMix64.mix(h ^ UInt64(batch.actions[j])) % 1000 + 1)
        batch.priors[j] = w
        sum += w
      }
      for j in r { batch.priors[j] /= sum }
      batch.values[i] = Float(h % 2001) / 1000 - 1
    }
  }
}

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
