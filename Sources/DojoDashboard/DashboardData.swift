// What the dashboard shows, read from the run's and the league's SQLite databases read-only (WAL
// readers: training goes on writing while the dashboard reads). Every payload is JSON for the pages'
// scripts, which draw it and ask again every few seconds.

import DojoArena
import DojoConcurrency
import DojoConfig
import DojoLeague
import Foundation
import GRDB

/// A directory the dashboard serves: a training run (run.sqlite) or a league (league.sqlite).
public struct DashboardSource: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable { case run, league, tournament }
  public var id: Int
  public var kind: Kind
  public var path: String
  public var name: String

  /// The source in `path`, or an error naming what is missing or unreadable.
  public static func open(_ path: String, id: Int) throws -> DashboardSource {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw DashboardError("\(path): no such directory")
    }
    let name = (path as NSString).lastPathComponent
    for (file, kind) in [("run.sqlite", Kind.run), ("league.sqlite", .league), ("tournament.sqlite", .tournament)] where FileManager.default.fileExists(atPath: path + "/" + file) {
      guard FileManager.default.isReadableFile(atPath: path + "/" + file) else { throw DashboardError("\(path)/\(file): not readable") }
      let source = DashboardSource(id: id, kind: kind, path: path, name: name)
      _ = try source.database()  // opens, and checks the schema
      return source
    }
    throw DashboardError("\(path): not a run (run.sqlite), a league (league.sqlite) or a tournament (tournament.sqlite)")
  }

  var file: String { path + "/" + kind.rawValue + ".sqlite" }

  /// The database, read-only; one written by a newer Dojo (a table this one does not know the shape
  /// of) is refused by name.
  func database() throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.readonly = true
    configuration.busyMode = .timeout(10)
    let db: DatabaseQueue
    do { db = try DatabaseQueue(path: file, configuration: configuration) } catch {
      throw DashboardError("\(file): cannot open (\(error))")
    }
    let version = try db.read { try Int.fetchOne($0, sql: "PRAGMA user_version") ?? 0 }
    guard version <= DashboardSource.knownSchemaVersion else {
      throw DashboardError("\(file): written by a newer Dojo (schema version \(version); this dashboard reads up to \(DashboardSource.knownSchemaVersion))")
    }
    let needed = switch kind {
    case .run: ["games", "training", "gates", "checkpoints"]
    case .league: ["agents", "results", "ratings", "training", "events"]
    case .tournament: ["meta", "games"]
    }
    for table in needed where try !db.read({ try $0.tableExists(table) }) {
      throw DashboardError("\(file): no table '\(table)': not a Dojo \(kind.rawValue) database")
    }
    return db
  }

  /// The newest database schema this dashboard reads (SQLite's user_version; Dojo's databases so far
  /// leave it at 0).
  public static let knownSchemaVersion = 0
}

public struct DashboardError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// A run page's data.
struct RunData: Codable {
  struct Training: Codable { var step: Int, samplesSeen: Int, policyLoss: Double, valueLoss: Double, learningRate: Double, at: Double }
  struct Gate: Codable {
    var candidate: Int, best: Int, accepted: Bool, wins: Int, draws: Int, losses: Int, elo: Double, eloError: Double, rating: Double
    var reason: String, at: Double, steps: Int
  }
  struct Throughput: Codable { var at: Double, gamesPerMinute: Double, positionsPerMinute: Double }
  var name: String
  var games: Int
  var positions: Int
  var training: [Training]
  var gates: [Gate]
  var throughput: [Throughput]
  /// When the newest record was written (the page shows it).
  var updated: Double

  static func read(_ source: DashboardSource) throws -> RunData {
    try source.database().read { db in
      let training = try Row.fetchAll(db, sql: "SELECT * FROM training ORDER BY step").map {
        Training(step: $0["step"], samplesSeen: $0["samples_seen"], policyLoss: $0["policy_loss"], valueLoss: $0["value_loss"],
                 learningRate: $0["learning_rate"], at: $0["at"])
      }
      let gates = try Row.fetchAll(db, sql: """
        SELECT g.*, COALESCE(c.steps, 0) AS steps FROM gates g LEFT JOIN checkpoints c ON c.generation = g.candidate ORDER BY candidate
        """).map {
        Gate(candidate: $0["candidate"], best: $0["best"], accepted: ($0["accepted"] as Int) != 0, wins: $0["wins"], draws: $0["draws"],
             losses: $0["losses"], elo: $0["elo"], eloError: $0["elo_error"], rating: $0["rating"], reason: $0["reason"], at: $0["at"],
             steps: $0["steps"])
      }
      let totals = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(plies), 0) AS p FROM games")!
      // Games and positions per minute of wall-clock, from when each game was stored.
      let throughput = try Row.fetchAll(db, sql: """
        SELECT CAST(finished_at / 60 AS INTEGER) * 60 AS minute, COUNT(*) AS games, SUM(plies) AS positions FROM games GROUP BY minute ORDER BY minute
        """).map { Throughput(at: $0["minute"], gamesPerMinute: $0["games"], positionsPerMinute: $0["positions"]) }
      let newest = try Double.fetchOne(db, sql: "SELECT MAX(finished_at) FROM games") ?? 0
      return RunData(name: source.name, games: totals["n"], positions: totals["p"], training: training, gates: gates,
                     throughput: throughput, updated: max(newest, training.last?.at ?? 0, gates.map(\.at).max() ?? 0))
    }
  }
}

