// The league's database (SQLite through GRDB, WAL, synchronous FULL; DIR/league.sqlite): every
// learning agent's state and hyperparameters, the historical players, every game result (one
// transaction each, deduplicated by match and game, so a result sent twice counts once), every
// decision with its reason, and the anchored ratings over time. After kill -9 the manager rebuilds
// the same payoff, players and PBT state from here.

import DojoArena
import DojoTraining
import Foundation
import GRDB

/// A learning agent as the league manager holds it.
public struct AgentState: Sendable, Equatable {
  public var name: String
  public var role: AgentRole
  /// The learner's optimizer steps (its own, counted on across resets and exploits).
  public var steps: Int
  public var samplesSeen: Int
  /// The weights it plays and trains from now, and the ones a reset returns to.
  public var model: CheckpointReference
  public var initial: CheckpointReference
  /// Steps at its last snapshot and at its last PBT decision.
  public var lastSnapshotStep: Int
  public var lastReadyStep: Int
  public var hyperparameters: Hyperparameters
  /// Where its weights came from: empty, or the members it copied, newest last.
  public var lineage: [String]

  public init(name: String, role: AgentRole, model: CheckpointReference, hyperparameters: Hyperparameters) {
    self.name = name
    self.role = role
    steps = 0
    samplesSeen = 0
    self.model = model
    initial = model
    lastSnapshotStep = 0
    lastReadyStep = 0
    self.hyperparameters = hyperparameters
    lineage = []
  }

  /// The generation of its current model.
  public var generation: Int { model.generation }
}

/// A frozen player with the model and settings it plays with.
public struct HistoricalRecord: Sendable, Equatable {
  public var player: HistoricalPlayer
  public var model: CheckpointReference
  public var hyperparameters: Hyperparameters
  public init(player: HistoricalPlayer, model: CheckpointReference, hyperparameters: Hyperparameters) {
    self.player = player
    self.model = model
    self.hyperparameters = hyperparameters
  }
}

/// A decision the manager took.
public struct LeagueEvent: Sendable, Equatable {
  public enum Kind: String, Sendable, Codable, CaseIterable { case snapshot, reset, exploit, explore }
  public var kind: Kind
  /// The agents involved: the agent first (for a snapshot, then the new player; for an exploit, then the donor).
  public var agents: [String]
  public var reason: String
  /// The first agent's steps when it happened.
  public var step: Int
  public var at: Double
  public init(kind: Kind, agents: [String], reason: String, step: Int, at: Double = Date().timeIntervalSince1970) {
    self.kind = kind
    self.agents = agents
    self.reason = reason
    self.step = step
    self.at = at
  }
}

/// One game between two league players: `score` is the home player's (1, 0.5, 0).
public struct LeagueResult: Sendable, Equatable {
  public var match: String
  public var game: Int
  public var home: String
  public var away: String
  public var score: Double
  public init(match: String, game: Int, home: String, away: String, score: Double) {
    self.match = match
    self.game = game
    self.home = home
    self.away = away
    self.score = score
  }
}

/// Everything one decision changes, written in one transaction.
public struct LeagueUpdate: Sendable {
  public var agents: [AgentState] = []
  public var historical: [HistoricalRecord] = []
  public var events: [LeagueEvent] = []
  public init() {}
}

public final class LeagueStore: @unchecked Sendable {
  let db: DatabaseQueue
  public let path: String

  public init(path: String) throws {
    self.path = path
    do {
      db = try openDurableDatabase(path)
      try db.write { db in
        try db.execute(sql: """
          CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE IF NOT EXISTS agents (name TEXT PRIMARY KEY, ordinal INTEGER NOT NULL, state TEXT NOT NULL);
          CREATE TABLE IF NOT EXISTS historical (name TEXT PRIMARY KEY, ordinal INTEGER NOT NULL, state TEXT NOT NULL);
          CREATE TABLE IF NOT EXISTS results (
            id INTEGER PRIMARY KEY, match TEXT NOT NULL, game INTEGER NOT NULL, home TEXT NOT NULL, away TEXT NOT NULL,
            score REAL NOT NULL, at REAL NOT NULL, UNIQUE (match, game));
          CREATE TABLE IF NOT EXISTS events (
            id INTEGER PRIMARY KEY, kind TEXT NOT NULL, agents TEXT NOT NULL, reason TEXT NOT NULL, step INTEGER NOT NULL, at REAL NOT NULL);
          CREATE TABLE IF NOT EXISTS ratings (
            round INTEGER NOT NULL, player TEXT NOT NULL, rating REAL NOT NULL, margin REAL NOT NULL, at REAL NOT NULL,
            PRIMARY KEY (round, player));
          CREATE TABLE IF NOT EXISTS training (
            agent TEXT NOT NULL, step INTEGER NOT NULL, policy_loss REAL NOT NULL, value_loss REAL NOT NULL, at REAL NOT NULL,
            PRIMARY KEY (agent, step));
          CREATE TABLE IF NOT EXISTS hyperparameters (
            id INTEGER PRIMARY KEY, agent TEXT NOT NULL, step INTEGER NOT NULL, "values" TEXT NOT NULL, at REAL NOT NULL);
          """)
      }
    } catch {
      throw InvalidRun("cannot open the league database \(path): \(error)")
    }
  }

