import DojoGames
import Testing
@testable import DojoArena

// Reference values worked out independently: the interval by hand arithmetic (score ± 1.96 σ/√n,
// σ² the per-game score variance), the LLRs by maximising the constrained likelihood numerically
// (scipy's SLSQP, not the bisection used here); the normal approximation N(s1−s0)(2x̄−s0−s1)/(2σ²)
// gives 0.653 for the first, close to the exact 0.6315.

@Test func eloIntervalAndLikelihoodOfSuperiority() {
  let r = MatchResult(wins: 60, draws: 20, losses: 40)
  #expect(abs(r.score - 0.583333) < 1e-6)
  #expect(abs(r.elo.value - 58.4512) < 1e-3)
  #expect(abs(r.elo.lower - 2.1130) < 1e-3 && abs(r.elo.upper - 118.0403) < 1e-3)
  #expect(abs(r.likelihoodOfSuperiority - 0.977250) < 1e-5)
  #expect(MatchResult(wins: 5, draws: 0, losses: 5).likelihoodOfSuperiority == 0.5)
}

@Test func sprtLogLikelihoodRatios() throws {
  let sprt = SPRT(elo0: 0, elo1: 10, alpha: 0.05, beta: 0.05)
  #expect(abs(sprt.llr(MatchResult(wins: 60, draws: 20, losses: 40)) - 0.631484) < 2e-3)
  #expect(abs(SPRT(elo0: 0, elo1: 5).llr(MatchResult(wins: 330, draws: 400, losses: 300)) - 0.531569) < 2e-3)
  #expect(abs(sprt.llr(PairResult(counts: [10, 40, 100, 50, 20])) - 1.443155) < 2e-3)
  #expect(abs(sprt.lowerBound + 2.944439) < 1e-5 && abs(sprt.upperBound - 2.944439) < 1e-5)
  #expect(sprt.verdict(llr: 0.6) == .continuing && sprt.verdict(llr: 3) == .acceptH1 && sprt.verdict(llr: -3) == .acceptH0)
  // Leela Zero's gate: elo0 = 0, elo1 = 35. A clearly stronger candidate passes; a clearly weaker fails.
  let gate = SPRT(elo0: 0, elo1: 35)
  #expect(gate.verdict(llr: gate.llr(MatchResult(wins: 140, draws: 20, losses: 60))) == .acceptH1)
  #expect(gate.verdict(llr: gate.llr(MatchResult(wins: 60, draws: 20, losses: 140))) == .acceptH0)
  // The fewest games in which it can accept: pairs won twice, one pair fewer stays undecided.
  let fewest = try #require(gate.fewestGamesToAccept(limit: 10_000))
  let pairs = fewest / 2
  #expect(fewest % 2 == 0 && fewest > 40, "a 40-game SPRT gate at elo1 35 could accept after \(fewest) games")
  #expect(gate.verdict(llr: gate.llr(PairResult(counts: [0, 0, 0, 0, pairs]))) == .acceptH1)
  #expect(gate.verdict(llr: gate.llr(PairResult(counts: [0, 0, 0, 0, pairs - 1]))) == .continuing)
  #expect(gate.fewestGamesToAccept(limit: fewest - 1) == nil && gate.fewestGamesToAccept(limit: fewest) == fewest)
  #expect(SPRT(elo0: 0, elo1: 100).fewestGamesToAccept(limit: 10_000)! < fewest && SPRT(elo0: 10, elo1: 10).fewestGamesToAccept(limit: 10_000) == nil)
}

@Test func maximumLikelihoodRatingsRecoverKnownStrengths() {
  let seed: UInt64 = 314
  var rng = SplitMix64(seed: seed)
  let truth: [Double] = [0, 120, 250, -150, 60]
  var games: [GameOutcome] = []
  let draw = 0.2
  for a in truth.indices {
    for b in truth.indices where a < b {
      for _ in 0..<300 {
        let s = expectedScore(elo: truth[a] - truth[b])
        let u = Double(rng.next() >> 11) / Double(1 << 53)
        games.append(GameOutcome(a: a, b: b, score: u < s - draw / 2 ? 1 : u < s + draw / 2 ? 0.5 : 0))
      }
    }
  }
  let ratings = fitRatings(names: ["p0", "p1", "p2", "p3", "p4"], games: games, anchor: 0)
  #expect(ratings[0].rating == 0 && ratings[0].margin == 0)
  for (r, t) in zip(ratings, truth).dropFirst() {
    #expect(abs(r.rating - t) <= r.margin, "seed \(seed): \(r.name) \(r.rating) ± \(r.margin), true \(t)")
    #expect(r.margin > 10 && r.margin < 60 && r.games == 1200)
  }
  // The order is right.
  #expect(ratings.sorted { $0.rating > $1.rating }.map(\.name) == ["p2", "p1", "p4", "p0", "p3"])
}

