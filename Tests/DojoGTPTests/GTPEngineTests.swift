// The GTP engine as a controller meets it: a conversation covering every command and its error
// replies, framed as the specification says; analysis in Leela Zero's format; time budgets.

@testable import DojoGTP
import DojoGames
import DojoNN
import DojoPlayers
import DojoSearch
import DojoTestSupport
import Foundation
import Testing

func engine(size: Int = 9, spec: String = "mcts:64", seed: UInt64 = 7) -> GTPEngine {
  GTPEngine(version: "test", game: Go(size: size, komi: 7)) { game in
    try makeGTPBrain(try PlayerSpec(parsing: spec), game: game, seed: seed)
  }
}

/// Sends `line` and returns the whole reply.
func say(_ e: GTPEngine, _ line: String) -> String { e.handle(line).reply ?? "" }

@Test func gtpConversationCoversEveryCommandWithFramedRepliesAndErrors() throws {
  let e = engine()
  // Administrative commands, with and without ids; comments and blank lines are not commands.
  #expect(say(e, "protocol_version") == "= 2\n\n")
  #expect(say(e, "1 name") == "=1 Dojo\n\n")
  #expect(say(e, "2 version") == "=2 test\n\n")
  #expect(e.handle("# a comment").reply == nil)
  #expect(e.handle("   ").reply == nil)
  #expect(say(e, "3 known_command genmove") == "=3 true\n\n")
  #expect(say(e, "known_command fly") == "= false\n\n")
  let list = say(e, "list_commands")
  for c in ["protocol_version", "name", "version", "known_command", "list_commands", "quit", "boardsize", "clear_board", "komi", "play",
            "genmove", "undo", "final_score", "final_status_list", "showboard", "time_settings", "time_left", "loadsgf", "printsgf", "lz-analyze"] {
    #expect(list.split(separator: "\n").contains(Substring(c)) || list.hasPrefix("= \(c)\n"), "list_commands lacks \(c)")
  }
  #expect(say(e, "4 fly away") == "?4 unknown command\n\n")
  #expect(say(e, "known_command") .hasPrefix("? syntax error"))

  // Board size and komi.
  #expect(say(e, "boardsize 25") == "? unacceptable size\n\n")
  #expect(say(e, "boardsize nine").hasPrefix("? syntax error"))
  #expect(say(e, "boardsize 5") == "= \n\n" || say(e, "boardsize 5") == "=\n\n")
  #expect(e.game.size == 5)
  #expect(say(e, "komi 0.25").hasPrefix("? komi 0.25 is not a multiple of 0.5"))
  #expect(say(e, "komi x").hasPrefix("? syntax error"))
  #expect(say(e, "komi 0.5") == "=\n\n")
  #expect(e.game.komi == 0.5)

  // Moves: legal, illegal (occupied, suicide), bad colours and vertices; either colour may move.
  #expect(say(e, "play b c3") == "=\n\n")
  #expect(say(e, "play w C3") == "? illegal move\n\n")
  #expect(say(e, "play green d4") == "? invalid color 'green'\n\n")
  #expect(say(e, "play w i4") == "? invalid coordinate 'i4'\n\n")  // GTP has no column I
  #expect(say(e, "play w z9") == "? invalid coordinate 'z9'\n\n")
  #expect(say(e, "play w") .hasPrefix("? syntax error"))
  #expect(say(e, "play w b3") == "=\n\n")
  #expect(say(e, "play w d3") == "=\n\n")  // White twice: a black pass is put in
  #expect(e.moves.map { e.game.notation(of: $0) } == ["c3", "b3", "pass", "d3"])
  #expect(say(e, "undo") == "=\n\n")
  #expect(e.moves.count == 3)

  // showboard draws the stones and the last move; final_score and final_status_list by Tromp–Taylor.
  let board = say(e, "showboard")
  #expect(board.hasPrefix("= \n   A B C D E\n"), "\(board)")
  #expect(board.contains("\n 3 . O X . . 3\n"), "\(board)")  // the last move was the pass
  #expect(board.contains("white to move, move 3, komi 0.5, area B 1 W 1"), "\(board)")
  #expect(say(e, "final_score") == "= W+0.5\n\n")  // a stone each, no territory: komi decides
  #expect(say(e, "final_status_list dead") == "=\n\n")
  #expect(say(e, "final_status_list alive") == "= B3 C3\n\n")
  #expect(say(e, "final_status_list lively").hasPrefix("? syntax error"))

  // genmove plays a legal move for the colour asked; reg_genmove does not play it. Black cannot
  // move now: the pass put in for it was the last move, and another would end the game.
  #expect(say(e, "genmove b") == "? black cannot move twice: a pass in between would end the game\n\n")
  let before = e.moves.count
  let reply = say(e, "genmove w")
  let vertex = String(reply.dropFirst(2).dropLast(2))
  #expect(reply.hasPrefix("= ") && GTP.action(vertex, in: e.game) != nil, "\(reply)")
  #expect(e.moves.count == before + 1)
  #expect(say(e, "reg_genmove b").hasPrefix("= "))
  #expect(e.moves.count == before + 1)
  #expect(say(e, "genmove purple") == "? invalid color 'purple'\n\n")

  // Time settings and time left are taken (and checked).
  #expect(say(e, "time_settings 60 5 1") == "=\n\n")
  #expect(say(e, "time_left white 30 0") == "=\n\n")
  #expect(say(e, "time_left white thirty 0").hasPrefix("? syntax error"))
  #expect(say(e, "time_settings 60").hasPrefix("? syntax error"))

  // printsgf and loadsgf: the game out and back in.
  let sgf = say(e, "printsgf")
  #expect(sgf.hasPrefix("= (;FF[4]") && sgf.contains("SZ[5]") && sgf.contains("KM[0.5]") && sgf.contains(";B[cc];W[bc]"), "\(sgf)")
  let dir = temporaryDirectory("gtp-sgf")
  try String(sgf.dropFirst(2)).write(toFile: dir + "/game.sgf", atomically: true, encoding: .utf8)
  let moves = e.moves
  #expect(say(e, "clear_board") == "=\n\n")
  #expect(e.moves.isEmpty)
  #expect(say(e, "loadsgf \(dir)/game.sgf") == "=\n\n")
  #expect(e.moves == moves)
  #expect(say(e, "loadsgf \(dir)/game.sgf 2") == "=\n\n")
  #expect(e.moves == Array(moves.prefix(1)), "loadsgf FILE 2 is the position before move 2")
  #expect(say(e, "loadsgf \(dir)/missing.sgf") == "? cannot read \(dir)/missing.sgf\n\n")
  try "(;GM[1]SZ[5]\n;B[cc]\n;W[cc])".write(toFile: dir + "/bad.sgf", atomically: true, encoding: .utf8)
  #expect(say(e, "loadsgf \(dir)/bad.sgf").contains("SGF line 3, property W: c3 is illegal here"), "\(say(e, "loadsgf \(dir)/bad.sgf"))")

  // Two passes end the game: no more moves.
  #expect(say(e, "clear_board") == "=\n\n")
  #expect(say(e, "play b pass") == "=\n\n")
  #expect(say(e, "play w pass") == "=\n\n")
  #expect(say(e, "play b c3").hasPrefix("? the game has ended"))
  #expect(say(e, "final_score") == "= W+0.5\n\n")
  #expect(say(e, "undo") == "=\n\n")
  #expect(say(e, "undo") == "=\n\n")
  #expect(say(e, "undo") == "? cannot undo\n\n")

  let (quitReply, quit) = e.handle("9 quit")
  #expect(quitReply == "=9\n\n" && quit)
}

