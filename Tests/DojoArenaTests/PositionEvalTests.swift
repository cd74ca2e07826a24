import DojoGames
import DojoNN
import DojoTestSupport
import DojoPlayers
import Foundation
import Testing
@testable import DojoArena

/// Dojo's own solver-scored positions (tools/make-positions).
let positionsFile = repositoryRoot + "/games/connect_four/positions.tsv"

@Test func evalScoresOracleAndAntiOracleChoices() throws {
  let positions = try ScoredPosition.load(positionsFile)
  let n = positions.count, sets = Set(positions.map(\.set)).count
  #expect(n >= 500 && sets >= 6)
  // Choosing a best move everywhere: no mistakes, all optimal.
  let best = positions.map { p in p.moveScores.indices.first { p.moveScores[$0] == p.score }! }
  let perfect = EvalReport(positions: positions, choices: best)
  #expect(perfect.overall.mistakes == 0 && perfect.overall.optimal == n && perfect.bySet.count == sets)
  #expect(perfect.bySet.values.reduce(0) { $0 + $1.positions } == n)
  // Choosing the worst legal move: a mistake wherever the classes differ, counted independently here.
  let worst = positions.map { p in p.moveScores.indices.filter { p.moveScores[$0] != nil }.min { p.moveScores[$0]! < p.moveScores[$1]! }! }
  let bad = EvalReport(positions: positions, choices: worst)
  let expected = zip(positions, worst).filter { p, a in p.moveScores[a]!.signum() < p.score.signum() }.count
  #expect(bad.overall.mistakes == expected && expected > n / 3)
  #expect(bad.json.hasPrefix("{\"eval\":\"positions\",\"n\":\(n),\"mistake_rate\":"))
}

@Test func pureMCTSMakesFewMistakesOnTheRepositoryPositions() throws {
  let positions = try ScoredPosition.load(positionsFile)
  let choices = try ChooseInPositions(player: .mcts(simulations: 300), positions: positions)(ConnectFour<UInt64>()).get()
  let report = EvalReport(positions: positions, choices: choices)
  // Measured on this file: random play errs on 28 %, pure MCTS at 300 simulations on 9.5 %.
  let random = EvalReport(positions: positions, choices: try ChooseInPositions(player: .random, positions: positions)(ConnectFour<UInt64>()).get())
  #expect(report.overall.mistakeRate < 0.15 && random.overall.mistakeRate > 0.2, "mcts \(report.overall.mistakeRate), random \(random.overall.mistakeRate)")
}

/// Two agents compared position by position: the positions where only one errs are counted the
/// right way round, and McNemar's exact test gives the binomial tail (checked against exact sums
/// made with Python's integer binomials), also for thousands of positions.
@Test func pairedEvalCountsTheDiscordantPositionsAndTestsThem() throws {
  let positions = try ScoredPosition.load(positionsFile)
  let best = positions.map { p in p.moveScores.indices.first { p.moveScores[$0] == p.score }! }
  let worst = positions.map { p in p.moveScores.indices.filter { p.moveScores[$0] != nil }.min { p.moveScores[$0]! < p.moveScores[$1]! }! }
  let worstMistakes = EvalReport(positions: positions, choices: worst).overall.mistakes
  let same = PairedEval(positions: positions, first: worst, second: worst)
  #expect(same.bothErr == worstMistakes && same.onlyFirstErrs == 0 && same.onlySecondErrs == 0)
  #expect(same.pValue == 1 && same.better == .neither)
  let oracleFirst = PairedEval(positions: positions, first: best, second: worst)
  #expect(oracleFirst.onlySecondErrs == worstMistakes && oracleFirst.onlyFirstErrs == 0 && oracleFirst.bothErr == 0)
  #expect(oracleFirst.pValue < 1e-30 && oracleFirst.better == .first)
  #expect(oracleFirst.first.mistakes == 0 && oracleFirst.second.mistakes == worstMistakes)
  let oracleSecond = PairedEval(positions: positions, first: worst, second: best)
  #expect(oracleSecond.onlyFirstErrs == worstMistakes && oracleSecond.better == .second && oracleSecond.pValue == oracleFirst.pValue)
  // A seeded mixture: the worst move in a random third of the positions, the best elsewhere.
  let seed: UInt64 = 28
  var rng = SplitMix64(seed: seed)
  let mixed = positions.indices.map { rng.next(below: 3) == 0 ? worst[$0] : best[$0] }
  let m = PairedEval(positions: positions, first: mixed, second: worst)
  let mixedMistakes = EvalReport(positions: positions, choices: mixed).overall.mistakes
  #expect(m.bothErr == mixedMistakes && m.onlyFirstErrs == 0 && m.onlySecondErrs == worstMistakes - mixedMistakes, "seed \(seed)")
  #expect(m.json.hasPrefix("{\"eval\":\"paired\",\"n\":\(positions.count),") && m.json.contains("\"better\":\"first\""), "seed \(seed): \(m.json)")
  // The sign test's exact values.
  for (b, c, p) in [(0, 6, 0.03125), (6, 1, 0.125), (5, 5, 1.0), (3, 0, 0.25), (12, 30, 0.007915897334896727), (1450, 1550, 0.07066904481175774)] {
    #expect(abs(PairedEval.signTest(b, c) - p) < 1e-9 * max(1, p), "sign test \(b) against \(c): \(PairedEval.signTest(b, c)), want \(p)")
  }
  #expect(PairedEval.signTest(0, 0) == 1)
}