/// A league page's data.
struct LeagueData: Codable {
  struct Rating: Codable { var round: Int, player: String, rating: Double, margin: Double, at: Double }
  struct Event: Codable { var kind: String, agents: String, reason: String, step: Int, at: Double }
  struct Loss: Codable { var agent: String, step: Int, policyLoss: Double, valueLoss: Double }
  struct Agent: Codable, Sendable {
    var name: String, role: String, steps: Int, generation: Int, rating: Double?, hyperparameters: [String: Double], lineage: [String]
  }
  struct Choice: Codable, Sendable { var opponent: String, probability: Double }
  struct Hyperparameters: Codable, Sendable { var agent: String, step: Int, at: Double, values: [String: Double] }
  var name: String
  var agents: [String]
  var players: [String]
  /// Score of the row player against the column player (nil: no game), and the games.
  var payoff: [[Double?]]
  var games: [[Int]]
  var ratings: [Rating]
  var events: [Event]
  var losses: [Loss]
  /// The learning agents now (role, steps, hyperparameters, whose weights they copied), each one's
  /// current PFSP distribution over its opponents, every change of hyperparameters, and every
  /// snapshot, reset and exploit (the lineage).
  var learners: [Agent]
  var pfsp: [String: [Choice]]
  var hyperparameters: [Hyperparameters]
  var lineage: [Event]
  /// Why the PFSP distributions are missing, when they are.
  var pfspNote: String?
  var results: Int
  /// When the newest record was written (the page shows it).
  var updated: Double

