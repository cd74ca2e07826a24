// SGF out and in: `dojo sgf export` writes every game of a tournament; Python's sgfmill parses each
// file and replays it to the same final position as Dojo's reader; SGF records serve as tournament
// openings; malformed SGF is an error naming the line and property.

import DojoArena
import DojoGames
import DojoTestSupport
import Foundation
import Testing

/// sgfmill reads each file, replays its main line on its board, and prints one line per file: its
/// name, the final board (rows from the top, X O .), PB, PW and RE.
let sgfmillReplay = #"""
import os, sys
from sgfmill import sgf, boards
folder = sys.argv[1]
for name in sorted(os.listdir(folder)):
    game = sgf.Sgf_game.from_bytes(open(os.path.join(folder, name), "rb").read())
    size = game.get_size()
    b = boards.Board(size)
    for node in game.get_main_sequence():
        colour, move = node.get_move()
        if colour is not None and move is not None:
            b.play(move[0], move[1], colour)
    rows = ["".join({"b": "X", "w": "O", None: "."}[b.get(r, c)] for c in range(size)) for r in range(size - 1, -1, -1)]
    root = game.get_root()
    print(name, "/".join(rows), root.get("PB"), root.get("PW"), root.get("RE"))
"""#

func finalRows(_ text: String, _ game: Go) throws -> String {
  let state = try SGF.moves(text, game: game).reduce(into: game.initialState()) { $0.apply($1) }
  return (0..<game.size).map { r in
    String((0..<game.size).map { c -> Character in
      switch state.owner(ofPoint: r * game.size + c) {
      case .first: "X"
      case .second: "O"
      case nil: "."
      }
    })
  }.joined(separator: "/")
}

@Test func sgfExportWritesEveryTournamentGameAndSgfmillReplaysEachToTheSamePosition() throws {
  let dir = temporaryDirectory("sgf-export")
  let game = Go(size: 5, komi: 0.5)
  let t = try dojo(["tournament", "--game", game.name, "--players", "random,mcts:4", "--games", "4", "--openings", "random:2", "--dir", dir + "/t"],
                   output: dir + "/t.log")
  t.waitUntilExit()
  try #require(t.terminationStatus == 0, "\((try? String(contentsOfFile: dir + "/t.log", encoding: .utf8)) ?? "")")
  let export = try dojo(["sgf", "export", dir + "/t", "--out", dir + "/sgf"], output: dir + "/export.log")
  export.waitUntilExit()
  let log = (try? String(contentsOfFile: dir + "/export.log", encoding: .utf8)) ?? ""
  #expect(export.terminationStatus == 0 && log.contains("4 games written"), "\(log)")
  let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/sgf").sorted()
  #expect(files.count == 4, "\(files)")

  let lines = String(decoding: try runPython(sgfmillReplay, [dir + "/sgf"]), as: UTF8.self).split(separator: "\n")
  #expect(lines.count == files.count)
  for line in lines {
    let w = line.split(separator: " ").map(String.init)
    let text = try String(contentsOfFile: dir + "/sgf/" + w[0], encoding: .utf8)
    #expect(text.contains("FF[4]") && text.contains("GM[1]") && text.contains("SZ[5]") && text.contains("KM[0.5]") && text.contains("RU[Tromp-Taylor]"))
    #expect(try finalRows(text, game) == w[1], "\(w[0]): sgfmill's final board \(w[1])")
    #expect(Set([w[2], w[3]]) == ["random", "mcts4"] || Set([w[2], w[3]]).isSubset(of: ["random", "mcts:4", "mcts4"]), "PB/PW: \(w[2]) \(w[3])")
    #expect(w[4].hasPrefix("B+") || w[4].hasPrefix("W+") || w[4] == "0", "RE \(w[4])")
  }

  // A game without an SGF number is refused by name.
  let ttt = try dojo(["tournament", "--game", "tic_tac_toe", "--players", "random,mcts:2", "--games", "2", "--dir", dir + "/ttt"])
  ttt.waitUntilExit()
  let refused = try dojo(["sgf", "export", dir + "/ttt", "--out", dir + "/none"], output: dir + "/refused.log")
  refused.waitUntilExit()
  #expect(refused.terminationStatus != 0)
  #expect(((try? String(contentsOfFile: dir + "/refused.log", encoding: .utf8)) ?? "").contains("tic_tac_toe has no SGF game number"))

  // The exported records are openings for the next tournament: every game starts from one of them.
  let openings = try OpeningSource(parsing: dir + "/sgf").resolved(for: game)
  guard case let .list(lines2) = openings else { Issue.record("SGF openings were not read into moves"); return }
  #expect(lines2.count == 4)
  let runner = try MatchRunner(game: game, players: [.random, .random], seed: 1, openings: try OpeningSource(parsing: dir + "/sgf"))
  #expect(runner.opening(1).map(game.notation(of:)) == lines2[1])
}

@Test func malformedSGFIsAnErrorNamingTheLineAndProperty() throws {
  let game = Go(size: 9, komi: 7)
  func error(_ text: String) -> String {
    do { _ = try SGF.moves(text, game: game); return "no error" } catch { return "\(error)" }
  }
  #expect(error("(;GM[1]SZ[9]KM[7]\n;B[ee]\n;B[dd])") == "SGF line 3, property B: Black is not to move (ply 2)")
  #expect(error("(;GM[1]SZ[9]\n;B[ee]\n;W[ee])") == "SGF line 3, property W: e5 is illegal here (ply 2)")
  #expect(error("(;GM[1]SZ[9]\n;B[zz])") == "SGF line 2, property B: 'zz' is not a point of go(size=9,komi=7)")
  #expect(error("(;GM[1]SZ[19])") == "SGF line 1, property SZ: board size 19 is not go(size=9,komi=7)'s 9")
  #expect(error("(;GM[2])") == "SGF line 1, property GM: game 2 is not go(size=9,komi=7) (GM[1])")
  #expect(error("(;GM[1]KM[6.5])") == "SGF line 1, property KM: komi 6.5 is not go(size=9,komi=7)'s 7")
  #expect(error("(;GM[1]\nAB[aa])") == "SGF line 2, property AB: setup stones are not supported (only B and W moves)")
  #expect(error("(;GM[1]\n;B[ee") == "SGF line 2, property B: the value is not closed by ']'")
  #expect(error("(;GM[1];B[ee]") == "SGF line 1: the record ends inside a game tree (a ')' is missing)")
  #expect(error(";B[ee])") == "SGF line 1: a record starts with '('")
  #expect(error("(;GM[1]\n;B)") == "SGF line 2, property B: a property needs at least one [value]")
  // Escapes, passes (empty and tt) and variations: the main line is the first variation.
  let moves = try SGF.moves("(;GM[1]SZ[9]C[a \\] bracket]\n;B[ee](;W[]C[first];B[tt])(;W[dd]))", game: game)
  #expect(moves == [game.action(fromNotation: "e5")!, game.pass, game.pass])
}
