import DojoGames
import DojoTestSupport
import Foundation
import Testing
@testable import DojoSearch

let goldenPath = "/" + #filePath.split(separator: "/").dropLast().joined(separator: "/") + "/Golden/search.txt"

/// Positions with different legal actions, to show that games searched together do not interfere.
func mixedRoots() throws -> [TicTacToeState] {
  let g = TicTacToe()
  return [g.initialState(), try g.state(afterMoves: ["b2", "a1"]), try g.state(afterMoves: ["a1", "b2", "c3", "a3"])]
}

func describe(_ r: SearchResult) -> String {
  let t = r.policyTarget.map { String(format: "%.4f", $0) }.joined(separator: ",")
  return "actions=\(r.actions) visits=\(r.visits) target=[\(t)] value=\(String(format: "%.4f", r.rootValue)) selected=\(r.selectedAction)"
}

@Test("a batch of games searches exactly as each game alone, and matches the golden trees")
func batchedSearchIsGoldenAndIndependent() throws {
  var lines: [String] = []
  for policy in [SearchConfig.RootPolicy.puct, .gumbel] {
    var config = SearchConfig()
    config.rootPolicy = policy
    config.simulations = 24
    let roots = try mixedRoots()
    let batched = BatchedSearch(game: TicTacToe(), evaluator: HashEvaluator<TicTacToeState>(), config: config, gameCount: roots.count, seed: 5)
    for (i, r) in roots.enumerated() { batched.setRoot(i, r) }
    let together = batched.search(simulations: Array(repeating: 24, count: roots.count), noise: Array(repeating: false, count: roots.count))
    // One evaluator call per step for all games: far fewer calls than leaves.
    #expect(batched.evaluator.calls <= 25 && batched.evaluator.leaves > 40)
    for (i, r) in roots.enumerated() {
      let alone = BatchedSearch(game: TicTacToe(), evaluator: HashEvaluator<TicTacToeState>(), config: config, gameCount: 1, seed: 5)
      alone.setRoot(0, r)
      let single = alone.search(simulations: [24], noise: [false])[0]
      #expect(describe(single) == describe(together[i]), "\(policy) game \(i)")
      #expect(together[i].simulations == 24 && together[i].visits.reduce(0, +) == 24)
      #expect(together[i].actions == r.legalActions)
      lines.append("\(policy) game \(i): \(describe(together[i]))")
    }
  }
  let text = lines.joined(separator: "\n") + "\n"
  if ProcessInfo.processInfo.environment["DOJO_UPDATE_GOLDEN"] != nil {
    try text.write(toFile: goldenPath, atomically: true, encoding: .utf8)
  }
  let golden = try String(contentsOfFile: goldenPath, encoding: .utf8)
  #expect(text == golden, "search output changed; if intended, rerun with DOJO_UPDATE_GOLDEN=1 and review the diff")
}

@Test func subtreeIsKeptForTheNextMove() throws {
  var config = SearchConfig()
  config.rootPolicy = .puct
  let search = BatchedSearch(game: TicTacToe(), evaluator: HashEvaluator<TicTacToeState>(), config: config, gameCount: 1, seed: 1)
  let r = search.search(simulations: [50], noise: [false])[0]
  let best = r.actions.indices.max { r.visits[$0] < r.visits[$1] }!
  search.advance(0, by: r.actions[best])
  // The new root keeps the visits its subtree had (a child's node visits equal its edge's).
  #expect(search.trees[0].nodeVisits[0] == r.visits[best] && search.trees[0].nodeCount > 1)
  let next = search.search(simulations: [10], noise: [false])[0]
  #expect(next.visits.reduce(0, +) == Int32(r.visits[best]) - 1 + 10)
}

/// Pure MCTS (uniform priors, one random rollout per leaf) against a random player: 200 games of
/// tic-tac-toe, 100 as each side, searched together in one batch. It never loses.
@Test func pureMCTSNeverLosesTicTacToeToRandom() {
  let seed: UInt64 = 2026
  let games = 200
  var config = SearchConfig()
  config.rootPolicy = .puct
  config.fpuReduction = 0
  let search = BatchedSearch(game: TicTacToe(), evaluator: RolloutEvaluator<TicTacToeState>(seed: seed), config: config, gameCount: games, seed: seed)
  var rng = SplitMix64(seed: seed)
  let mctsSide: [Player] = (0..<games).map { $0 % 2 == 0 ? .first : .second }
  while (0..<games).contains(where: { !search.roots[$0].isTerminal }) {
    let sims = (0..<games).map { i in !search.roots[i].isTerminal && search.roots[i].currentPlayer == mctsSide[i] ? 1000 : 0 }
    let results = search.search(simulations: sims, noise: Array(repeating: false, count: games))
    for i in 0..<games where !search.roots[i].isTerminal {
      if sims[i] > 0 {
        search.advance(i, by: results[i].selectedAction)
      } else {
        let legal = search.roots[i].legalActions
        search.advance(i, by: legal[rng.next(below: legal.count)])
      }
    }
  }
  let losses = (0..<games).filter { search.roots[$0].outcome(for: mctsSide[$0]) == -1 }
  let wins = (0..<games).filter { search.roots[$0].outcome(for: mctsSide[$0]) == 1 }
  #expect(losses.isEmpty, "seed \(seed): lost games \(losses)")
  #expect(wins.count > 150, "seed \(seed): only \(wins.count) wins")
}

