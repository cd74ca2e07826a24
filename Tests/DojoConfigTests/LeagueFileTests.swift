import DojoConfig
import DojoGames
import DojoLeague
import Foundation
import Testing

@Test func theShippedLeagueFilesLoad() throws {
  for name in ["tic_tac_toe", "connect_four"] {
    let league = try LeagueFile.load(path: "\(root)/league/\(name).toml", gamesDirectory: "\(root)/games")
    #expect(league.game.hasPrefix(name) && league.name == name)
    #expect(!league.agents(.mainAgent).isEmpty && !league.agents(.mainExploiter).isEmpty && !league.agents(.leagueExploiter).isEmpty)
    #expect(league.pbt.population == [.mainAgent] && !league.pbt.bounds.isEmpty)
    #expect(league.matchmaking.balance == .matches)
  }
  // 9×9 Go, rated against GNU Go through GTP.
  let go = try LeagueFile.load(path: "\(root)/league/go.toml", gamesDirectory: "\(root)/games")
  #expect(go.game == Go().name && go.rating.anchors.first?.hasPrefix("gtp:/usr/games/gnugo --mode gtp --level 1") == true)
  #expect(go.agents.allSatisfy { $0.settings.selfPlay.passing == .whenDone })
  // The PBT experiment: four main agents, one learning 10× too fast and one 100× too slowly.
  let pbt = try LeagueFile.load(path: "\(root)/league/connect_four_pbt.toml", gamesDirectory: "\(root)/games")
  #expect(pbt.agents.map(\.name) == (0..<4).map { "main_agent_\($0)" })
  #expect(pbt.agents.map(\.settings.training.learningRate) == [0.002, 0.002, 0.02, 0.00002])
  // The exploiter experiment: a main agent frozen at a checkpoint, a main exploiter from scratch.
  let exploit = try LeagueFile.load(path: "\(root)/league/connect_four_exploit.toml", gamesDirectory: "\(root)/games")
  #expect(exploit.agents.map(\.name) == ["main_agent_0", "main_exploiter_0"] && exploit.pbt.population.isEmpty)
  #expect(exploit.agents[0].initialCheckpoint != nil && exploit.agents[0].frozen && exploit.learningAgents.map(\.name) == ["main_exploiter_0"])
  #expect(exploit.agents[1].settings.training.samplesPerInsert == 8 && exploit.agents[0].settings.training.samplesPerInsert == 4)
  // Per-role and per-agent overrides on top of the game's config.
  let t = try LeagueFile.load(path: "\(root)/league/tic_tac_toe.toml", gamesDirectory: "\(root)/games")
  let game = try GameConfig.forGame(TicTacToe(), directory: "\(root)/games")
  let a0 = t.agents.first { $0.name == "main_agent_0" }!, a1 = t.agents.first { $0.name == "main_agent_1" }!
  #expect(a0.settings.training.learningRate == game.training.learningRate)
  #expect(a1.settings.training.learningRate == 0.02 && a1.settings.training.optimizer.schedule == .constant(rate: 0.02))
  #expect(a0.settings.training.checkpointSteps == 100 && game.training.checkpointSteps != 100)
  #expect(a0.settings.network == game.network)
}

