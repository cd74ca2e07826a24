// A training run's database (SQLite through GRDB, WAL, synchronous FULL): every acknowledged game
// (its full record, protobuf-encoded), the learner's statistics, checkpoints and gating results.
// A game is acknowledged only once its transaction has committed, so kill -9 loses nothing that
// was acknowledged; `dojo train --resume` rebuilds the replay window from here.

import DojoArena
import DojoWire
import Foundation
import GRDB

/// The disk (or the database's quota) is full: nothing of the transaction was stored; the caller
/// keeps what it tried to store and retries once there is space.
public struct StorageFull: Error, CustomStringConvertible {
  public var path: String
  public var detail: String
  public var description: String { "disk full: cannot write \(path) (\(detail))" }

  /// Runs `body`, turning SQLite's "database or disk is full" (and a write failing with ENOSPC)
  /// into `StorageFull`.
  static func translating<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as DatabaseError where e.resultCode == .SQLITE_FULL || (e.resultCode == .SQLITE_IOERR && errno == ENOSPC) {
      throw StorageFull(path: path, detail: e.message ?? "\(e.resultCode)")
    }
  }
}

public final class RunStore: @unchecked Sendable {
  let db: DatabaseQueue
  public let path: String

  public init(path: String) throws {
    self.path = path
    do {
      db = try openDurableDatabase(path)
      try db.write { db in
        // Databases from before replay tables: every game was in "main".
        if try db.tableExists("games"), try !db.columns(in: "games").contains(where: { $0.name == "table_name" }) {
          try db.execute(sql: "ALTER TABLE games ADD COLUMN table_name TEXT NOT NULL DEFAULT 'main'")
        }
        // Databases from before exactly-once: games had no unique id.
        if try db.tableExists("games"), try !db.columns(in: "games").contains(where: { $0.name == "uid" }) {
          try db.execute(sql: "ALTER TABLE games ADD COLUMN uid TEXT NOT NULL DEFAULT ''")
        }
        try db.execute(sql: """
          CREATE TABLE IF NOT EXISTS games (
            id INTEGER PRIMARY KEY, table_name TEXT NOT NULL DEFAULT 'main', uid TEXT NOT NULL DEFAULT '', generation INTEGER NOT NULL, actor TEXT NOT NULL, plies INTEGER NOT NULL,
            samples INTEGER NOT NULL, outcome REAL NOT NULL, resigned INTEGER NOT NULL, record BLOB NOT NULL,
            finished_at REAL NOT NULL);
          CREATE INDEX IF NOT EXISTS games_by_table ON games (table_name, id);
          CREATE UNIQUE INDEX IF NOT EXISTS games_by_uid ON games (uid) WHERE uid != '';
          CREATE TABLE IF NOT EXISTS training (
            step INTEGER PRIMARY KEY, samples_seen INTEGER NOT NULL, policy_loss REAL NOT NULL, value_loss REAL NOT NULL,
            learning_rate REAL NOT NULL, at REAL NOT NULL);
          CREATE TABLE IF NOT EXISTS checkpoints (
            generation INTEGER PRIMARY KEY, path TEXT NOT NULL, steps INTEGER NOT NULL, samples_seen INTEGER NOT NULL,
            games INTEGER NOT NULL, at REAL NOT NULL);
          CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
          CREATE TABLE IF NOT EXISTS gates (
            candidate INTEGER PRIMARY KEY, best INTEGER NOT NULL, accepted INTEGER NOT NULL, wins INTEGER NOT NULL,
            draws INTEGER NOT NULL, losses INTEGER NOT NULL, elo REAL NOT NULL, elo_error REAL NOT NULL,
            rating REAL NOT NULL, reason TEXT NOT NULL, at REAL NOT NULL);
          CREATE TABLE IF NOT EXISTS benchmarks (
            generation INTEGER NOT NULL, opponent TEXT NOT NULL, wins INTEGER NOT NULL, draws INTEGER NOT NULL,
            losses INTEGER NOT NULL, forfeits INTEGER NOT NULL, at REAL NOT NULL, PRIMARY KEY (generation, opponent));
          """)
      }
    } catch {
      throw InvalidRun("cannot open the run database \(path): \(error)")
    }
  }

