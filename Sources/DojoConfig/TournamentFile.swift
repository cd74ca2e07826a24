// A tournament file (TOML, in league/): the game, the players, and how they meet. Every key is
// known; an unknown key or a bad value is an error naming the file and the key.

import Foundation
import TOMLKit

public struct TournamentFile: Sendable, Equatable {
  public var game: String
  /// (name, player spec) in order.
  public var players: [(name: String, spec: String)]
  public var format = "round_robin"
  public var rounds = 1
  public var games = 2
  public var openings = "random:2"
  public var seed: UInt64 = 1
  public var anchor: String?
  public var concurrency = 1

  public init(game: String, players: [(name: String, spec: String)]) {
    self.game = game
    self.players = players
  }

  public static func == (a: Self, b: Self) -> Bool {
    a.game == b.game && a.players.map(\.name) == b.players.map(\.name) && a.players.map(\.spec) == b.players.map(\.spec)
      && a.format == b.format && a.rounds == b.rounds && a.games == b.games && a.openings == b.openings && a.seed == b.seed
      && a.anchor == b.anchor && a.concurrency == b.concurrency
  }

  static let keys = ["game", "format", "rounds", "games", "openings", "seed", "anchor", "concurrency", "player"]

  public static func load(path: String) throws(ConfigError) -> TournamentFile {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
    try TOMLPrecheck.check(text, path: path)
    let table: TOMLTable
    do { table = try TOMLTable(string: text) } catch { throw .syntax(path, "\(error)") }
    for key in table.keys.sorted() where !keys.contains(key) { throw .unknownKey(path, key, known: keys) }
    guard let game = table["game"]?.string else { throw .missingKey(path, "game") }
    var file = TournamentFile(game: game, players: [])
    if let v = table["format"] { guard let s = v.string else { throw .wrongType(path, "format", "a string") }; file.format = s }
    if let v = table["openings"] { guard let s = v.string else { throw .wrongType(path, "openings", "a string") }; file.openings = s }
    if let v = table["anchor"] { guard let s = v.string else { throw .wrongType(path, "anchor", "a string") }; file.anchor = s }
    for (key, target) in [("rounds", \TournamentFile.rounds), ("games", \.games), ("concurrency", \.concurrency)] {
      if let v = table[key] {
        guard let n = v.int, n >= 1 else { throw .wrongType(path, key, "a positive integer") }
        file[keyPath: target] = n
      }
    }
    if let v = table["seed"] { guard let n = v.int, n >= 0 else { throw .wrongType(path, "seed", "a non-negative integer") }; file.seed = UInt64(n) }
    guard let list = table["player"]?.array else { throw .missingKey(path, "player (an array of [[player]] tables)") }
    for (i, item) in list.enumerated() {
      guard let t = item.table else { throw .wrongType(path, "player[\(i + 1)]", "a table") }
      for key in t.keys.sorted() where !["name", "spec"].contains(key) { throw .unknownKey(path, "player[\(i + 1)].\(key)", known: ["name", "spec"]) }
      guard let spec = t["spec"]?.string else { throw .missingKey(path, "player[\(i + 1)].spec") }
      file.players.append((t["name"]?.string ?? spec, spec))
    }
    return file
  }
}
