import DojoGames
import DojoTestSupport
import Foundation
import Testing
@testable import DojoSolvers

/// A random game of `plies` moves on `game` that is not over, or nil if the game ended first.
func randomPosition<B>(_ game: ConnectFour<B>, plies: Int, rng: inout SplitMix64) -> (ConnectFourState<B>, [Int])? {
  var s = game.initialState()
  var moves: [Int] = []
  var legal: [Action] = []
  while moves.count < plies {
    s.legalActions(into: &legal)
    if legal.isEmpty { return nil }
    let a = legal[rng.next(below: legal.count)]
    s.apply(a)
    moves.append(a)
  }
  return s.isTerminal ? nil : (s, moves)
}

/// The solver against plain minimax on random positions of several sizes, both board widths.
@Test(arguments: [(4, 4, 0), (4, 5, 0), (5, 4, 2), (6, 7, 30), (7, 8, 44), (8, 9, 62)])
func solverMatchesMinimax(rows: Int, columns: Int, plies: Int) throws {
  let seed: UInt64 = 20261201 &+ UInt64(rows * 100 + columns)
  var rng = SplitMix64(seed: seed)
  let solver = try ConnectFourSolver(rows: rows, columns: columns, tableBits: 16)
  let reference = MinimaxScorer<ConnectFourState<UInt64>>(cellCount: rows * columns)
  let wide = MinimaxScorer<ConnectFourState<UInt128>>(cellCount: rows * columns)
  var checked = 0
  while checked < 6 {
    let expected: [Int?], moves: [Int]
    if (rows + 1) * columns <= 64 {
      guard let (s, m) = randomPosition(ConnectFour<UInt64>(rows: rows, columns: columns), plies: plies, rng: &rng) else { continue }
      (expected, moves) = (reference.moveScores(s, actionCount: columns), m)
    } else {
      guard let (s, m) = randomPosition(ConnectFour<UInt128>(rows: rows, columns: columns), plies: plies, rng: &rng) else { continue }
      (expected, moves) = (wide.moveScores(s, actionCount: columns), m)
    }
    let got = try solver.moveScores(after: moves)
    #expect(got == expected, "seed \(seed), \(rows)×\(columns), moves \(solver.text(of: moves))")
    #expect(try solver.score(after: moves) == expected.compactMap { $0 }.max(), "seed \(seed)")
    checked += 1
    if plies == 0 { break }  // the empty board: once is enough
  }
}

@Test func smallBoardsAreDrawsAndTheScoreConventionHolds() throws {
  // 4×4 Connect Four is a draw (known since the first computer analyses; minimax above agrees).
  #expect(try ConnectFourSolver(rows: 4, columns: 4, tableBits: 16).score(after: []) == 0)
  // 6×7: the first player to move with three in a column wins with its 4th stone: 22 - 4 = 18.
  let s = try ConnectFourSolver(tableBits: 16)
  #expect(try s.score(after: s.parse("121212")) == 18)
  // X holds columns 2 and 3 on the bottom row: 4 makes two threats, won with X's 4th stone.
  #expect(try s.score(after: s.parse("2233")) == 18)
  #expect(try s.score(after: s.parse("22334")) == -18)
}

