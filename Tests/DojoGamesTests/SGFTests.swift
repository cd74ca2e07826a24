// SGF records: game numbers, each game's point convention, results and escapes. (Python's sgfmill
// reads the files the dashboard serves in DojoLeagueTests' browser test.)

import Foundation
import Testing
@testable import DojoGames

func sgfMoves<G: Game>(_ game: G, _ moves: String) throws -> [SGF.Move] {
  var state = game.initialState()
  return try moves.split(separator: " ").enumerated().map { ply, text in
    guard let a = game.action(fromNotation: String(text)), state.isLegal(a) else { throw MoveError.illegal(move: String(text), ply: ply, game: game.name) }
    state.apply(a)
    return SGF.Move(action: a)
  }
}

@Test func sgfGameNumbersAndPointsFollowEachGamesSpecification() throws {
  #expect(SGF.record(game: TicTacToe(), moves: [], black: "a", white: "b", result: nil) == nil)
  #expect(SGF.gameNumber(ConnectFour<UInt64>()) == nil)

  // Gomoku: Go's points, column then row letter from the top-left; a9 is the top-left on 9×9.
  let gomoku = Gomoku(size: 9, rule: .freestyle)
  let g = try #require(SGF.record(game: gomoku, moves: try sgfMoves(gomoku, "e5 a9 i1"), black: "x", white: "y",
                                  result: SGF.Result(outcomeForFirst: 1)))
  #expect(g.hasPrefix("(;FF[4]CA[UTF-8]GM[4]AP[Dojo]SZ[9]PB[x]PW[y]RU[freestyle]RE[B+]"), "\(g)")
  #expect(g.hasSuffix(";B[ee];W[aa];B[ii])\n"), "\(g)")  // i1: the right column, the bottom row

  // Othello: d3 is column d, the third row from the top.
  let othello = Othello()
  let o = try #require(SGF.record(game: othello, moves: try sgfMoves(othello, "d3 c5"), black: "b", white: "w",
                                  result: SGF.Result(outcomeForFirst: -1, resigned: .first)))
  #expect(o.contains("GM[2]") && o.contains("RE[W+R]") && o.contains(";B[dc];W[ce]"), "\(o)")
  #expect(SGF.point(othello, Othello.pass) == "")

  // Hex: cells as its specification writes them; the swap as swap-pieces.
  let hex = Hex(size: 5, swapRule: true)
  let h = try #require(SGF.record(game: hex, moves: try sgfMoves(hex, "b2 swap c3"), black: "b", white: "w", result: nil,
                                  date: Date(timeIntervalSince1970: 86_400)))
  #expect(h.contains("GM[11]") && h.contains("SZ[5]") && h.contains("RU[swap]") && h.contains("DT[1970-01-02]"), "\(h)")
  #expect(h.hasSuffix(";B[b2];W[swap-pieces];B[c3])\n"), "\(h)")
  #expect(!h.contains("RE["))

  // Comments and names keep their text: ] and \ are escaped.
  var moves = try sgfMoves(gomoku, "e5")
  moves[0].comment = "value [0.5] \\ top"
  let c = try #require(SGF.record(game: gomoku, moves: moves, black: "a]b", white: "w", result: SGF.Result(outcomeForFirst: 0)))
  #expect(c.contains("PB[a\\]b]") && c.contains("C[value [0.5\\] \\\\ top]") && c.contains("RE[0]"), "\(c)")
}