/// Pure MCTS is PUCT over uniform priors with random rollouts. (Gumbel's interior rule trusts the
/// prior, so with uniform priors and noisy rollouts it can stop exploring; it is tested with a value
/// oracle below, and meant for learned priors.)
@Test func pureMCTSTakesWinsAndBlocksLossesInConnectFour() throws {
  let policy = SearchConfig.RootPolicy.puct
  let g = ConnectFour<UInt64>()
  // X to move with three in column 1: X must play 1. O to move facing X's three in column 1: O must
  // play 1. O to move facing X's 1-2-3 on the bottom row (one open end): O must play 4.
  let positions: [(moves: [String], expected: Action)] = [
    (["1", "2", "1", "2", "1", "3"], 0),
    (["1", "2", "1", "2", "1"], 0),
    (["1", "1", "2", "2", "3"], 3),
  ]
  var config = SearchConfig()
  config.rootPolicy = policy
  for (k, p) in positions.enumerated() {
    let search = BatchedSearch(game: g, evaluator: RolloutEvaluator<ConnectFourState<UInt64>>(seed: UInt64(k)), config: config, gameCount: 1, seed: UInt64(k))
    search.setRoot(0, try g.state(afterMoves: p.moves))
    let r = search.search(simulations: [1000], noise: [false])[0]
    #expect(r.selectedAction == p.expected, "\(policy): after \(p.moves) chose \(r.selectedAction + 1)")
  }
}

/// With a perfect value but no policy knowledge (uniform priors), Gumbel's improved policy puts
/// more weight than the prior on the best move, from 2 simulations up.
@Test("Gumbel with 2 to 16 simulations improves on the prior", arguments: [2, 4, 8, 16])
func gumbelImprovesOnThePrior(simulations: Int) throws {
  let g = TicTacToe()
  var solver = Solver(game: g)
  // Positions (in a fixed order) where exactly one of at least four moves keeps the best result.
  var positions: [TicTacToeState] = []
  var frontier = [g.initialState()]
  var seen: Set<TicTacToeState> = []
  while positions.count < 8, !frontier.isEmpty {
    let s = frontier.removeFirst()
    for a in s.legalActions where seen.insert(s.applying(a)).inserted { frontier.append(s.applying(a)) }
    if !s.isTerminal, s.legalActions.count >= 4, solver.bestActions(s).count == 1 { positions.append(s) }
  }
  try #require(positions.count == 8)
  var config = SearchConfig()
  config.rootPolicy = .gumbel
  var gain: Float = 0, hits = 0, chance: Float = 0
  var trials = 0
  for seed in 0..<10 {
    let search = BatchedSearch(game: g, evaluator: OracleEvaluator(solver: solver), config: config, gameCount: positions.count, seed: UInt64(seed))
    for (i, s) in positions.enumerated() { search.setRoot(i, s) }
    let results = search.search(simulations: Array(repeating: simulations, count: positions.count), noise: Array(repeating: true, count: positions.count))
    for (i, s) in positions.enumerated() {
      let best = solver.bestActions(s)[0]
      let k = results[i].actions.firstIndex(of: best)!
      gain += results[i].policyTarget[k] - results[i].priors[k]
      if results[i].selectedAction == best { hits += 1 }
      chance += results[i].priors[k]
      trials += 1
    }
  }
  // The improved policy gives the best move more probability than the prior did, and the chosen
  // move is the best one more often than a draw from the prior would be.
  #expect(gain / Float(trials) > 0.05, "mean gain of the best move's probability: \(gain / Float(trials))")
  #expect(Float(hits) / Float(trials) > chance / Float(trials) + 0.1, "best chosen \(hits)/\(trials); prior gives \(chance / Float(trials))")
}

@Test func cachingEvaluatorAnswersAsItsInnerEvaluatorAndHits() throws {
  var config = SearchConfig()
  config.rootPolicy = .puct
  let roots = try mixedRoots()
  let plain = BatchedSearch(game: TicTacToe(), evaluator: HashEvaluator<TicTacToeState>(), config: config, gameCount: 3, seed: 5)
  let cached = BatchedSearch(game: TicTacToe(), evaluator: CachingEvaluator(HashEvaluator<TicTacToeState>(), capacity: 64),
                             config: config, gameCount: 3, seed: 5)
  for (i, r) in roots.enumerated() {
    plain.setRoot(i, r)
    cached.setRoot(i, r)
  }
  let a = plain.search(simulations: [200, 200, 200], noise: [false, false, false])
  let b = cached.search(simulations: [200, 200, 200], noise: [false, false, false])
  // Same answers, so the same trees; transpositions were served from the cache (and it was
  // cleared when full, 64 entries, without losing correctness).
  for i in 0..<3 { #expect(describe(a[i]) == describe(b[i])) }
  #expect(cached.evaluator.hits > 0 && cached.evaluator.inner.leaves < plain.evaluator.leaves)
}

@Test func severalLeavesPerTreeWithVirtualLossMakeFewerCalls() throws {
  var config = SearchConfig()
  config.rootPolicy = .puct
  config.leavesPerTree = 4
  let search = BatchedSearch(game: ConnectFour<UInt64>(), evaluator: HashEvaluator<ConnectFourState<UInt64>>(), config: config, gameCount: 2, seed: 1)
  let r = search.search(simulations: [64, 64], noise: [false, false])
  for result in r {
    #expect(result.simulations == 64 && result.visits.reduce(0, +) == 64)
    #expect(result.visits.filter { $0 > 0 }.count > 1)
  }
  // Up to 4 leaves per game per step: far fewer than 64 steps; virtual loss is fully removed.
  #expect(search.evaluator.calls < 40)
  let t = search.trees[0]
  #expect(t.edges(of: 0).allSatisfy { e in t.edgeVisits[e] >= 0 && abs(t.q(e)) <= 1 })
}
