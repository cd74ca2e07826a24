// Gating: does a candidate replace the current best? By a fixed number of games and a score
// threshold (AlphaGo Zero: 400 games, 55 %), by SPRT on game pairs (Leela Zero: elo0 = 0,
// elo1 = 35, alpha = beta = 0.05), or not at all. The verdict carries its numbers.

import DojoGames
import DojoNN
import DojoPlayers
import Foundation

public enum GateRule: Sendable, Equatable, Codable {
  /// Every candidate is accepted.
  case none
  /// Play `games` games; accept if the candidate scores at least `threshold`.
  case fixed(games: Int, threshold: Double)
  /// Play colour-swapped pairs until the SPRT decides, or `maxGames` (then reject).
  case sprt(SPRT, maxGames: Int)
}

public struct GateVerdict: Sendable, Equatable, Codable {
  public var accepted: Bool
  /// The candidate's results against the best.
  public var result: MatchResult
  public var pairs: PairResult
  public var llr: Double?
  public var reason: String
  public var elo: Double { result.elo.value }

  public init(accepted: Bool, result: MatchResult, pairs: PairResult, llr: Double?, reason: String) {
    self.accepted = accepted
    self.result = result
    self.pairs = pairs
    self.llr = llr
    self.reason = reason
  }
}

/// A gate stopped before its verdict (the process is shutting down); the candidate is gated again
/// on the next start.
public struct GateInterrupted: Error, CustomStringConvertible {
  public init() {}
  public var description: String { "gating interrupted" }
}

public enum Gate {
  /// Plays `candidate` against `best` under `rule`, one colour-swapped pair at a time.
  /// `shouldStop` is asked between games; when it says yes, `GateInterrupted` is thrown. Checkpoints
  /// play in `precision` (the actors': the strength gating measures is the strength they play at).
  public static func run<G: Game>(_ rule: GateRule, game: G, candidate: PlayerSpec, best: PlayerSpec, seed: UInt64,
                                  openings: OpeningSource = .random(plies: 2), precision: InferencePrecision = .fp32,
                                  shouldStop: () -> Bool = { false }) throws -> GateVerdict {
    var result = MatchResult(), pairs = PairResult()
    if case .none = rule { return GateVerdict(accepted: true, result: result, pairs: pairs, llr: nil, reason: "no gating") }
    let runner = try MatchRunner(game: game, players: [candidate, best], seed: seed, openings: openings, precision: precision)
    let maxGames: Int
    switch rule {
    case .none: maxGames = 0
    case let .fixed(games, _): maxGames = games
    case let .sprt(_, m): maxGames = m
    }
    var pair = 0
    while result.games + 2 <= max(maxGames, 2) {
      if shouldStop() { throw GateInterrupted() }
      let a = try runner.play(ScheduledGame(index: 2 * pair, round: 0, first: 0, second: 1, opening: pair))
      let b = try runner.play(ScheduledGame(index: 2 * pair + 1, round: 0, first: 1, second: 0, opening: pair))
      let scores = [a.scoreForFirst, 1 - b.scoreForFirst]  // the candidate's
      for s in scores {
        result.add(score: s)
      }
      pairs.add(scores[0], scores[1])
      pair += 1
      if case let .sprt(test, _) = rule {
        let llr = test.llr(pairs)
        switch test.verdict(llr: llr) {
        case .acceptH1:
          return GateVerdict(accepted: true, result: result, pairs: pairs, llr: llr, reason: "SPRT accepted H1 (elo ≥ \(test.elo1)) after \(result.games) games")
        case .acceptH0:
          return GateVerdict(accepted: false, result: result, pairs: pairs, llr: llr, reason: "SPRT accepted H0 (elo ≤ \(test.elo0)) after \(result.games) games")
        case .continuing: break
        }
      }
    }
    switch rule {
    case let .fixed(games, threshold):
      let ok = result.score >= threshold
      return GateVerdict(accepted: ok, result: result, pairs: pairs, llr: nil,
                         reason: String(format: "scored %.1f%% in %d games (threshold %.1f%%)", 100 * result.score, games, 100 * threshold))
    case let .sprt(test, maxGames):
      return GateVerdict(accepted: false, result: result, pairs: pairs, llr: test.llr(pairs),
                         reason: "SPRT undecided after \(maxGames) games: rejected")
    case .none:
      return GateVerdict(accepted: true, result: result, pairs: pairs, llr: nil, reason: "no gating")
    }
  }
}