@Test func badLeagueFilesNameTheKey() throws {
  func message(_ body: String) -> String {
    do {
      _ = try LeagueFile.parse("game = \"tic_tac_toe\"\n[agents.main_agent]\ncount = 2\n" + body, name: "t", path: "F", gamesDirectory: "\(root)/games")
      return ""
    } catch { return String(describing: error) }
  }
  #expect(message("") == "")
  #expect(message("[agents.main_exploiterz]\ncount = 1").contains("F: unknown key 'agents.main_exploiterz'"))
  #expect(message("[agents.league_exploiter]\ncount = -1").contains("'agents.league_exploiter.count': -1 is outside 0...64"))
  #expect(message("[agents.league_exploiter]\nkount = 1").contains("unknown key 'agents.league_exploiter.kount'"))
  #expect(message("[matchmaking]\nself_play = 0.5\npfsp = 0.5\nverification = 0.15").contains("'matchmaking.self_play + pfsp + verification': the branch probabilities sum to 1.15, not 1"))
  #expect(message("[matchmaking]\nbalance = \"games\"").contains("'matchmaking.balance': 'games' is not one of matches, samples"))
  #expect(try LeagueFile.parse("game = \"tic_tac_toe\"\n[agents.main_agent]\ncount = 2\n[matchmaking]\nbalance = \"samples\"", name: "t", gamesDirectory: "\(root)/games").matchmaking.balance == .samples)
  #expect(message("[pbt]\npopulation = [\"main_agent\"]\n[pbt.bounds]\nmomentum = [0.1, 0.9]").contains("unknown key 'pbt.bounds.momentum'"))
  #expect(message("[pbt]\npopulation = [\"main_agnt\"]").contains("'pbt.population': '\"main_agnt\"' is not one of"))
  #expect(message("[pbt]\n[pbt.bounds]\nlearning_rate = [0.1, 0.01]").contains("'pbt.bounds.learning_rate': must be [lower, upper]"))
  #expect(message("[pbt]\nexploit_confidence = 1.5").contains("'pbt.exploit_confidence': 1.5 is outside 0.0...0.999"))
  #expect(try LeagueFile.parse("game = \"tic_tac_toe\"\n[agents.main_agent]\ncount = 2\n[pbt]\nexploit_confidence = 0.8", name: "t", gamesDirectory: "\(root)/games").pbt.exploitConfidence == 0.8)
  #expect(message("[members.main_agent_7.training]\nlearning_rate = 0.1").contains("unknown key 'members.main_agent_7'"))
  #expect(message("[members.main_agent_1.training]\nlearning_ratez = 0.1").contains("unknown key 'members.main_agent_1.training.learning_ratez'"))
  #expect(message("[agents.main_exploiter]\ncount = 1\n[agents.main_exploiter.network]\nchannels = 9").contains("same network shape"))
  #expect(message("[rating]\nanchors = [\"human\"]").contains("'rating.anchors': 'human' is not a fixed anchor"))
  #expect(message("[rating]\nanchors = [\"gtp:gnugo --mode gtp\"]").contains("'rating.anchors': GTP engines play Go, not tic_tac_toe"))
  #expect(message("[snapshot]\nwin_ratez = 0.7").contains("unknown key 'snapshot.win_ratez'"))
  #expect(message("[snapshot.main_exploiterz]\nmin_steps = 5").contains("unknown key 'snapshot.main_exploiterz'"))
  #expect(message("[snapshot.main_exploiter]\nmax_steps = 5").contains("unknown key 'snapshot.main_exploiter.max_steps'"))
  #expect(message("[snapshot.league_exploiter]\nmin_steps = 0").contains("'snapshot.league_exploiter.min_steps': 0 is outside 1...100000000"))
  #expect(message("[snapshot.league_exploiter]\nwin_rate = 1.5").contains("'snapshot.league_exploiter.win_rate': 1.5 is outside"))
  #expect(message("[snapshot]\nmain_agent = 3").contains("'snapshot.main_agent' must be a table"))
  #expect(message("[payoff]\nmode = \"forever\"").contains("'payoff.mode': 'forever' is not one of decay, window"))
  #expect(message("[members.main_agent_1]\nfrozen = true").contains("'members.main_agent_1.frozen': a frozen agent needs an initial_checkpoint"))
  #expect(message("frozen = \"yes\"").contains("'agents.main_agent.frozen' must be"))
  #expect(message("frozen = true\ninitial_checkpoint = \"x\"").contains("every agent is frozen: a league needs at least one that learns"))
  #expect(message("shape = 1").contains("unknown key 'agents.main_agent.shape'"))
  #expect(throws: ConfigError.unknownKey("F", "shape", known: ["game", "games_per_match", "actors", "agents", "members", "matchmaking", "snapshot", "payoff", "pbt", "rating"])) {
    try LeagueFile.parse("shape = 1\ngame = \"tic_tac_toe\"", name: "t", path: "F")
  }
  #expect(throws: ConfigError.badValue("F", "agents.main_agent.count", "a league needs at least one main agent (the exploiters train against them)")) {
    try LeagueFile.parse("game = \"tic_tac_toe\"\n[agents.main_exploiter]\ncount = 1", name: "t", path: "F", gamesDirectory: "\(root)/games")
  }
}

