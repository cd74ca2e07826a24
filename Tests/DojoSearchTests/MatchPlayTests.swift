// League matches: whose positions become samples, and that a match against oneself runs one search.

import DojoGames
import DojoTestSupport
import Testing
@testable import DojoSearch

func matchConfig() -> SelfPlayConfig {
  var config = SelfPlayConfig()
  config.search.simulations = 16
  config.cheapSimulations = 4
  config.fullSearchProbability = 1
  config.randomOpeningPlies = 0
  return config
}

/// Plays `games` tic-tac-toe games under `samples`; the records with the learner's side, and the
/// evaluator calls each side's search made.
func playMatch(_ samples: MatchSamples, games: Int = 8, seed: UInt64 = 91) -> (records: [(GameRecord, Player)], learnerCalls: Int, opponentCalls: Int) {
  let play = MatchPlay(game: TicTacToe(), learnerEvaluator: HashEvaluator<TicTacToeState>(), learnerConfig: matchConfig(),
                       opponentEvaluator: HashEvaluator<TicTacToeState>(), opponentConfig: matchConfig(), parallelGames: games, seed: seed,
                       samples: samples)
  var records: [(GameRecord, Player)] = []
  play.play(games: games) { record, _, side in records.append((record, side)) }
  return (records, play.learner.evaluatorCalls, play.opponent.evaluatorCalls)
}

@Test(arguments: [MatchSamples.learner, .bothSides, .mirror])
func matchSamplesAreTheLearningSidesFullSearches(samples: MatchSamples) {
  let seed: UInt64 = 91
  let (records, _, _) = playMatch(samples, seed: seed)
  #expect(records.count == 8, "seed \(seed)")
  #expect(Set(records.map(\.1)) == [.first, .second], "the learner plays both colours; seed \(seed)")
  for (record, side) in records {
    #expect(replayed(record).isTerminal && replayed(record).outcome(for: .first) == record.outcomeForFirst)
    for m in record.moves {
      // Every move of a learning side is a full search (probability 1) with a policy target; a
      // frozen opponent's moves are plain.
      let learns = samples != .learner || m.player == side
      #expect(m.fullSearch == learns, "\(samples), \(m.player) learner \(side); seed \(seed)")
      #expect(m.policyTarget.isEmpty != learns && (m.policyTarget.isEmpty || abs(m.policyTarget.reduce(0, +) - 1) < 1e-4))
    }
  }
}

@Test func aMatchAgainstItselfRunsOneSearchForBothSides() {
  // Both sides learn either way; against itself one search serves both, so one evaluator call per
  // step instead of two (the games are in lockstep with the learner on alternate sides).
  let both = playMatch(.bothSides), mirror = playMatch(.mirror)
  #expect(mirror.opponentCalls == 0)
  #expect(both.opponentCalls > 0 && both.learnerCalls > 0)
  let bothCalls = both.learnerCalls + both.opponentCalls
  #expect(Double(mirror.learnerCalls) < 0.7 * Double(bothCalls), "mirror \(mirror.learnerCalls), both sides \(bothCalls); seed 91")
}

@Test func keepingOneSidesSamplesMakesTheOtherSidesMovesPlain() {
  let (records, _, _) = playMatch(.mirror)
  for (record, _) in records {
    for player in [Player.first, .second] {
      let kept = record.keepingSamples(of: player)
      #expect(kept.moves.map(\.action) == record.moves.map(\.action) && kept.outcomeForFirst == record.outcomeForFirst)
      for (k, m) in kept.moves.enumerated() {
        if m.player == player {
          #expect(m.fullSearch == record.moves[k].fullSearch && m.policyTarget == record.moves[k].policyTarget)
        } else {
          #expect(!m.fullSearch && m.policyTarget.isEmpty && m.actions.isEmpty)
        }
      }
      #expect(kept.moves.contains { $0.fullSearch })
    }
  }
}