  /// The league in `path` for reading only (the dashboard, while the league writes it): nothing is
  /// created or changed, and a write fails.
  public init(readingOnly path: String) throws {
    self.path = path
    var configuration = Configuration()
    configuration.readonly = true
    configuration.busyMode = .timeout(10)
    do { db = try DatabaseQueue(path: path, configuration: configuration) } catch {
      throw InvalidRun("cannot open the league database \(path): \(error)")
    }
  }

  public struct HyperparameterPoint: Sendable, Equatable {
    public var agent: String
    public var step: Int
    public var values: [String: Double]
    public var at: Double
  }

  /// Every agent's hyperparameters each time they changed, oldest first (empty for a league from
  /// before this was kept).
  public func hyperparameterHistory() throws -> [HyperparameterPoint] {
    try db.read { db in
      guard try db.tableExists("hyperparameters") else { return [] }
      return try Row.fetchAll(db, sql: "SELECT * FROM hyperparameters ORDER BY id").map {
        HyperparameterPoint(agent: $0["agent"], step: $0["step"], values: try decode([String: Double].self, $0["values"]), at: $0["at"])
      }
    }
  }

  /// SQLite's own check of the whole file: empty when sound.
  public func integrityProblems() throws -> [String] {
    try db.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }.filter { $0 != "ok" }
  }

  // MARK: Meta

  public func meta(_ key: String) throws -> String? {
    try db.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
  }

  public func setMeta(_ key: String, _ value: String) throws {
    try db.write { try $0.execute(sql: "INSERT OR REPLACE INTO meta VALUES (?, ?)", arguments: [key, value]) }
  }

  // MARK: Players and decisions

  public func agents() throws -> [AgentState] {
    try db.read { db in try String.fetchAll(db, sql: "SELECT state FROM agents ORDER BY ordinal").map { try decode(AgentRow.self, $0).state } }
  }

  public func historical() throws -> [HistoricalRecord] {
    try db.read { db in try String.fetchAll(db, sql: "SELECT state FROM historical ORDER BY ordinal").map { try decode(HistoricalRow.self, $0).record } }
  }

  /// Writes a decision: agents' new states, new historical players and the events, atomically.
  public func apply(_ update: LeagueUpdate) throws {
    try db.write { db in
      for a in update.agents {
        let ordinal = try Int.fetchOne(db, sql: "SELECT ordinal FROM agents WHERE name = ?", arguments: [a.name])
          ?? (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agents") ?? 0)
        try db.execute(sql: "INSERT OR REPLACE INTO agents VALUES (?, ?, ?)", arguments: [a.name, ordinal, try encode(AgentRow(a))])
        // The trajectory of its hyperparameters: a row whenever they change (and the first).
        let values = try encode(encodeHyperparameters(a.hyperparameters))
        let last = try String.fetchOne(db, sql: "SELECT \"values\" FROM hyperparameters WHERE agent = ? ORDER BY id DESC LIMIT 1", arguments: [a.name])
        if last != values {
          try db.execute(sql: "INSERT INTO hyperparameters (agent, step, \"values\", at) VALUES (?, ?, ?, ?)",
                         arguments: [a.name, a.steps, values, Date().timeIntervalSince1970])
        }
      }
      for h in update.historical {
        let ordinal = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM historical") ?? 0
        try db.execute(sql: "INSERT OR IGNORE INTO historical VALUES (?, ?, ?)", arguments: [h.player.name, ordinal, try encode(HistoricalRow(h))])
      }
      for e in update.events {
        try db.execute(sql: "INSERT INTO events (kind, agents, reason, step, at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [e.kind.rawValue, e.agents.joined(separator: ","), e.reason, e.step, e.at])
      }
    }
  }

  /// The newest `limit` events, oldest first (all with nil).
  public func events(limit: Int? = nil) throws -> [LeagueEvent] {
    try db.read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM (SELECT * FROM events ORDER BY id DESC LIMIT ?) ORDER BY id", arguments: [limit ?? -1]).map { row in
        let agents: String = row["agents"]
        return LeagueEvent(kind: LeagueEvent.Kind(rawValue: row["kind"]) ?? .snapshot, agents: agents.split(separator: ",").map(String.init),
                           reason: row["reason"], step: row["step"], at: row["at"])
      }
    }
  }

  // MARK: Results

  /// Stores a result; false if this match's game was stored before (a retry).
  @discardableResult
  public func insert(_ r: LeagueResult) throws -> Bool {
    try db.write { db in
      try db.execute(sql: "INSERT OR IGNORE INTO results (match, game, home, away, score, at) VALUES (?, ?, ?, ?, ?, ?)",
                     arguments: [r.match, r.game, r.home, r.away, r.score, Date().timeIntervalSince1970])
      return db.changesCount > 0
    }
  }

  /// Every result, in the order they were stored.
  public func results() throws -> [LeagueResult] {
    try db.read { db in
      try Row.fetchAll(db, sql: "SELECT match, game, home, away, score FROM results ORDER BY id").map {
        LeagueResult(match: $0["match"], game: $0["game"], home: $0["home"], away: $0["away"], score: $0["score"])
      }
    }
  }

  public func resultCount() throws -> Int { try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM results") ?? 0 } }

  // MARK: Ratings and losses

  public func recordRatings(round: Int, _ ratings: [PlayerRating]) throws {
    try db.write { db in
      for r in ratings {
        try db.execute(sql: "INSERT OR REPLACE INTO ratings VALUES (?, ?, ?, ?, ?)",
                       arguments: [round, r.name, r.rating, r.margin.isFinite ? r.margin : 0, Date().timeIntervalSince1970])
      }
    }
  }

  public struct RatingPoint: Sendable, Equatable {
    public var round: Int
    public var player: String
    public var rating: Double
    public var margin: Double
    public var at: Double
  }

  public func ratingHistory() throws -> [RatingPoint] {
    try db.read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM ratings ORDER BY round, player").map {
        RatingPoint(round: $0["round"], player: $0["player"], rating: $0["rating"], margin: $0["margin"], at: $0["at"])
      }
    }
  }

  public struct TrainingRecord: Sendable, Equatable {
    public var row: Int64
    public var agent: String
    public var step: Int
    public var policyLoss: Double
    public var valueLoss: Double
  }

  /// The learners' reported losses written after database row `after` (a resent step is a new row).
  public func training(after row: Int64) throws -> [TrainingRecord] {
    try db.read { db in
      try Row.fetchAll(db, sql: "SELECT rowid, * FROM training WHERE rowid > ? ORDER BY rowid", arguments: [row]).map {
        TrainingRecord(row: $0["rowid"], agent: $0["agent"], step: $0["step"], policyLoss: $0["policy_loss"], valueLoss: $0["value_loss"])
      }
    }
  }

  public func recordTraining(agent: String, step: Int, policyLoss: Float, valueLoss: Float) throws {
    try db.write { db in
      try db.execute(sql: "INSERT OR REPLACE INTO training VALUES (?, ?, ?, ?, ?)",
                     arguments: [agent, step, Double(policyLoss), Double(valueLoss), Date().timeIntervalSince1970])
    }
  }
}

