import DojoConfig
import Foundation
import Testing

@Test func theExampleTournamentFileLoads() throws {
  let t = try TournamentFile.load(path: "\(root)/league/example_tournament.toml")
  #expect(t.game == "connect_four" && t.players.map(\.name) == ["random", "mcts25", "mcts400"] && t.games == 20 && t.anchor == "random")
  // Go against GNU Go at three levels, as outside engines.
  let go = try TournamentFile.load(path: "\(root)/league/go_gnugo.toml")
  #expect(go.game == "go(size=9,komi=7)" && go.anchor == "gnugo_1")
  #expect(go.players.map(\.name) == ["mcts200", "mcts1000", "gnugo_1", "gnugo_5", "gnugo_10"])
  #expect(go.players.filter { $0.spec.hasPrefix("gtp:/usr/games/gnugo --mode gtp --level ") }.count == 3, "\(go.players)")
}

@Test func badTournamentFilesNameTheProblem() throws {
  func message(_ text: String) -> String {
    let path = NSTemporaryDirectory() + "dojo-tournament-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).toml"
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    do { _ = try TournamentFile.load(path: path); return "" } catch { return String(describing: error).replacingOccurrences(of: path, with: "F") }
  }
  #expect(message("game = \"tic_tac_toe\"\nroundz = 2\n[[player]]\nspec = \"random\"").contains("F: unknown key 'roundz'"))
  #expect(message("game = \"tic_tac_toe\"\n[[player]]\nname = \"x\"").contains("missing key 'player[1].spec'"))
  #expect(message("game = \"tic_tac_toe\"\n[[player]]\nspec = \"random\"\nelo = 3").contains("unknown key 'player[1].elo'"))
  #expect(message("game = \"tic_tac_toe\"\ngames = \"ten\"\n[[player]]\nspec = \"random\"").contains("'games' must be a positive integer"))
  #expect(message("game = \"tic_tac_toe\"").contains("missing key 'player"))
  #expect(throws: ConfigError.unreadable("/nowhere/t.toml")) { try TournamentFile.load(path: "/nowhere/t.toml") }
}
