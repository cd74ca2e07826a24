// The league's rules on constructed data: PFSP weightings, the payoff's decay, window and
// minimum games, matchmaking branch frequencies, snapshot and reset rules, and PBT.

import DojoGames
import DojoLeague
import DojoTraining
import Foundation
import Testing

func payoff(_ results: [(String, String, Double)], _ configure: (inout PayoffConfig) -> Void = { _ in }) -> Payoff {
  var c = PayoffConfig()
  configure(&c)
  var p = Payoff(config: c)
  for (h, a, s) in results { p.record(home: h, away: a, score: s) }
  return p
}

@Test func pfspWeightingsFollowTheirFormulas() {
  let x = [0.0, 0.25, 0.5, 0.9, 1.0]
  func normalized(_ w: [Double]) -> [Double] { w.map { $0 / w.reduce(0, +) } }
  let cases: [(PFSPWeighting, [Double])] = [
    (.squared, x.map { (1 - $0) * (1 - $0) }),
    (.variance, x.map { $0 * (1 - $0) }),
    (.linearCapped, x.map { min(0.5, 1 - $0) }),
    (.uniform, x.map { _ in 1 }),
  ]
  for (weighting, raw) in cases {
    let p = pfspDistribution(x, weighting: weighting)
    for (a, b) in zip(p, normalized(raw)) { #expect(abs(a - b) < 1e-12, "\(weighting): \(p)") }
    #expect(abs(p.reduce(0, +) - 1) < 1e-12)
  }
  // Every opponent beaten: no weight anywhere, so uniform rather than undefined.
  let third: Double = 1.0 / 3
  #expect(pfspDistribution([1, 1, 1], weighting: .squared) == [third, third, third])
}

@Test func pfspOnAConstructedPayoff() {
  // main_agent_0 beats a@1 in 3 of 4 games, draws b@1 twice in 4, loses every game to c@1; min_games 4.
  let results: [(String, String, Double)] = Array(repeating: ("m", "a", 1), count: 3) + [("m", "a", 0)]
    + [("m", "b", 0.5), ("m", "b", 0.5), ("m", "b", 1), ("m", "b", 0)] + Array(repeating: ("m", "c", 0), count: 4)
  let p = payoff(results) { $0.decay = 1; $0.minGames = 4 }
  #expect(p.winRate("m", "a") == 0.75 && p.winRate("m", "b") == 0.5 && p.winRate("m", "c") == 0)
  #expect(p.winRate("a", "m") == 0.25)
  let view = LeagueView(agents: [("m", .mainAgent)], historical: ["a", "b", "c"].map {
    HistoricalPlayer(name: $0, parent: "m", role: .mainAgent, step: 1, generation: 1)
  }, payoff: p)
  let d = Matchmaker(config: MatchmakingConfig()).distribution(for: "m", role: .mainAgent, in: view)
  let expected = normalizedSquares([0.75, 0.5, 0])
  for (k, e) in expected.enumerated() { #expect(abs(d[k].probability - e) < 1e-12) }
}

func normalizedSquares(_ x: [Double]) -> [Double] {
  let w = x.map { (1 - $0) * (1 - $0) }
  return w.map { $0 / w.reduce(0, +) }
}

@Test func payoffDecayWindowAndMinimumGames() {
  // Decay: after a loss then n wins, the weighted win rate is (sum of d^k, k < n) / (sum of d^k, k ≤ n).
  let d = 0.9
  var p = payoff([("x", "y", 0)]) { $0.decay = d; $0.minGames = 0 }
  for _ in 0..<5 { p.record(home: "x", away: "y", score: 1) }
  let wins = (0..<5).map { pow(d, Double($0)) }.reduce(0, +), all = wins + pow(d, 5)
  #expect(abs(p.winRate("x", "y") - wins / all) < 1e-12)
  #expect(abs(p.games("x", "y") - all) < 1e-12)
  // Minimum games: 0.5 until the weighted count reaches it.
  var q = payoff([]) { $0.decay = 1; $0.minGames = 3 }
  q.record(home: "x", away: "y", score: 1)
  q.record(home: "x", away: "y", score: 1)
  #expect(q.winRate("x", "y") == 0.5)
  q.record(home: "x", away: "y", score: 1)
  #expect(q.winRate("x", "y") == 1)
  // Window: only the newest results count.
  var w = payoff([]) { $0.mode = .window; $0.window = 4; $0.minGames = 0 }
  for s in [0.0, 0, 0, 0, 1, 1, 1] { w.record(home: "x", away: "y", score: s) }
  #expect(w.winRate("x", "y") == 0.75 && w.games("x", "y") == 4)
}

@Test func matchmakingBranchFrequenciesWithinBinomialBounds() {
  // A main agent with exploiter snapshots it cannot beat: all three branches are possible.
  var p = payoff([]) { $0.decay = 1; $0.minGames = 1 }
  for _ in 0..<10 { p.record(home: "main_agent_0", away: "main_exploiter_0@100", score: 0) }
  let historical = [
    HistoricalPlayer(name: "main_agent_0@100", parent: "main_agent_0", role: .mainAgent, step: 100, generation: 2),
    HistoricalPlayer(name: "main_exploiter_0@100", parent: "main_exploiter_0", role: .mainExploiter, step: 100, generation: 2),
  ]
  let view = LeagueView(agents: [("main_agent_0", .mainAgent), ("main_exploiter_0", .mainExploiter)], historical: historical, payoff: p)
  let config = MatchmakingConfig()
  let mm = Matchmaker(config: config)
  let seed: UInt64 = 20261201
  var rng = SplitMix64(seed: seed)
  let n = 20_000
  var counts: [MatchBranch: Int] = [:]
  for _ in 0..<n { counts[mm.opponent(for: "main_agent_0", role: .mainAgent, in: view, rng: &rng).branch, default: 0] += 1 }
  for (branch, prob) in [(MatchBranch.selfPlay, config.selfPlay), (.pfsp, config.pfsp), (.verification, config.verification)] {
    let k = Double(counts[branch] ?? 0), sd = (Double(n) * prob * (1 - prob)).squareRoot()
    #expect(abs(k - Double(n) * prob) < 4 * sd, "seed \(seed): \(branch) \(k) of \(n), expected \(Double(n) * prob) ± \(4 * sd)")
  }
  // Verification goes to the exploiter's snapshot the agent cannot beat.
  var r2 = SplitMix64(seed: seed ^ 1)
  for _ in 0..<200 {
    let (o, b) = mm.opponent(for: "main_agent_0", role: .mainAgent, in: view, rng: &r2)
    if b == .verification { #expect(o == "main_exploiter_0@100") }
    if b == .selfPlay { #expect(o == "main_agent_0") }
  }
}

@Test func exploitersChooseOpponentsByTheirRules() {
  var rng = SplitMix64(seed: 7)
  let snapshots = [HistoricalPlayer(name: "main_agent_0@100", parent: "main_agent_0", role: .mainAgent, step: 100, generation: 2)]
  let agents: [(name: String, role: AgentRole)] = [("main_agent_0", .mainAgent), ("main_exploiter_0", .mainExploiter), ("league_exploiter_0", .leagueExploiter)]
  let mm = Matchmaker(config: MatchmakingConfig())
  // A main exploiter that cannot beat the main agent (below 0.1) plays its snapshots; otherwise the agent.
  var losing = payoff([]) { $0.decay = 1; $0.minGames = 1 }
  for _ in 0..<20 { losing.record(home: "main_exploiter_0", away: "main_agent_0", score: 0) }
  let l = mm.opponent(for: "main_exploiter_0", role: .mainExploiter, in: LeagueView(agents: agents, historical: snapshots, payoff: losing), rng: &rng)
  #expect(l.opponent == "main_agent_0@100" && l.branch == .exploitSnapshots)
  let fresh = mm.opponent(for: "main_exploiter_0", role: .mainExploiter, in: LeagueView(agents: agents, historical: snapshots, payoff: payoff([])), rng: &rng)
  #expect(fresh.opponent == "main_agent_0" && fresh.branch == .exploitMain)
  // A league exploiter plays PFSP over the historical players.
  let le = mm.opponent(for: "league_exploiter_0", role: .leagueExploiter, in: LeagueView(agents: agents, historical: snapshots, payoff: payoff([])), rng: &rng)
  #expect(le.opponent == "main_agent_0@100" && le.branch == .pfsp)
}

@Test func snapshotRuleOnStepAndWinRateSequences() {
  var c = SnapshotConfig()
  c.minSteps = 100
  c.winRate = 0.7
  // Too early, whatever the win rate.
  #expect(SnapshotRule.due(stepsSinceLast: 99, referenceWinRates: [1, 1], config: c) == nil)
  // N steps and every reference beaten above 0.7.
  #expect(SnapshotRule.due(stepsSinceLast: 100, referenceWinRates: [0.8, 0.71], config: c) != nil)
  // N steps but one reference at 0.7 (not above): wait.
  #expect(SnapshotRule.due(stepsSinceLast: 150, referenceWinRates: [0.9, 0.7], config: c) == nil)
  // 2N steps: regardless.
  #expect(SnapshotRule.due(stepsSinceLast: 200, referenceWinRates: [0.1], config: c) != nil)
  // No reference set yet: only 2N.
  #expect(SnapshotRule.due(stepsSinceLast: 150, referenceWinRates: [], config: c) == nil)
  // Along a sequence: checkpoints every 25 steps, the win rate climbing; the first due step is 125.
  let winRates = [0.3, 0.5, 0.6, 0.65, 0.69, 0.72, 0.8, 0.9]
  let first = winRates.indices.first { SnapshotRule.due(stepsSinceLast: ($0 + 1) * 25, referenceWinRates: [winRates[$0]], config: c) != nil }
  #expect(first.map { ($0 + 1) * 25 } == 150)
  // Resets: main exploiters always, main agents never, league exploiters with probability 0.25.
  #expect(SnapshotRule.resets(.mainExploiter, draw: 0.99, config: c))
  #expect(!SnapshotRule.resets(.mainAgent, draw: 0, config: c))
  var rng = SplitMix64(seed: 99)
  let n = 10_000
  let resets = (0..<n).filter { _ in SnapshotRule.resets(.leagueExploiter, draw: Double.random(in: 0..<1, using: &rng), config: c) }.count
  let sd = (Double(n) * 0.25 * 0.75).squareRoot()
  #expect(abs(Double(resets) - 0.25 * Double(n)) < 4 * sd, "seed 99: \(resets) resets of \(n)")
}

@Test func pbtTruncationCopiesTopMembersAndExploreStaysInBounds() {
  var config = PBTConfig()
  config.truncation = 0.2
  config.exploitConfidence = 0  // PBT's rule: any higher fitness
  config.bounds = [.learningRate: 1e-4...0.01, .simulations: 4...64, .valueWeight: 0.5...2]
  let fitness = Dictionary(uniqueKeysWithValues: (0..<10).map { ("m\($0)", Double($0) * 10) })  // m9 fittest
  let seed: UInt64 = 5
  var rng = SplitMix64(seed: seed)
  for _ in 0..<100 {
    // The bottom 2 (m0, m1) copy one of the top 2 (m8, m9); the others keep their weights.
    for m in ["m0", "m1"] { #expect(["m8", "m9"].contains(PBT.donor(for: m, fitness: fitness, config: config, rng: &rng) ?? "none")) }
    for m in ["m2", "m5", "m8", "m9"] { #expect(PBT.donor(for: m, fitness: fitness, config: config, rng: &rng) == nil) }
  }
  // With a confidence: only a member fitter with at least that probability is copied. Here each
  // difference has an error of 30 Elo: m9 over m0 (90) is 99.9 % sure, m8 over m1 (70) 99.0 %.
  config.exploitConfidence = 0.995
  let sure = { (a: String, b: String) -> Double? in 0.5 * erfc(-(fitness[a]! - fitness[b]!) / (30 * 2.0.squareRoot())) }
  for _ in 0..<100 {
    #expect(["m8", "m9"].contains(PBT.donor(for: "m0", fitness: fitness, config: config, rng: &rng, stronger: sure) ?? "none"))
    #expect(PBT.donor(for: "m1", fitness: fitness, config: config, rng: &rng, stronger: sure) == "m9")
  }
  // Unknown probabilities, or noise (an error of 150 Elo), copy nothing.
  #expect(PBT.donor(for: "m0", fitness: fitness, config: config, rng: &rng) == nil)
  let noisy = { (a: String, b: String) -> Double? in 0.5 * erfc(-(fitness[a]! - fitness[b]!) / (150 * 2.0.squareRoot())) }
  #expect(PBT.donor(for: "m0", fitness: fitness, config: config, rng: &rng, stronger: noisy) == nil)
  config.exploitConfidence = 0
  // Binary tournament: copies only a fitter member.
  config.exploit = .binaryTournament
  for _ in 0..<100 {
    if let d = PBT.donor(for: "m4", fitness: fitness, config: config, rng: &rng) { #expect(fitness[d]! > 40) }
    #expect(PBT.donor(for: "m9", fitness: fitness, config: config, rng: &rng) == nil)
  }
  // Explore: perturbed by 0.8 or 1.2, clamped to the bounds, integers rounded; unbounded ones untouched.
  let start: Hyperparameters = [.learningRate: 0.009, .simulations: 60, .valueWeight: 1, .temperature: 1]
  var seen = Set<Double>()
  for _ in 0..<200 {
    let e = PBT.explore(start, config: config, rng: &rng)
    let rate: Double = e[.learningRate]!, low: Double = 0.009 * 0.8
    #expect(rate == low || rate == 0.01, "seed \(seed)")
    #expect([48.0, 64].contains(e[.simulations]!))
    #expect([0.8, 1.2].contains(e[.valueWeight]!))
    #expect(e[.temperature] == 1)
    seen.insert(e[.valueWeight]!)
  }
  #expect(seen.count == 2)
  // Resample: with probability 1, every value is redrawn within bounds (log-uniform for the rate).
  config.explore = .resample
  config.resampleProbability = 1
  var logs: [Double] = []
  for _ in 0..<2000 {
    let e = PBT.explore(start, config: config, rng: &rng)
    let rateBounds: ClosedRange<Double> = config.bounds[.learningRate]!, simBounds: ClosedRange<Double> = config.bounds[.simulations]!
    #expect(rateBounds.contains(e[.learningRate]!))
    #expect(simBounds.contains(e[.simulations]!))
    logs.append(log10(e[.learningRate]!))
  }
  // log10 uniform on [-4, -2]: mean -3.
  let mean: Double = logs.reduce(0, +) / Double(logs.count)
  #expect(abs(mean + 3) < 0.1, "mean log10 rate \(mean)")
}
