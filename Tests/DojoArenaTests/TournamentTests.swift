import DojoGames
import DojoNN
import DojoPlayers
import DojoTestSupport
import Foundation
import Testing
@testable import DojoArena


func play(_ definition: TournamentDefinition, concurrency: Int = 2) throws -> [PlayedGame] {
  let store = try ResultStore(path: temporaryDirectory("t") + "/t.sqlite")
  return try RunTournament(definition: definition, store: store, concurrency: concurrency) { _ in }(try GameRegistry.make(definition.game)).get()
}

@Test("stronger bots rank higher: mcts:400 over mcts:25 over random", arguments: ["tic_tac_toe", "connect_four"])
func strongerBotsRankHigher(game: String) throws {
  let players = ["random", "mcts:25", "mcts:400"]
  let definition = TournamentDefinition(game: try GameRegistry.make(game).name, players: players, names: players, format: .roundRobin,
                                        rounds: 1, gamesPerPairing: 12, openings: "random:1", seed: 7, anchor: "random")
  let games = try play(definition)
  #expect(games.count == 36)
  let table = Standings(names: players, games: games, anchor: 0)
  #expect(table.rows.map(\.name) == ["mcts:400", "mcts:25", "random"], "seed 7:\n\(table.table)")
  // Colour-swapped pairs share an opening.
  for pair in stride(from: 0, to: games.count, by: 2) {
    let a = games[pair], b = games[pair + 1]
    #expect(a.game.opening == b.game.opening && a.game.first == b.game.second)
    #expect(a.moves.prefix(a.openingLength) == b.moves.prefix(b.openingLength))
  }
}

@Test func resultsDoNotDependOnConcurrency() throws {
  let players = ["random", "mcts:30"]
  let definition = TournamentDefinition(game: "tic_tac_toe", players: players, names: players, format: .gauntlet, rounds: 2,
                                        gamesPerPairing: 4, openings: "random:2", seed: 3, anchor: "random")
  #expect(try play(definition, concurrency: 1) == play(definition, concurrency: 3))
}

@Test func badInputFailsAtTheStartNamingIt() throws {
  func failure(_ players: [String], openings: String = "random:2", games: Int = 2, anchor: String? = nil) -> String {
    let d = TournamentDefinition(game: "tic_tac_toe", players: players, names: players, format: .roundRobin, rounds: 1,
                                 gamesPerPairing: games, openings: openings, seed: 1, anchor: anchor ?? players[0])
    do {
      try d.validate()
      _ = try play(d)
      return ""
    } catch { return String(describing: error) }
  }
  #expect(failure(["random", "alphago"]).contains("player 2: cannot read player 'alphago'"))
  #expect(failure(["random", "ckpt:/nowhere/ckpt"]).contains("checkpoint /nowhere/ckpt: not found"))
  #expect(failure(["random", "mcts:5"], openings: "/nowhere.txt").contains("openings '/nowhere.txt'"))
  #expect(failure(["random", "mcts:5"], games: 3).contains("must be even"))
  #expect(failure(["random", "mcts:5"], anchor: "stockfish").contains("anchor 'stockfish' is not a player"))
  #expect(failure(["random"]).contains("at least two players"))
}

@Test func aTournamentKilledWithSIGKILLResumesToTheSameTable() throws {
  let arguments = ["tournament", "--game", "connect_four", "--players", "random,mcts:800,mcts:1600", "--games", "6", "--seed", "11"]
  // Uninterrupted.
  let a = temporaryDirectory("whole")
  let whole = try dojo(arguments + ["--dir", a, "--json", a + "/table.json"])
  whole.waitUntilExit()
  try #require(whole.terminationStatus == 0)
  // Killed with SIGKILL after a few games, then resumed.
  let b = temporaryDirectory("killed")
  let killed = try dojo(arguments + ["--dir", b, "--concurrency", "2"])
  var stored = 0
  for _ in 0..<2000 {
    usleep(5_000)
    stored = (try? ResultStore(path: b + "/tournament.sqlite").load().count) ?? 0
    if stored >= 3 || !killed.isRunning { break }
  }
  kill(killed.processIdentifier, SIGKILL)
  killed.waitUntilExit()
  let survivors = try ResultStore(path: b + "/tournament.sqlite").load().count
  #expect(killed.terminationReason == .uncaughtSignal && survivors >= 3 && survivors < 18, "killed after \(survivors) of 18 games")
  let resumed = try dojo(["tournament", "--resume", "--dir", b, "--json", b + "/table.json"])
  resumed.waitUntilExit()
  try #require(resumed.terminationStatus == 0)
  let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: a + "/table.json"))) as! NSDictionary
  let got = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: b + "/table.json"))) as! NSDictionary
  #expect(got == expected)
  #expect((got["games"] as? Int) == 18)
}

