import Foundation
import Testing
@testable import DojoGames

/// Dojo's own solver-scored positions (tools/make-positions) and, where the project's machines
/// have it, the shared reference file beside the repository (an optional cross-check: skipped,
/// with the reason, where it is absent).
let repositoryPositionsPath = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/") + "/games/connect_four/positions.tsv"
let sharedPositionsPath = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/") + "/../shared/data/connect_four/positions.tsv"
let sharedPositionsPresent = FileManager.default.fileExists(atPath: sharedPositionsPath)

/// Every line parses, is a legal position that is not over, and scores exactly its legal columns.
func checkPositionsFile(_ path: String) throws -> Int {
  let text = try String(contentsOfFile: path, encoding: .utf8)
  let lines = text.split(separator: "\n").filter { !$0.isEmpty }
  let game = ConnectFour<UInt64>()
  for line in lines {
    let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
    try #require(fields.count == 4, "\(line)")
    let state = try game.state(afterMoves: fields[0].map(String.init))
    #expect(!state.isTerminal, "\(fields[0]) is terminal")
    let scores = fields[2].split(separator: ",", omittingEmptySubsequences: false)
    try #require(scores.count == 7)
    let scored = scores.indices.filter { !scores[$0].isEmpty }
    #expect(state.legalActions == scored, "\(fields[0]): legal \(state.legalActions), scored \(scored)")
    #expect(Int(fields[1]) == scores.compactMap { Int($0) }.max(), "\(fields[0]): the score is the best move's")
  }
  return lines.count
}

@Test func everyRepositoryConnectFourPositionParses() throws {
  let count = try checkPositionsFile(repositoryPositionsPath)
  #expect(count >= 500)
}

/// The larger file (tools/make-positions with SEED=2 SCALE=10), for comparisons that need more
/// positions: every line sound, and no position twice.
@Test func everyLargeRepositoryPositionParsesOnce() throws {
  let path = repositoryPositionsPath.replacingOccurrences(of: "positions.tsv", with: "positions-large.tsv")
  #expect(try checkPositionsFile(path) >= 5000)
  let moves = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").first ?? "" }
  #expect(Set(moves).count == moves.count, "a position appears twice")
}

@Test(.enabled(if: sharedPositionsPresent, "../shared/data/connect_four/positions.tsv is absent (optional cross-check)"))
func everySharedConnectFourPositionParses() throws {
  #expect(try checkPositionsFile(sharedPositionsPath) == 525)
}