  static func read(_ source: DashboardSource) throws -> LeagueData {
    try source.database().read { db in
      let agents = try String.fetchAll(db, sql: "SELECT name FROM agents ORDER BY ordinal")
      let historical = try String.fetchAll(db, sql: "SELECT name FROM historical ORDER BY ordinal")
      var players = agents + historical
      let rows = try Row.fetchAll(db, sql: "SELECT home, away, SUM(score) AS s, COUNT(*) AS n FROM results GROUP BY home, away")
      for r in rows { for p in [r["home"] as String, r["away"] as String] where !players.contains(p) { players.append(p) } }
      let index = Dictionary(uniqueKeysWithValues: players.enumerated().map { ($1, $0) })
      var score = Array(repeating: Array(repeating: 0.0, count: players.count), count: players.count)
      var games = Array(repeating: Array(repeating: 0, count: players.count), count: players.count)
      for r in rows {
        let h = index[r["home"] as String]!, a = index[r["away"] as String]!, s: Double = r["s"], n: Int = r["n"]
        score[h][a] += s
        games[h][a] += n
        score[a][h] += Double(n) - s
        games[a][h] += n
      }
      let payoff = zip(score, games).map { s, g in zip(s, g).map { $1 > 0 ? $0 / Double($1) : nil } }
      let ratings = try Row.fetchAll(db, sql: "SELECT * FROM ratings ORDER BY round, player").map {
        Rating(round: $0["round"], player: $0["player"], rating: $0["rating"], margin: $0["margin"], at: $0["at"])
      }
      let events = try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY id DESC LIMIT 50").map {
        Event(kind: $0["kind"], agents: $0["agents"], reason: $0["reason"], step: $0["step"], at: $0["at"])
      }
      let losses = try Row.fetchAll(db, sql: "SELECT * FROM training ORDER BY agent, step").map {
        Loss(agent: $0["agent"], step: $0["step"], policyLoss: $0["policy_loss"], valueLoss: $0["value_loss"])
      }
      let results = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM results") ?? 0
      let newest = try Double.fetchOne(db, sql: "SELECT MAX(at) FROM results") ?? 0
      let lineage = try Row.fetchAll(db, sql: "SELECT * FROM events WHERE kind IN ('snapshot', 'reset', 'exploit') ORDER BY id").map {
        Event(kind: $0["kind"], agents: $0["agents"], reason: $0["reason"], step: $0["step"], at: $0["at"])
      }
      let state = LeagueData.state(source)
      return LeagueData(name: source.name, agents: agents, players: players, payoff: payoff, games: games, ratings: ratings, events: events,
                        losses: losses, learners: state.learners, pfsp: state.pfsp, hyperparameters: state.hyperparameters, lineage: lineage,
                        pfspNote: state.note, results: results, updated: max(newest, ratings.last?.at ?? 0))
    }
  }

  struct ManagerState: Sendable {
    var key: [Int64]
    var learners: [Agent] = []
    var pfsp: [String: [Choice]] = [:]
    var hyperparameters: [Hyperparameters] = []
    var note: String?
  }

  /// The manager's view, as `dojo league status` computes it (the league file in the directory, the
  /// decayed payoff, fitted ratings), from a read-only store; recomputed only when a result, a
  /// decision or an agent's state was written since.
  static func state(_ source: DashboardSource) -> ManagerState {
    let key: [Int64]
    do {
      key = try source.database().read { db in
        try ["results", "events", "hyperparameters"].map { t in try db.tableExists(t) ? (Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(rowid), 0) FROM \(t)") ?? 0) : 0 }
          + [Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(length(state)), 0) FROM agents") ?? 0]
      }
    } catch { return ManagerState(key: [], note: "\(error)") }
    if let cached = managerCache.withLock({ $0[source.path] }), cached.key == key { return cached }
    var state = ManagerState(key: key)
    do {
      let path = source.path + "/league.toml"
      guard FileManager.default.fileExists(atPath: path) else { throw DashboardError("no league.toml in \(source.path)") }
      var config = try LeagueFile.loadRun(source.path)
      let store = try LeagueStore(readingOnly: source.file)
      config.name = try store.meta("name") ?? config.name
      let report = try LeagueReport.make(try LeagueManager(config: config, store: store, seed: 0), eventLimit: 0)
      state.learners = report.agents.map {
        Agent(name: $0.name, role: $0.role, steps: $0.steps, generation: $0.generation, rating: $0.rating, hyperparameters: $0.hyperparameters, lineage: $0.lineage)
      }
      state.pfsp = report.pfsp.mapValues { $0.map { Choice(opponent: $0.opponent, probability: $0.probability) } }
      state.hyperparameters = try store.hyperparameterHistory().map { Hyperparameters(agent: $0.agent, step: $0.step, at: $0.at, values: $0.values) }
    } catch {
      state.note = "the league's manager state cannot be read: \(error)"
    }
    managerCache.withLock { $0[source.path] = state }
    return state
  }

  static let managerCache = Locked<[String: ManagerState]>([:])
}

/// A tournament page's data: the table (ratings fitted to the games, anchored) and the crosstable.
struct TournamentData: Codable {
  struct Row: Codable { var rank: Int, name: String, rating: Double, margin: Double, games: Int, score: Double, wins: Int, draws: Int, losses: Int, los: Double? }
  var name: String
  var game: String
  var anchor: String
  var played: Int
  var scheduled: Int
  var rows: [Row]
  var names: [String]
  /// crosstable[a][b]: a's wins, draws, losses against b.
  var crosstable: [[[Int]]]
  var updated: Double

  static func read(_ source: DashboardSource) throws -> TournamentData {
    try source.database().read { db in
      guard let definition = try ResultStore.definition(in: db) else { throw DashboardError("\(source.file): no tournament definition yet") }
      let games = try ResultStore.games(in: db)
      let standings = Standings(names: definition.names, games: games, anchor: definition.names.firstIndex(of: definition.anchor) ?? 0)
      let rows = standings.rows.map { r in
        Row(rank: r.rank, name: r.name, rating: r.rating, margin: r.margin.isFinite ? r.margin : 0, games: r.result.games, score: r.result.score,
            wins: r.result.wins, draws: r.result.draws, losses: r.result.losses, los: r.losOverNext)
      }
      let scheduled = Schedule.make(format: definition.format, players: definition.names.count, rounds: definition.rounds,
                                    gamesPerPairing: definition.gamesPerPairing).count
      let newest = try String.fetchOne(db, sql: "SELECT MAX(finished_at) FROM games").flatMap { ISO8601DateFormatter().date(from: $0) }
      return TournamentData(name: source.name, game: definition.game, anchor: definition.anchor, played: games.count, scheduled: scheduled,
                            rows: rows, names: standings.names, crosstable: standings.crosstable.map { $0.map { [$0.wins, $0.draws, $0.losses] } },
                            updated: newest?.timeIntervalSince1970 ?? 0)
    }
  }
}
