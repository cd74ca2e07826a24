// Every stored game of a run, league or tournament directory as SGF files (`dojo sgf export`):
// the same records the dashboard serves, each move's search value and top moves in its comment.

import DojoArena
import DojoGames
import Foundation
import GRDB

public enum SGFExport {
  /// Writes each game stored in `directory` to `folder` as `<directory name>-<game id>.sgf`
  /// (the folder is made if missing); `progress(done, total)` after each. Returns the files written.
  /// A game without an SGF number (tic-tac-toe, Connect Four) is an error before anything is written.
  @discardableResult
  public static func export(_ directory: String, to folder: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> Int {
    let source = try DashboardSource.open(directory, id: 0)
    let ids = try gameIDs(source)
    guard let firstID = ids.first else { return 0 }
    let first = try StoredGameRecord.load(source, id: firstID)
    guard SGF.gameNumber(first.game) != nil else {
      throw DashboardError("\(directory): \(first.game.name) has no SGF game number (SGF has Go, Othello, Gomoku and Hex)")
    }
    do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
      throw DashboardError("\(folder): cannot make the folder (\(error.localizedDescription))")
    }
    for (n, id) in ids.enumerated() {
      let record = n == 0 ? first : try StoredGameRecord.load(source, id: id)
      _ = try record.view(id: id, sgfAddress: "")  // replays it under the rules: an illegal stored move is an error naming it
      guard let text = record.sgf() else { throw DashboardError("\(directory): game \(id) (\(record.game.name)) has no SGF game number") }
      let file = "\(folder)/\(source.name)-\(id).sgf"
      do { try text.write(toFile: file, atomically: true, encoding: .utf8) } catch {
        throw DashboardError("\(file): cannot write (\(error.localizedDescription))")
      }
      progress(n + 1, ids.count)
    }
    return ids.count
  }

  /// The stored games' ids, oldest first.
  static func gameIDs(_ source: DashboardSource) throws -> [Int64] {
    guard let db = try source.gamesDatabase() else { return [] }
    return try db.read { db in
      if source.kind == .tournament { return try ResultStore.games(in: db).map { Int64($0.game.index) }.sorted() }
      return try Int64.fetchAll(db, sql: "SELECT id FROM games ORDER BY id")
    }
  }
}