// The stored forms (JSON in a TEXT column: the shape can grow without migrations).

struct ReferenceRow: Codable {
  var generation: Int, path: String, sha256: String, steps: Int
  init(_ r: CheckpointReference) { (generation, path, sha256, steps) = (r.generation, r.path, r.sha256, r.steps) }
  var reference: CheckpointReference { CheckpointReference(generation: generation, path: path, sha256: sha256, steps: steps) }
}

func encodeHyperparameters(_ h: Hyperparameters) -> [String: Double] { Dictionary(uniqueKeysWithValues: h.map { ($0.key.rawValue, $0.value) }) }
func decodeHyperparameters(_ d: [String: Double]) -> Hyperparameters {
  Dictionary(uniqueKeysWithValues: d.compactMap { k, v in Hyperparameter(rawValue: k).map { ($0, v) } })
}

struct AgentRow: Codable {
  var name: String, role: AgentRole, steps: Int, samplesSeen: Int, model: ReferenceRow, initial: ReferenceRow
  var lastSnapshotStep: Int, lastReadyStep: Int, hyperparameters: [String: Double], lineage: [String]
  init(_ a: AgentState) {
    (name, role, steps, samplesSeen) = (a.name, a.role, a.steps, a.samplesSeen)
    (model, initial) = (ReferenceRow(a.model), ReferenceRow(a.initial))
    (lastSnapshotStep, lastReadyStep, lineage) = (a.lastSnapshotStep, a.lastReadyStep, a.lineage)
    hyperparameters = encodeHyperparameters(a.hyperparameters)
  }
  var state: AgentState {
    var a = AgentState(name: name, role: role, model: initial.reference, hyperparameters: decodeHyperparameters(hyperparameters))
    (a.steps, a.samplesSeen, a.model) = (steps, samplesSeen, model.reference)
    (a.lastSnapshotStep, a.lastReadyStep, a.lineage) = (lastSnapshotStep, lastReadyStep, lineage)
    return a
  }
}

struct HistoricalRow: Codable {
  var player: HistoricalPlayer, model: ReferenceRow, hyperparameters: [String: Double]
  init(_ h: HistoricalRecord) { (player, model, hyperparameters) = (h.player, ReferenceRow(h.model), encodeHyperparameters(h.hyperparameters)) }
  var record: HistoricalRecord { HistoricalRecord(player: player, model: model.reference, hyperparameters: decodeHyperparameters(hyperparameters)) }
}

func encode<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = .sortedKeys
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}

func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try JSONDecoder().decode(type, from: Data(text.utf8)) }