@Test func gtpAnalysisStreamsLeelaZeroInfoLinesUntilTheNextCommand() throws {
  let e = engine(size: 9, spec: "mcts:64")
  var lines: [String] = []
  var updates = 0
  let (reply, _) = e.handle("5 lz-analyze b 0", emit: { lines.append($0) }, interrupted: {
    updates += 1
    return updates >= 4
  })
  #expect(reply == "\n", "the analysis ends with an empty line")
  #expect(lines.first == "=5\n")
  let infos = lines.dropFirst()
  #expect(infos.count == 4)
  // The last update: every visited move, most visited first, with Leela Zero's fields.
  let last = try #require(infos.last)
  let entries = last.trimmingCharacters(in: .newlines).components(separatedBy: "info ").filter { !$0.isEmpty }
  #expect(entries.count >= 2)
  var previousVisits = Int.max, total = 0
  for (order, entry) in entries.enumerated() {
    let w = entry.split(separator: " ").map(String.init)
    #expect(w[0] == "move" && w[2] == "visits" && w[4] == "winrate" && w[6] == "prior" && w[8] == "lcb" && w[10] == "order" && w[12] == "pv", "\(entry)")
    let visits = try #require(Int(w[3])), winrate = try #require(Int(w[5])), prior = try #require(Int(w[7]))
    #expect(visits <= previousVisits && visits > 0)
    #expect((0...10000).contains(winrate) && (0...10000).contains(prior))
    #expect(Int(w[11]) == order)
    #expect(w[13] == w[1], "the pv starts with the move")
    let game = e.game
    var s = e.state
    for v in w[13...] {
      let a = try #require(GTP.action(v, in: game), "pv vertex \(v)")
      #expect(s.isLegal(a), "pv move \(v) is illegal")
      s.apply(a)
    }
    previousVisits = visits
    total += visits
  }
  // 8 simulations per update (64 / 8), four updates.
  #expect(total >= 4 * 8 - 1 && total <= 4 * 8 + 1, "\(total) visits after four updates of 8")
  #expect(e.moves.isEmpty, "analysis plays no move")
  #expect(say(e, "lz-analyze b fast").hasPrefix("? syntax error"))

  // A player that does not search cannot analyse.
  let r = engine(spec: "random")
  #expect(say(r, "lz-analyze 10") == "? this player does not search\n\n")
}

