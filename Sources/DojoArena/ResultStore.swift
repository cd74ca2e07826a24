// A tournament's results in SQLite (GRDB): each finished game is one committed transaction, so
// after Ctrl-C or kill -9 every game that was reported is still there, and `--resume` plays only
// the rest. The tournament's definition is stored too, so a resume with other settings is refused.

import Foundation
import GRDB

/// A SQLite database for state that must survive a crash: WAL (someone reading it, a dashboard,
/// `sqlite3`, a test, never blocks the writer), synchronous FULL (a committed transaction is on
/// disk), and a writer that finds it locked waits up to 30 s instead of failing.
public func openDurableDatabase(_ path: String) throws -> DatabaseQueue {
  var configuration = Configuration()
  configuration.busyMode = .timeout(30)
  configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL") }
  return try DatabaseQueue(path: path, configuration: configuration)
}

public final class ResultStore: @unchecked Sendable {
  let db: DatabaseQueue
  public let path: String

  public init(path: String) throws {
    self.path = path
    do {
      db = try openDurableDatabase(path)
      try db.write { db in
        try db.execute(sql: """
          CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE IF NOT EXISTS games (
            game_index INTEGER PRIMARY KEY, round INTEGER NOT NULL, first INTEGER NOT NULL, second INTEGER NOT NULL,
            opening INTEGER NOT NULL, opening_length INTEGER NOT NULL, moves TEXT NOT NULL,
            score_for_first REAL NOT NULL, reason TEXT NOT NULL, finished_at TEXT NOT NULL);
          """)
      }
    } catch {
      throw ArenaError.badInput("cannot open the tournament database \(path): \(error)")
    }
  }

  /// The stored definition, or nil for a new database.
  public func definition() throws -> String? {
    try db.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'definition'") }
  }

  public func setDefinition(_ json: String) throws {
    try db.write { try $0.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('definition', ?)", arguments: [json]) }
  }

  public func save(_ g: PlayedGame) throws {
    try db.write { db in
      try db.execute(sql: """
        INSERT OR REPLACE INTO games (game_index, round, first, second, opening, opening_length, moves, score_for_first, reason, finished_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """, arguments: [g.game.index, g.game.round, g.game.first, g.game.second, g.game.opening, g.openingLength,
                         g.moves.joined(separator: " "), g.scoreForFirst, g.reason, ISO8601DateFormatter().string(from: Date())])
    }
  }

  public func load() throws -> [PlayedGame] {
    try db.read { try Self.games(in: $0) }
  }

  /// The games in a tournament database (also for readers that opened it read-only).
  public static func games(in db: Database) throws -> [PlayedGame] {
    try Row.fetchAll(db, sql: "SELECT * FROM games ORDER BY game_index").map { row in
      let moves: String = row["moves"]
      return PlayedGame(
        game: ScheduledGame(index: row["game_index"], round: row["round"], first: row["first"], second: row["second"], opening: row["opening"]),
        moves: moves.isEmpty ? [] : moves.split(separator: " ").map(String.init), openingLength: row["opening_length"],
        scoreForFirst: row["score_for_first"], reason: row["reason"])
    }
  }

  /// The stored definition in a tournament database, or nil.
  public static func definition(in db: Database) throws -> TournamentDefinition? {
    guard let json = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'definition'") else { return nil }
    return try JSONDecoder().decode(TournamentDefinition.self, from: Data(json.utf8))
  }
}
