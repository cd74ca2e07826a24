import DojoConcurrency
import ArgumentParser
import DojoArena
import DojoConfig
import DojoGames
import DojoLeague
import DojoNN
import DojoPlayers
import Foundation

struct Tournament: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Play a round robin or gauntlet between players and rate them.",
    discussion: """
      Players: random, mcts:N, ckpt:PATH[:sims=N], gtp:COMMAND (an outside Go engine). Games are
      played in colour-swapped pairs from shared openings. Results go to DIR/tournament.sqlite as each game ends; after Ctrl-C or kill -9,
      `dojo tournament --resume --dir DIR` plays only the missing games and gives the same table.
      Example: dojo tournament --game tic_tac_toe --players random,mcts:25,mcts:400 --games 20
      A league's members: dojo tournament --league RUN [--members main_agent_0,main_agent_0@400,random]
      """
  )

  @Option(help: "A tournament file (TOML), e.g. league/example_tournament.toml. Flags below override it.")
  var file: String?

  @Option(help: "The game, e.g. connect_four.")
  var game: String?

  @Option(help: "Comma-separated players: random, mcts:N, ckpt:PATH[:sims=N], gtp:COMMAND (Go; no commas in COMMAND).")
  var players: String?

  @Option(help: "A league's run directory: its members play (current agents and anchors, or --members).")
  var league: String?

  @Option(help: "With --league: comma-separated members: agents, historical players (main_agent_0@400), anchors (random, mcts:N).")
  var members: String?

  @Option(help: "With --league: simulations per move of the league's networks.")
  var sims = 32

  @Option(help: "round_robin or gauntlet (the first player against each other).")
  var tournament: String?

  @Option(help: "Rounds (each pairing meets once per round).")
  var rounds: Int?

  @Option(help: "Games per pairing per round (even: colour-swapped pairs).")
  var games: Int?

  @Option(help: "Openings: random:K (K random plies), a file of openings (one per line), or an .sgf file or folder of them (each record's main line).")
  var openings: String?

  @Option(help: "Games played at once, on separate threads.")
  var concurrency: Int?

  @Option(help: "Seed: the same seed gives the same games.")
  var seed: UInt64?

  @Option(help: "For two players: stop when the SPRT decides, e.g. elo0=0,elo1=35,alpha=0.05,beta=0.05.")
  var sprt: String?

  @Option(help: "The player whose rating is fixed at 0 (default: the first).")
  var anchor: String?

  @Option(help: "The tournament directory (its database, game records). Default: runs/tournaments/<game>-<time>.")
  var dir: String?

  @Flag(help: "Continue the tournament in --dir where it stopped.")
  var resume = false

  @Option(help: "Also write the final table and crosstable as JSON to this file.")
  var json: String?

  @Option(help: "Also write the final table as CSV to this file.")
  var csv: String?

  @Option(help: "Checkpoints' inference precision: fp32 (the networks as trained), bf16, int8 (calibrated on random positions), auto (the actors' choice on this CPU).")
  var precision = InferencePrecision.fp32

  func run() throws {
    do { try runTournament() } catch let e as ExitCode { throw e } catch { throw CommandError(String(describing: error)) }
  }

  /// The league's members as players: agents and historical players by their checkpoints, anchors as they are.
  func leagueTournament(_ directory: String, base: TournamentFile) throws -> TournamentFile {
    guard LeagueDirectory.isLeague(directory) else { throw ArenaError.badInput("\(directory) is not a league run: no league.sqlite") }
    let store = try LeagueStore(path: directory + "/league.sqlite")
    guard let leagueGame = try store.meta("game") else { throw ArenaError.badInput("\(directory): the league database names no game") }
    var file = base
    file.game = leagueGame
    var names = members.map { $0.split(separator: ",").map(String.init) } ?? []
    if names.isEmpty {
      names = try store.agents().map(\.name)
      if FileManager.default.fileExists(atPath: directory + "/league.toml"),
        let config = try? LeagueFile.loadRun(directory) { names += config.rating.anchors }
    }
    file.players = try names.map { name in
      if let anchor = try? PlayerSpec(parsing: name), anchor != .human { return (name, name) }
      return (name, "ckpt:\(try LeagueDirectory.model(directory, member: name).path):sims=\(sims)")
    }
    if file.anchor == nil, names.contains("random") { file.anchor = "random" }
    return file
  }

  func runTournament() throws {
    if resume && dir == nil { throw ArenaError.badInput("--resume needs --dir, the tournament's directory") }
    let directory = dir ?? "runs/tournaments/\(game ?? "tournament")-\(Int(Date().timeIntervalSince1970))"
    let dbPath = directory + "/tournament.sqlite"
    if resume && !FileManager.default.fileExists(atPath: dbPath) { throw ArenaError.badInput("no tournament to resume in \(directory)") }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let store = try ResultStore(path: dbPath)
    var definition: TournamentDefinition
    var workers = concurrency ?? 1
    if resume, let stored = try store.definition() {
      definition = try JSONDecoder().decode(TournamentDefinition.self, from: Data(stored.utf8))
    } else {
      var base = TournamentFile(game: game ?? "", players: [])
      if let file { do { base = try TournamentFile.load(path: file) } catch { throw CommandError(String(describing: error)) } }
      if let game { base.game = game }
      if let players { base.players = players.split(separator: ",").map { (String($0), String($0)) } }
      if let league { base = try leagueTournament(league, base: base) }
      if let tournament { base.format = tournament }
      if let rounds { base.rounds = rounds }
      if let games { base.games = games }
      if let openings { base.openings = openings }
      if let seed { base.seed = seed }
      if let anchor { base.anchor = anchor }
      workers = concurrency ?? base.concurrency
      guard !base.game.isEmpty else { throw ArenaError.badInput("give --game or a --file naming one") }
      let g: any Game
      do { g = try GameRegistry.make(base.game) } catch { throw ArenaError.badInput(String(describing: error)) }
      guard let format = TournamentFormat(rawValue: base.format) else {
        throw ArenaError.badInput("--tournament must be one of " + TournamentFormat.allCases.map { $0.rawValue }.joined(separator: ", "))
      }
      definition = TournamentDefinition(game: g.name, players: base.players.map { $0.spec }, names: base.players.map { $0.name }, format: format,
                                        rounds: base.rounds, gamesPerPairing: base.games, openings: base.openings, seed: base.seed,
                                        anchor: base.anchor ?? base.players.first?.name ?? "")
      if let sprt { definition.sprt = try parseSPRT(sprt) }
      try definition.validate()
      let encoded = String(decoding: try JSONEncoder().encode(definition), as: UTF8.self)
      if let existing = try store.definition(), existing != encoded {
        throw ArenaError.badInput("\(directory) holds another tournament; use --resume to continue it, or another --dir")
      }
      try store.setDefinition(encoded)
    }
    let g = try GameRegistry.make(definition.game)
    let total = definition.schedule.count
    FileHandle.standardError.write("tournament: \(definition.names.joined(separator: ", ")) — \(total) games of \(definition.game), \(workers) at a time, checkpoints in \(precision.rawValue); results in \(dbPath)\n".data(using: .utf8)!)
    let names = definition.names
    let lastPrint = LastPrint()
    let board = ScoreBoard(players: names.count)
    let result = RunTournament(definition: definition, store: store, concurrency: workers, precision: precision) { p in
      let leader = board.add(p.latest)
      guard lastPrint.due() || p.done == p.total else { return }
      let eta = p.etaSeconds.isFinite ? String(format: "%.0f s", p.etaSeconds) : "?"
      let g = p.latest
      let line = String(format: "[%d/%d] %.2f games/s, ETA %@ — leading: %@ %.1f%% — last: %@ vs %@, %@\n", p.done, p.total, p.gamesPerSecond,
                        eta as NSString, names[leader.0] as NSString, 100 * leader.1, names[g.game.first] as NSString,
                        names[g.game.second] as NSString, g.reason as NSString)
      FileHandle.standardError.write(line.data(using: .utf8)!)
    }(g)
    let played = try result.get()
    let standings = Standings(names: names, games: played, anchor: names.firstIndex(of: definition.anchor) ?? 0)
    print(standings.table)
    print("")
    print(standings.crosstableText)
    let records = played.map { p in
      "#\(p.game.index + 1) round \(p.game.round + 1): \(names[p.game.first]) - \(names[p.game.second]) "
        + (p.scoreForFirst == 1 ? "1-0" : p.scoreForFirst == 0 ? "0-1" : "½-½") + " (\(p.reason)): " + p.moves.joined(separator: " ")
    }.joined(separator: "\n") + "\n"
    try records.write(toFile: directory + "/games.txt", atomically: true, encoding: .utf8)
    if let json {
      var object = standings.json
      object["game"] = definition.game
      object["games"] = played.count
      try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: json))
    }
    if let csv { try standings.csv.write(toFile: csv, atomically: true, encoding: .utf8) }
    if let test = definition.sprt {
      let llr = test.llr(completedPairs(played))
      let verdict = test.verdict(llr: llr)
      print(String(format: "\nSPRT (elo0 %g, elo1 %g, alpha %g, beta %g): LLR %.2f (bounds %.2f, %.2f) — %@", test.elo0, test.elo1, test.alpha,
                   test.beta, llr, test.lowerBound, test.upperBound,
                   (verdict == .acceptH1 ? "H1 accepted" : verdict == .acceptH0 ? "H0 accepted" : "undecided") as NSString))
    }
  }

  func parseSPRT(_ text: String) throws -> SPRT {
    var test = SPRT()
    for part in text.split(separator: ",") {
      let kv = part.split(separator: "=").map(String.init)
      guard kv.count == 2, let v = Double(kv[1]) else { throw ArenaError.badInput("--sprt: '\(part)' is not key=number") }
      switch kv[0] {
      case "elo0": test.elo0 = v
      case "elo1": test.elo1 = v
      case "alpha": test.alpha = v
      case "beta": test.beta = v
      default: throw ArenaError.badInput("--sprt: unknown key '\(kv[0])'; keys: elo0, elo1, alpha, beta")
      }
    }
    guard test.elo1 > test.elo0, (0..<1).contains(test.alpha), test.alpha > 0, test.beta > 0, test.beta < 1 else {
      throw ArenaError.badInput("--sprt: needs elo1 > elo0 and alpha, beta in (0, 1)")
    }
    return test
  }
}

/// Running scores for the progress line (this session's games).
final class ScoreBoard: Sendable {
  /// Points and games of each player.
  private let tally: Locked<(points: [Double], games: [Int])>
  init(players: Int) {
    tally = Locked((Array(repeating: 0, count: players), Array(repeating: 0, count: players)))
  }
  /// Adds a game; returns the leader by score and its score.
  func add(_ g: PlayedGame) -> (Int, Double) {
    tally.withLock { t in
      t.points[g.game.first] += g.scoreForFirst
      t.points[g.game.second] += 1 - g.scoreForFirst
      t.games[g.game.first] += 1
      t.games[g.game.second] += 1
      let score = t.points.indices.map { t.games[$0] > 0 ? t.points[$0] / Double(t.games[$0]) : 0 }
      let best = score.indices.max { score[$0] < score[$1] } ?? 0
      return (best, score.isEmpty ? 0 : score[best])
    }
  }
}

/// Throttles progress lines to one a second.
final class LastPrint: Sendable {
  private let last = Locked(Date.distantPast)
  func due() -> Bool {
    last.withLock { last in
      guard Date().timeIntervalSince(last) >= 1 else { return false }
      last = Date()
      return true
    }
  }
}
