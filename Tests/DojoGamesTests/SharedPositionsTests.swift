import Foundation
import Testing
@testable import DojoGames

/// The shared reference data lives beside the repository, in ../shared (never copied in).
let sharedPositionsPath: String = {
  let here = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
  return "/" + here + "/../shared/data/connect_four/positions.tsv"
}()

@Test func everySharedConnectFourPositionParses() throws {
  let text = try String(contentsOfFile: sharedPositionsPath, encoding: .utf8)
  let lines = text.split(separator: "\n").filter { !$0.isEmpty }
  #expect(lines.count == 525)
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
  }
}