/// `dojo eval --against`: both agents play the same positions and the paired line says which errs
/// less; an --against that is neither a path nor a player is refused, naming it.
@Test func evalAgainstComparesTwoAgentsOnTheSamePositions() throws {
  let dir = temporaryDirectory("eval-against")
  let lines = try String(contentsOfFile: positionsFile, encoding: .utf8).split(separator: "\n").prefix(120)
  try lines.joined(separator: "\n").write(toFile: dir + "/positions.tsv", atomically: true, encoding: .utf8)
  let p = try dojo(["eval", "connect_four", "--player", "random", "--against", "mcts:100", "--positions", dir + "/positions.tsv"], output: dir + "/eval.log")
  p.waitUntilExit()
  let log = (try? String(contentsOfFile: dir + "/eval.log", encoding: .utf8)) ?? ""
  #expect(p.terminationStatus == 0, "\(log)")
  let json = log.split(separator: "\n").last.map(String.init) ?? ""
  let fields = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
  #expect(fields["eval"] as? String == "paired" && fields["n"] as? Int == 120, "\(log)")
  let first = fields["only_first_errs"] as? Int ?? -1, second = fields["only_second_errs"] as? Int ?? -1
  #expect(first > second && second >= 0, "random should err alone more often than mcts:100: \(log)")
  #expect(log.contains("McNemar exact p = "), "\(log)")

  let bad = try dojo(["eval", "connect_four", "--player", "random", "--against", dir + "/no-such-run"], output: dir + "/bad.log")
  bad.waitUntilExit()
  let badLog = (try? String(contentsOfFile: dir + "/bad.log", encoding: .utf8)) ?? ""
  #expect(bad.terminationStatus != 0 && badLog.contains("no-such-run") && badLog.contains("no such checkpoint"), "\(badLog)")
}

/// `--against-precision`: one checkpoint against itself is the same agent (no position where only
/// one errs), and against its own int8 inference it runs and names both precisions; the option
/// without --against is refused before any play.
@Test func evalAgainstItsOwnInt8ComparesPrecisionsOfOneCheckpoint() throws {
  let game = ConnectFour<UInt64>()
  let dir = temporaryDirectory("eval-against-precision")
  let config = NetworkConfig.defaults(for: game)
  try Checkpoint.write(PolicyValueNet(config: config, seed: 5), optimizer: nil,
                       metadata: CheckpointMetadata(game: game.name, architecture: config, generation: 1), to: dir + "/c")
  let lines = try String(contentsOfFile: positionsFile, encoding: .utf8).split(separator: "\n").prefix(60)
  try lines.joined(separator: "\n").write(toFile: dir + "/positions.tsv", atomically: true, encoding: .utf8)
  func run(_ extra: [String], _ name: String) throws -> (status: Int32, log: String, fields: [String: Any]) {
    let p = try dojo(["eval", "connect_four", "--checkpoint", dir + "/c", "--sims", "0", "--positions", dir + "/positions.tsv"] + extra, output: dir + "/\(name).log")
    p.waitUntilExit()
    let log = (try? String(contentsOfFile: dir + "/\(name).log", encoding: .utf8)) ?? ""
    let json = log.split(separator: "\n").last.map(String.init) ?? ""
    return (p.terminationStatus, log, (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:])
  }
  let same = try run(["--against", dir + "/c"], "same")
  #expect(same.status == 0 && same.fields["eval"] as? String == "paired", "\(same.log)")
  #expect(same.fields["only_first_errs"] as? Int == 0 && same.fields["only_second_errs"] as? Int == 0 && same.fields["better"] as? String == "neither", "\(same.log)")
  let int8 = try run(["--against", dir + "/c", "--against-precision", "int8"], "int8")
  #expect(int8.status == 0 && int8.fields["n"] as? Int == 60, "\(int8.log)")
  #expect(int8.log.contains("(fp32): mistakes") && int8.log.contains("(int8): mistakes"), "\(int8.log)")
  let alone = try run(["--against-precision", "int8"], "alone")
  #expect(alone.status != 0 && alone.log.contains("give --against too"), "\(alone.log)")
}