  /// A game's id in the database, and whether this call stored it (false: a game with its uid was
  /// stored before, and this is that game's id).
  public struct StoredGame: Sendable, Equatable {
    public var id: Int64
    public var isNew: Bool
  }

  /// Stores validated games in one transaction; returns their ids once committed. A game whose uid
  /// is already stored is not stored again (exactly once): its existing id comes back.
  /// `finishedAt` (seconds since 1970) is the time to record, now unless given (tests).
  public func insertGames(_ games: [(message: Dojo_GameRecord, samples: Int)], table: String = "main",
                          finishedAt: Double? = nil) throws -> [StoredGame] {
    if games.isEmpty { return [] }
    return try StorageFull.translating(path) { try db.write { db in
      let now = finishedAt ?? Date().timeIntervalSince1970
      let statement = try db.makeStatement(sql: """
        INSERT INTO games (table_name, uid, generation, actor, plies, samples, outcome, resigned, record, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
      let find = try db.makeStatement(sql: "SELECT id FROM games WHERE uid = ?")
      var seen: [String: Int64] = [:]
      return try games.map { g in
        let uid = g.message.uid
        if !uid.isEmpty, let id = try seen[uid] ?? Int64.fetchOne(find, arguments: [uid]) { return StoredGame(id: id, isNew: false) }
        try statement.execute(arguments: [table, uid, Int(g.message.generation), g.message.actor, g.message.moves.count, g.samples,
                                          Double(g.message.outcomeForFirst), g.message.resigned == .nobody ? 0 : 1, g.message.encoded(), now])
        if !uid.isEmpty { seen[uid] = db.lastInsertedRowID }
        return StoredGame(id: db.lastInsertedRowID, isNew: true)
      }
    } }
  }

  public struct GameCounts: Sendable, Equatable {
    public var games: Int
    public var samples: Int
  }

  /// Games and samples stored, in one table or (nil) in all.
  public func gameCounts(table: String? = nil) throws -> GameCounts {
    try db.read { db in
      let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(samples), 0) AS s FROM games WHERE ? IS NULL OR table_name = ?",
                                 arguments: [table, table])!
      return GameCounts(games: row["n"], samples: row["s"])
    }
  }

  /// A named counter (0 if never set), e.g. the replay server's samples drawn.
  public func counter(_ name: String) throws -> Int {
    try db.read { try Int.fetchOne($0, sql: "SELECT value FROM counters WHERE name = ?", arguments: [name]) } ?? 0
  }

  public func setCounter(_ name: String, _ value: Int) throws {
    try db.write { try $0.execute(sql: "INSERT OR REPLACE INTO counters VALUES (?, ?)", arguments: [name, value]) }
  }

  /// Stored games, how many distinct uids they carry, and how many carry none (stored before
  /// exactly-once): rows == distinct + none means no game is stored twice.
  public func uidCounts() throws -> (rows: Int, distinct: Int, none: Int) {
    try db.read { db in
      let row = try Row.fetchOne(db, sql: """
        SELECT COUNT(*) AS n, COUNT(DISTINCT NULLIF(uid, '')) AS d, SUM(CASE WHEN uid = '' THEN 1 ELSE 0 END) AS e FROM games
        """)!
      return (row["n"], row["d"], (row["e"] as Int?) ?? 0)
    }
  }

  /// SQLite's own check of the whole file: empty when sound, else what it found.
  public func integrityProblems() throws -> [String] {
    try db.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }.filter { $0 != "ok" }
  }

  /// Every stored game in id order: its id, table and stored record (bytes, decoded by the caller).
  public func forEachGame(_ body: (Int64, String, Data) throws -> Void) throws {
    try db.read { db in
      let cursor = try Row.fetchCursor(db, sql: "SELECT id, table_name, record FROM games ORDER BY id")
      while let row = try cursor.next() { try body(row["id"], row["table_name"], row["record"]) }
    }
  }

  /// The ids of the stored games, in order.
  public func gameIDs() throws -> [Int64] {
    try db.read { try Int64.fetchAll($0, sql: "SELECT id FROM games ORDER BY id") }
  }

  /// The newest games, oldest first, holding at least `samples` samples (or all there are).
  public func recentGames(samples: Int, table: String = "main") throws -> [Dojo_GameRecord] {
    try db.read { db in
      var out: [Dojo_GameRecord] = [], total = 0
      let cursor = try Row.fetchCursor(db, sql: "SELECT samples, record FROM games WHERE table_name = ? ORDER BY id DESC", arguments: [table])
      while total < samples, let row = try cursor.next() {
        out.append(try Dojo_GameRecord.decode(row["record"]))
        total += row["samples"] as Int
      }
      return out.reversed()
    }
  }

  public func recordTraining(step: Int, samplesSeen: Int, policyLoss: Float, valueLoss: Float, learningRate: Float) throws {
    try db.write { db in
      try db.execute(sql: "INSERT OR REPLACE INTO training VALUES (?, ?, ?, ?, ?, ?)",
                     arguments: [step, samplesSeen, Double(policyLoss), Double(valueLoss), Double(learningRate), Date().timeIntervalSince1970])
    }
  }

  /// Forgets the statistics of steps after `step` (lost in a crash, to be trained again).
  public func forgetTraining(after step: Int) throws {
    try db.write { try $0.execute(sql: "DELETE FROM training WHERE step > ?", arguments: [step]) }
  }

  public struct TrainingPoint: Sendable, Equatable {
    public var step: Int
    public var policyLoss: Double
    public var valueLoss: Double
    public var learningRate: Double = 0
  }

  /// The learner's records (every 10 steps), those after optimizer step `after` only if given.
  public func trainingCurve(after: Int = -1) throws -> [TrainingPoint] {
    try db.read { db in
      try Row.fetchAll(db, sql: "SELECT step, policy_loss, value_loss, learning_rate FROM training WHERE step > ? ORDER BY step",
                       arguments: [after]).map {
        TrainingPoint(step: $0["step"], policyLoss: $0["policy_loss"], valueLoss: $0["value_loss"], learningRate: $0["learning_rate"])
      }
    }
  }

  /// A checkpoint as the learner recorded it: when (seconds since 1970) and after how much training.
  public struct CheckpointRecord: Sendable, Equatable {
    public var generation: Int
    public var path: String
    public var steps: Int
    public var games: Int
    public var at: Double
  }

  public func checkpoints() throws -> [CheckpointRecord] {
    try db.read { db in
      try Row.fetchAll(db, sql: "SELECT generation, path, steps, games, at FROM checkpoints ORDER BY generation").map {
        CheckpointRecord(generation: $0["generation"], path: $0["path"], steps: $0["steps"], games: $0["games"], at: $0["at"])
      }
    }
  }

  /// The run's training clock: from its first game, with every stretch longer than `idle` seconds
  /// in which no game finished counted as a stop (a run stopped and resumed later); nil before the
  /// first game. While a run trains its games finish many times a minute.
  public func trainingClock(idle: Double = 120) throws -> TrainingClock? {
    try db.read { db in
      guard let start = try Double.fetchOne(db, sql: "SELECT MIN(finished_at) FROM games") else { return nil }
      let rows = try Row.fetchAll(db, sql: """
        SELECT previous, finished_at FROM (SELECT finished_at, LAG(finished_at) OVER (ORDER BY finished_at) AS previous FROM games)
        WHERE finished_at - previous > ? ORDER BY finished_at
        """, arguments: [idle])
      return TrainingClock(start: start, stops: rows.map { ($0[0] as Double)...($0[1] as Double) })
    }
  }

  public func recordCheckpoint(generation: Int, path: String, steps: Int, samplesSeen: Int, games: Int) throws {
    try db.write { db in
      try db.execute(sql: "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?, ?)",
                     arguments: [generation, path, steps, samplesSeen, games, Date().timeIntervalSince1970])
    }
  }

  public struct GateRecord: Sendable, Equatable {
    public var candidate: Int
    public var best: Int
    public var accepted: Bool
    public var wins: Int, draws: Int, losses: Int
    public var elo: Double, eloError: Double
    /// The candidate's rating on the run's scale (generation 1 at 0): the best's rating plus `elo`.
    public var rating: Double
    public var reason: String
    /// Training steps behind the candidate (from the checkpoints table).
    public var steps: Int = 0

    public init(candidate: Int, best: Int, accepted: Bool, wins: Int, draws: Int, losses: Int, elo: Double, eloError: Double,
                rating: Double, reason: String) {
      self.candidate = candidate
      self.best = best
      self.accepted = accepted
      self.wins = wins
      self.draws = draws
      self.losses = losses
      self.elo = elo
      self.eloError = eloError
      self.rating = rating
      self.reason = reason
    }
  }

  public func recordGate(_ g: GateRecord) throws {
    try db.write { db in
      try db.execute(sql: "INSERT OR REPLACE INTO gates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     arguments: [g.candidate, g.best, g.accepted ? 1 : 0, g.wins, g.draws, g.losses, g.elo, g.eloError, g.rating,
                                 g.reason, Date().timeIntervalSince1970])
    }
  }

  /// An accepted checkpoint's games against the run's fixed benchmark opponent (`[gating] benchmark`).
  public struct BenchmarkRecord: Sendable, Equatable {
    public var generation: Int
    public var opponent: String
    public var wins: Int, draws: Int, losses: Int
    /// Games the opponent forfeited (an outside engine that hung, exited or played an illegal move);
    /// counted among the wins.
    public var forfeits: Int
    /// Training steps behind the checkpoint (from the checkpoints table).
    public var steps: Int = 0
    public var games: Int { wins + draws + losses }
    /// The checkpoint's score: (wins + draws / 2) / games.
    public var score: Double { games == 0 ? 0 : (Double(wins) + Double(draws) / 2) / Double(games) }

    public init(generation: Int, opponent: String, wins: Int, draws: Int, losses: Int, forfeits: Int) {
      self.generation = generation
      self.opponent = opponent
      self.wins = wins
      self.draws = draws
      self.losses = losses
      self.forfeits = forfeits
    }
  }

  public func recordBenchmark(_ b: BenchmarkRecord) throws {
    try db.write { db in
      try db.execute(sql: "INSERT OR REPLACE INTO benchmarks VALUES (?, ?, ?, ?, ?, ?, ?)",
                     arguments: [b.generation, b.opponent, b.wins, b.draws, b.losses, b.forfeits, Date().timeIntervalSince1970])
    }
  }

  public func benchmarks() throws -> [BenchmarkRecord] {
    try db.read { db in
      try Row.fetchAll(db, sql: """
        SELECT b.*, COALESCE(c.steps, 0) AS steps FROM benchmarks b LEFT JOIN checkpoints c ON c.generation = b.generation
        ORDER BY b.generation, b.opponent
        """).map { row in
        var b = BenchmarkRecord(generation: row["generation"], opponent: row["opponent"], wins: row["wins"], draws: row["draws"],
                                losses: row["losses"], forfeits: row["forfeits"])
        b.steps = row["steps"]
        return b
      }
    }
  }

  public func gates() throws -> [GateRecord] {
    try db.read { db in
      try Row.fetchAll(db, sql: """
        SELECT g.*, COALESCE(c.steps, 0) AS steps FROM gates g LEFT JOIN checkpoints c ON c.generation = g.candidate ORDER BY candidate
        """).map { row in
        var g = GateRecord(candidate: row["candidate"], best: row["best"], accepted: (row["accepted"] as Int) != 0, wins: row["wins"],
                           draws: row["draws"], losses: row["losses"], elo: row["elo"], eloError: row["elo_error"], rating: row["rating"],
                           reason: row["reason"])
        g.steps = row["steps"]
        return g
      }
    }
  }
}

/// A run directory or database that cannot be used, and why.
public struct InvalidRun: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