@Test func shippedTournamentAndOpeningsFilesAreValid() throws {
  let g = try GameRegistry.make("connect_four")
  let openings = try OpeningSource(parsing: repositoryRoot + "/games/connect_four/openings.txt")
  guard case let .list(lines) = openings else { Issue.record("not a list"); return }
  #expect(lines.count == 49)
  for line in lines { _ = try g.state(afterMoves: line) }
}

@Test func checkpointPlayersRunInThePrecisionAsked() throws {
  // Gating and league rating games play checkpoints in the actors' precision, tournaments in the one
  // asked (fp32 unless asked): each runner's network is the engine that precision makes directly.
  let game = ConnectFour<UInt64>()
  let dir = temporaryDirectory("precision")
  let config = NetworkConfig.defaults(for: game)
  let net = PolicyValueNet(config: config, seed: 3)
  try Checkpoint.write(net, optimizer: nil, metadata: CheckpointMetadata(game: game.name, architecture: config, generation: 1), to: dir + "/c")
  let seed: UInt64 = 21
  let players: [PlayerSpec] = [.checkpoint(path: dir + "/c", simulations: 2), .random]
  for precision in InferencePrecision.allCases {
    let runner = try MatchRunner(game: game, players: players, seed: seed, openings: .random(plies: 2), precision: precision)
    let engine = try #require(runner.engines[0] as? InferenceEngine)
    let direct = InferenceEngine(network: net, precision: precision,
                                 calibration: precision == .fp32 ? nil : game.randomPositionObservations(count: 256, seed: seed))
    #expect(engine.precision == direct.precision && engine.backendDescription == direct.backendDescription,
            "\(precision.rawValue): \(engine.backendDescription), made directly \(direct.backendDescription)")
    let played = try runner.play(ScheduledGame(index: 0, round: 0, first: 0, second: 1, opening: 0))
    #expect(played.moves.count >= 7 && played.moves.count <= 42)
  }
  let plain = try MatchRunner(game: game, players: players, seed: seed, openings: .random(plies: 2))
  #expect((plain.engines[0] as? InferenceEngine)?.precision == .fp32)
  // A gate in int8 (where this CPU runs it) plays its games.
  let verdict = try Gate.run(.fixed(games: 2, threshold: 0.5), game: game, candidate: players[0], best: .random, seed: 1, precision: .int8)
  #expect(verdict.result.games == 2)
}

@Test func aWrongPrecisionOptionIsRefusedNamingTheChoices() throws {
  // dojo eval, dojo tournament and dojo league actor share one --precision parser: a wrong value
  // stops the command before any work, naming the value and the four there are.
  let dir = temporaryDirectory("precision-option")
  let commands = [["eval", "connect_four", "--player", "random"], ["tournament", "--game", "tic_tac_toe", "--players", "random,random"],
                  ["league", "actor", "connect_four"]]
  for (i, command) in commands.enumerated() {
    let p = try dojo(command + ["--precision", "fp16"], output: dir + "/\(i).log")
    p.waitUntilExit()
    let log = (try? String(contentsOfFile: dir + "/\(i).log", encoding: .utf8)) ?? ""
    #expect(p.terminationStatus != 0, "\(command): \(log)")
    #expect(log.contains("fp16") && ["auto", "fp32", "bf16", "int8"].allSatisfy(log.contains), "\(command): \(log)")
  }
}