@Test func gtpTimeLeftTurnsIntoFewerSimulations() throws {
  let e = engine(size: 9, spec: "mcts:400")
  #expect(e.budget(for: .first, in: e.state) == 400, "no time limit: the player's own number")
  _ = say(e, "time_settings 10 0 0")
  _ = say(e, "time_left b 1 0")
  _ = say(e, "genmove b")  // measures the speed
  let few = e.budget(for: .first, in: e.state)
  _ = say(e, "time_left b 1000 0")
  let many = e.budget(for: .first, in: e.state)
  #expect(few < many, "1 s left gave \(few) simulations, 1000 s \(many)")
  #expect(few >= 1 && many <= 400)
}

@Test func aCheckpointPlaysItsOwnBoardSizeAtAnyKomi() throws {
  // A small untrained 9×9 network, written as a checkpoint.
  let game = Go(size: 9, komi: 7)
  let shape = game.observationShape
  let config = NetworkConfig(inputPlanes: shape.planes, height: shape.rows, width: shape.columns, actionCount: game.actionCount, blocks: 1,
                             channels: 8, policyChannels: 2, valueChannels: 2, valueHidden: 8)
  let folder = temporaryDirectory("gtp-checkpoint") + "/ckpt"
  _ = try Checkpoint.write(PolicyValueNet(config: config, seed: 5), optimizer: nil, metadata: CheckpointMetadata(game: game.name, architecture: config), to: folder)
  let e = GTPEngine(version: "test", game: game) { g in try makeGTPBrain(.checkpoint(path: folder, simulations: 16), game: g, seed: 1) }
  #expect(say(e, "komi 6.5") == "=\n\n", "the network does not see komi: any komi plays")
  let reply = say(e, "genmove b")
  #expect(reply.hasPrefix("= ") && GTP.action(String(reply.dropFirst(2).dropLast(2)), in: e.game) != nil, "\(reply)")
  let refused = say(e, "boardsize 13")
  #expect(refused.hasPrefix("? unacceptable size") && refused.contains("not 13×13 Go"), "\(refused)")
  #expect(e.game.size == 9, "a refused size leaves the board as it was")
  // The policy alone (sims 0) is a player too, but it does not analyse.
  let policy = GTPEngine(version: "test", game: game) { g in try makeGTPBrain(.checkpoint(path: folder, simulations: 0), game: g, seed: 1) }
  #expect(say(policy, "genmove b").hasPrefix("= "))
  #expect(say(policy, "lz-analyze 1") == "? this player does not search\n\n")
}
