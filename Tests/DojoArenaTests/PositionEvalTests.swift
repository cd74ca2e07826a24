import DojoGames
import DojoTestSupport
import DojoPlayers
import Foundation
import Testing
@testable import DojoArena

let sharedPositions = repositoryRoot + "/../shared/data/connect_four/positions.tsv"

@Test func evalScoresOracleAndAntiOracleChoices() throws {
  let positions = try ScoredPosition.load(sharedPositions)
  #expect(positions.count == 525)
  // Choosing a best move everywhere: no mistakes, all optimal.
  let best = positions.map { p in p.moveScores.indices.first { p.moveScores[$0] == p.score }! }
  let perfect = EvalReport(positions: positions, choices: best)
  #expect(perfect.overall.mistakes == 0 && perfect.overall.optimal == 525 && perfect.bySet.count == 6)
  #expect(perfect.bySet.values.reduce(0) { $0 + $1.positions } == 525)
  // Choosing the worst legal move: a mistake wherever the classes differ, counted independently here.
  let worst = positions.map { p in p.moveScores.indices.filter { p.moveScores[$0] != nil }.min { p.moveScores[$0]! < p.moveScores[$1]! }! }
  let bad = EvalReport(positions: positions, choices: worst)
  let expected = zip(positions, worst).filter { p, a in p.moveScores[a]!.signum() < p.score.signum() }.count
  #expect(bad.overall.mistakes == expected && expected > 200)
  #expect(bad.json.hasPrefix("{\"eval\":\"positions\",\"n\":525,\"mistake_rate\":"))
}

@Test func pureMCTSMakesFewMistakesOnTheSharedPositions() throws {
  let positions = try ScoredPosition.load(sharedPositions)
  let choices = try ChooseInPositions(player: .mcts(simulations: 300), positions: positions)(ConnectFour<UInt64>()).get()
  let report = EvalReport(positions: positions, choices: choices)
  // Random play errs on about half; pure MCTS at 1,000 simulations on about 4.6 % (tools/bench mcts).
  let random = EvalReport(positions: positions, choices: try ChooseInPositions(player: .random, positions: positions)(ConnectFour<UInt64>()).get())
  #expect(report.overall.mistakeRate < 0.15 && random.overall.mistakeRate > 0.3, "mcts \(report.overall.mistakeRate), random \(random.overall.mistakeRate)")
}