@Test func aRoleSnapshotsOnItsOwnBudget() throws {
  let text = """
    game = "tic_tac_toe"
    [agents.main_agent]
    count = 1
    [agents.main_exploiter]
    count = 1
    [snapshot]
    min_steps = 1000
    win_rate = 0.7
    [snapshot.main_exploiter]
    min_steps = 300
    [snapshot.league_exploiter]
    win_rate = 0.6
    """
  let s = try LeagueFile.parse(text, name: "t", gamesDirectory: "\(root)/games").snapshot
  #expect(s.forRole(.mainAgent).minSteps == 1000 && s.forRole(.mainAgent).winRate == 0.7)
  #expect(s.forRole(.mainExploiter).minSteps == 300 && s.forRole(.mainExploiter).winRate == 0.7)
  #expect(s.forRole(.leagueExploiter).minSteps == 1000 && s.forRole(.leagueExploiter).winRate == 0.6)
  // Without [snapshot.<role>] every role takes the shared rule.
  let plain = try LeagueFile.parse("game = \"tic_tac_toe\"\n[agents.main_agent]\ncount = 1", name: "t", gamesDirectory: "\(root)/games").snapshot
  #expect(AgentRole.allCases.allSatisfy { plain.forRole($0) == plain })
}

@Test func tomlThatWouldAbortTheParserIsRefusedWithItsLine() {
  // Found by fuzzing: TOMLKit's parser aborts the process on these instead of reporting them.
  func message(_ text: String) -> String {
    do { _ = try GameConfig.parse(text, path: "F"); return "" } catch { return error.description }
  }
  #expect(message("game = \"tic_tac_toe\"\n[`network]\nblocks = 1\n").contains("F: not valid TOML: line 2: a table header must name a key"))
  #expect(message("game = \"tic_tac_toe\"\n\n[×]\n").contains("line 3: a table header must name a key"))
  #expect(message("game = \"tic_tac_toe\"\n[\n# x\n").contains("line 2: a table header must name a key"))
  #expect(message("game = \"tic_tac_toe\"\n[network] blocks = 1\n").contains("line 2: a table header must be alone on its line"))
  #expect(message("game = \"tic_tac_toe\"\n[network]\nblöcks = 1\n").contains("line 3: a character outside ASCII outside a string or comment"))
  // Outside ASCII in comments and strings is fine, as are quoted keys in headers.
  #expect(message("# 3×3 boards\ngame = \"tic_tac_toe\" # ×\n[network]\nblocks = 1\n") == "")
  #expect(message("game = \"tic_tac_toe\"\n[\"network\"]\nblocks = 1\n") == "")
}

@Test func aLeagueRunKeepsTheGameConfigItStartedWith() throws {
  // The run keeps its own copy of games/<game>/config.toml: an edit of games/ after the start does
  // not change the resumed league's agents; a run without the copy (older runs) reads games/.
  let base = NSTemporaryDirectory() + "dojo-league-copy-\(ProcessInfo.processInfo.processIdentifier)"
  let games = base + "/games", run = base + "/run"
  try? FileManager.default.removeItem(atPath: base)
  try FileManager.default.createDirectory(atPath: games + "/tic_tac_toe", withIntermediateDirectories: true)
  try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: base) }
  func writeGames(simulations: Int) throws {
    var c = try GameConfig.forGame(TicTacToe(), directory: "\(root)/games")
    c.selfPlay.search.simulations = simulations
    try c.toml.write(toFile: games + "/tic_tac_toe/config.toml", atomically: true, encoding: .utf8)
  }
  try writeGames(simulations: 24)
  try "game = \"tic_tac_toe\"\n[agents.main_agent]\ncount = 1\n[agents.main_exploiter]\ncount = 1\n[agents.main_exploiter.search]\nsimulations = 12\n"
    .write(toFile: run + "/league.toml", atomically: true, encoding: .utf8)
  let (copy, source) = try LeagueFile.startRun(run, game: "tic_tac_toe", gamesDirectory: games)
  #expect(copy == run + "/games/tic_tac_toe/config.toml")
  #expect(source == games + "/tic_tac_toe/config.toml")
  let (_, defaults) = try LeagueFile.startRun(base + "/run-without-games", game: "tic_tac_toe", gamesDirectory: base + "/nowhere")
  #expect(defaults.hasPrefix("Dojo's built-in defaults"), "\(defaults)")
  try writeGames(simulations: 40)
  let league = try LeagueFile.loadRun(run)
  #expect(league.agents.map(\.settings.selfPlay.search.simulations) == [24, 12])
  #expect(try GameConfig.load(path: copy).selfPlay.search.simulations == 24)
  try FileManager.default.removeItem(atPath: run + "/games")
  let shipped = try GameConfig.forGame(TicTacToe(), directory: "\(root)/games").selfPlay.search.simulations
  #expect(try LeagueFile.loadRun(run).agents.first?.settings.selfPlay.search.simulations == shipped)
}