@Test func ratingDifferencesCarryTheirSharedError() {
  // Two players who met each other often but the anchor rarely: each rating is uncertain, their
  // difference is not. The fit's covariance says so; the margins alone would not.
  let seed: UInt64 = 2718
  var rng = SplitMix64(seed: seed)
  let truth: [Double] = [0, 300, 380]  // anchor, a, b
  var games: [GameOutcome] = []
  for (a, b, n) in [(0, 1, 20), (0, 2, 20), (1, 2, 2000)] {
    for _ in 0..<n {
      let u = Double(rng.next() >> 11) / Double(1 << 53)
      games.append(GameOutcome(a: a, b: b, score: u < expectedScore(elo: truth[a] - truth[b]) ? 1 : 0))
    }
  }
  let fit = fitRatingModel(names: ["anchor", "a", "b"], games: games, anchor: 0)
  #expect(fit.ratings == fitRatings(names: ["anchor", "a", "b"], games: games, anchor: 0))
  let (ma, mb) = (fit.ratings[1].margin / 1.959964, fit.ratings[2].margin / 1.959964)
  // Against the anchor the difference's error is the player's own.
  #expect(abs(fit.differenceError(1, 0) - ma) < 1e-6 && abs(fit.differenceError(2, 0) - mb) < 1e-6)
  let independent = (ma * ma + mb * mb).squareRoot(), shared = fit.differenceError(2, 1)
  #expect(shared < independent / 3, "seed \(seed): error of b − a \(shared), margins alone \(independent)")
  // b's lead over a, 80 Elo in 2,000 games, is certain; over the anchor, 380 in 20 games, nearly so.
  let gap = fit.ratings[2].rating - fit.ratings[1].rating
  #expect(abs(gap - 80) < 2.5 * shared, "seed \(seed): gap \(gap) ± \(shared)")
  #expect(fit.probabilityStronger("b", than: "a")! > 0.999 && fit.probabilityStronger("a", than: "b")! < 0.001)
  #expect(abs(fit.probabilityStronger("a", than: "b")! + fit.probabilityStronger("b", than: "a")! - 1) < 1e-12)
  #expect(fit.probabilityStronger("b", than: "nobody") == nil)
}

@Test func gatesAcceptStrongerCandidatesAndRejectWeakerOnes() throws {
  let game = TicTacToe()
  let strong = try Gate.run(.sprt(SPRT(elo0: 0, elo1: 35), maxGames: 200), game: game, candidate: .mcts(simulations: 300), best: .random, seed: 1)
  #expect(strong.accepted && strong.llr! >= SPRT().upperBound && strong.result.games < 200, "\(strong.reason)")
  let weak = try Gate.run(.sprt(SPRT(elo0: 0, elo1: 35), maxGames: 200), game: game, candidate: .random, best: .mcts(simulations: 300), seed: 1)
  #expect(!weak.accepted && weak.llr! <= SPRT().lowerBound, "\(weak.reason)")
  let fixed = try Gate.run(.fixed(games: 20, threshold: 0.55), game: game, candidate: .mcts(simulations: 300), best: .random, seed: 2)
  #expect(fixed.accepted && fixed.result.games == 20 && fixed.result.score >= 0.55)
  let fixedWeak = try Gate.run(.fixed(games: 20, threshold: 0.55), game: game, candidate: .random, best: .mcts(simulations: 300), seed: 2)
  #expect(!fixedWeak.accepted && fixedWeak.reason.contains("threshold 55.0%"))
  #expect(try Gate.run(.none, game: game, candidate: .random, best: .random, seed: 1).accepted)
}
