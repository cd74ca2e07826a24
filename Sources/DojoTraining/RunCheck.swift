// Checking a run directory after a crash, a full disk or a copy: `dojo check-run DIR`. Every problem
// found is named (the file, the game id, the checkpoint); nothing is repaired.

import DojoGames
import DojoNN
import DojoWire
import Foundation

public enum RunCheck {
  /// Problems in the games database at `path`: SQLite's integrity check, then every stored game
  /// decoded and replayed under the rules of `game`. `progress` gets the games checked so far.
  public static func games<G: Game>(_ path: String, game: G, progress: (Int) -> Void = { _ in }) -> [String] {
    guard FileManager.default.fileExists(atPath: path) else { return ["\(path): missing"] }
    var problems: [String] = []
    do {
      let store = try RunStore(path: path)
      problems += try store.integrityProblems().map { "\(path): \($0)" }
      var n = 0
      try store.forEachGame { id, table, bytes in
        n += 1
        if n % 1000 == 0 { progress(n) }
        do {
          let message = try Dojo_GameRecord.decode(bytes)
          guard message.game == game.name else { throw InvalidGame("a game of \(message.game), not \(game.name)") }
          try validate(try message.record(), in: game)
        } catch {
          problems.append("\(path): game \(id) (table \(table)): \(error)")
        }
      }
      progress(n)
    } catch {
      problems.append("\(path): \(error)")
    }
    return problems
  }

  /// Problems with the checkpoints in `folder` (each sub-folder named by a generation): each must
  /// load whole (weights and optimizer state) and match its recorded hash.
  public static func checkpoints(_ folder: String, game: String) -> (checked: Int, problems: [String]) {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { Int($0) != nil }.sorted()
    var problems: [String] = []
    for name in names {
      do { _ = try Checkpoint.read("\(folder)/\(name)", game: game) } catch { problems.append("\(error)") }
    }
    return (names.count, problems)
  }
}