@Test func badInputIsAClearError() throws {
  let s = try ConnectFourSolver(tableBits: 12)
  #expect(throws: SolverError.badMove(moves: "448", index: 2, reason: "\"8\" is not a column 1...7")) { try s.parse("448") }
  #expect(throws: SolverError.badMove(moves: "4x", index: 1, reason: "\"x\" is not a column 1...7")) { try s.parse("4x") }
  #expect(throws: SolverError.badMove(moves: "1111111", index: 6, reason: "column 1 is full")) { try s.parse("1111111") }
  #expect(throws: SolverError.finished(moves: "1212121", reason: "the last move won")) { try s.parse("1212121") }
  #expect(throws: SolverError.badMove(moves: "12121213", index: 7, reason: "the game was already won")) { try s.parse("12121213") }
  #expect(throws: SolverError.unsupportedSize(rows: 3, columns: 7)) { try ConnectFourSolver(rows: 3, columns: 7) }
  #expect(throws: SolverError.unsupportedSize(rows: 16, columns: 16)) { try ConnectFourSolver(rows: 16, columns: 16) }
  // A drawn 4×4 board (the first seeded random game that fills it) is finished too.
  let full = try ConnectFourSolver(rows: 4, columns: 4, tableBits: 12)
  var rng = SplitMix64(seed: 44)
  var drawn: [Int]?
  while drawn == nil {
    if let (_, m) = randomPosition(ConnectFour<UInt64>(rows: 4, columns: 4), plies: 15, rng: &rng) {
      var last = ConnectFour<UInt64>(rows: 4, columns: 4).initialState()
      for a in m { last.apply(a) }
      var legal: [Action] = []
      last.legalActions(into: &legal)
      last.apply(legal[0])
      if last.outcome(for: .first) == 0 { drawn = m + [legal[0]] }
    }
  }
  let text = full.text(of: drawn!)
  #expect(throws: SolverError.finished(moves: text, reason: "the board is full")) { try full.parse(text) }
  // Wide boards take comma-separated columns.
  let wide = try ConnectFourSolver(rows: 6, columns: 12, tableBits: 12)
  #expect(try wide.parse("10,11,12,1") == [9, 10, 11, 0])
  #expect(wide.text(of: [9, 10, 11, 0]) == "10,11,12,1")
}

let sharedPositions = repositoryRoot + "/../shared/data/connect_four/positions.tsv"

/// The independent cross-check: every move score of the shared, externally solved positions
/// (skipped, saying so, where ../shared is absent). The beginning sets, slow in a debug build, are
/// checked by `tools/bench solve` in release.
@Test(.enabled(if: FileManager.default.fileExists(atPath: sharedPositions), "\(sharedPositions) is absent (optional cross-check)"))
func solverAgreesWithTheSharedPositionsFile() throws {
  let text = try String(contentsOfFile: sharedPositions, encoding: .utf8)
  let solver = try ConnectFourSolver(tableBits: 20)
  var checked = 0
  for line in text.split(separator: "\n") {
    let f = line.split(separator: "\t", omittingEmptySubsequences: false)
    guard f.count == 4, ["Test_L3_R1", "Test_L2_R1", "Test_L2_R2"].contains(f[3]) else { continue }
    let expected = f[2].split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
    let got = try solver.moveScores(after: solver.parse(String(f[0])))
    #expect(got == expected, "\(f[0]) (\(f[3]))")
    #expect(got.compactMap { $0 }.max() == Int(f[1]))
    checked += 1
  }
  #expect(checked == 325)
}

/// The repository's own positions files (made by tools/make-positions) still say what the solver
/// says, on their `end` and `middle_easy` sets (the others take minutes in a debug build; tools/bench
/// solve re-solves the whole default file): every position of `positions.tsv`, every 20th of
/// `positions-large.tsv`.
@Test(arguments: [("positions.tsv", 1, 200), ("positions-large.tsv", 20, 100)])
func theRepositoryPositionsAreTheSolversScores(file: String, every stride: Int, count: Int) throws {
  let text = try String(contentsOfFile: repositoryRoot + "/games/connect_four/" + file, encoding: .utf8)
  let solver = try ConnectFourSolver(tableBits: 20)
  var checked = 0, seen = 0
  for line in text.split(separator: "\n") {
    let f = line.split(separator: "\t", omittingEmptySubsequences: false)
    try #require(f.count == 4, "\(line)")
    guard f[3] == "end" || f[3] == "middle_easy" else { continue }
    seen += 1
    guard (seen - 1) % stride == 0 else { continue }
    let expected = f[2].split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
    #expect(try solver.moveScores(after: solver.parse(String(f[0]))) == expected, "\(file): \(f[0]) (\(f[3]))")
    checked += 1
  }
  #expect(checked == count, "\(file)")
}
