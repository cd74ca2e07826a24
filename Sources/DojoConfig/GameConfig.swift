// A game's configuration file, games/<name>/config.toml: which game, and the network's shape.
// Every key is known here, with its default; an unknown key, a wrong type or a bad value is an error
// that names the file and the key. Later sections (search, training) extend the same schema.

import DojoGames
import DojoNN
import Foundation
import TOMLKit

/// A game's configuration with every default filled in.
public struct GameConfig: Sendable {
  /// The game, with all its parameters.
  public var game: any Game
  public var network: NetworkConfig
  /// The file it came from, if any.
  public var path: String?

  /// The defaults for `game` (no file).
  public init(game: any Game) {
    self.game = game
    network = DefaultNetwork()(game)
  }

  /// The network games/<name>/config.toml (under `directory`) names, shaped for `game`, which may
  /// have other parameters than the file's (a 9×9 Gomoku takes the 15×15 file's trunk and heads);
  /// the built-in defaults where there is no file.
  public static func network(for game: any Game, directory: String = "games") throws(ConfigError) -> NetworkConfig {
    let path = "\(directory)/\(game.name.prefix { $0 != "(" })/config.toml"
    var network = GameConfig(game: game).network
    guard FileManager.default.fileExists(atPath: path) else { return network }
    let file = try load(path: path).network
    network.blocks = file.blocks
    network.channels = file.channels
    network.policyChannels = file.policyChannels
    network.valueChannels = file.valueChannels
    network.valueHidden = file.valueHidden
    network.valueHead = file.valueHead
    return network
  }

  /// The configuration in `path`.
  public static func load(path: String) throws(ConfigError) -> GameConfig {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
    return try parse(text, path: path)
  }

  /// The configuration in `text` (`path` names it in errors).
  public static func parse(_ text: String, path: String = "<config>") throws(ConfigError) -> GameConfig {
    let table: TOMLTable
    do { table = try TOMLTable(string: text) } catch { throw .syntax(path, "\(error)") }
    let reader = Reader(path: path)
    try reader.allow(table, section: nil, keys: ["game", "network"])
    let spec = try reader.string(table, "game", section: nil)
    guard let spec else { throw .missingKey(path, "game") }
    let game: any Game
    do { game = try GameRegistry.make(spec) } catch { throw .badValue(path, "game", error.description) }
    var config = GameConfig(game: game)
    config.path = path
    if let n = table["network"] {
      guard let section = n.table else { throw .wrongType(path, "network", "a table") }
      try reader.allow(section, section: "network", keys: NetworkKeys.all)
      var net = config.network
      if let v = try reader.int(section, "blocks", in: 0...100) { net.blocks = v }
      if let v = try reader.int(section, "channels", in: 1...1024) { net.channels = v }
      if let v = try reader.int(section, "policy_channels", in: 1...256) { net.policyChannels = v }
      if let v = try reader.int(section, "value_channels", in: 1...256) { net.valueChannels = v }
      if let v = try reader.int(section, "value_hidden", in: 1...4096) { net.valueHidden = v }
      if let v = try reader.string(section, "value_head", section: "network") {
        guard let head = ValueHead(rawValue: v) else {
          throw .badValue(path, "network.value_head", "'\(v)' is not one of " + ValueHead.allCases.map(\.rawValue).joined(separator: ", "))
        }
        net.valueHead = head
      }
      config.network = net
    }
    return config
  }

  /// The configuration written out with every key, as TOML (the effective config of a run).
  public var toml: String {
    let n = network
    return """
      game = "\(game.name)"

      [network]
      blocks = \(n.blocks)
      channels = \(n.channels)
      policy_channels = \(n.policyChannels)
      value_channels = \(n.valueChannels)
      value_hidden = \(n.valueHidden)
      value_head = "\(n.valueHead.rawValue)"

      """
  }
}

enum NetworkKeys {
  static let all = ["blocks", "channels", "policy_channels", "value_channels", "value_hidden", "value_head"]
}

/// The default network for any game (opened to its concrete type).
struct DefaultNetwork: GameTask {
  func run<G: Game>(_ game: G) -> NetworkConfig { NetworkConfig.defaults(for: game) }
}

/// Reads typed keys, naming the file and key in every error.
struct Reader {
  let path: String

  func allow(_ table: TOMLTable, section: String?, keys: [String]) throws(ConfigError) {
    for key in table.keys.sorted() where !keys.contains(key) {
      throw .unknownKey(path, section.map { "\($0).\(key)" } ?? key, known: keys)
    }
  }

  func int(_ table: TOMLTable, _ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
    guard let value = table[key] else { return nil }
    guard let v = value.int else { throw .wrongType(path, "network.\(key)", "an integer") }
    guard range.contains(v) else { throw .badValue(path, "network.\(key)", "\(v) is outside \(range.lowerBound)...\(range.upperBound)") }
    return v
  }

  func string(_ table: TOMLTable, _ key: String, section: String?) throws(ConfigError) -> String? {
    guard let value = table[key] else { return nil }
    guard let v = value.string else { throw .wrongType(path, section.map { "\($0).\(key)" } ?? key, "a string") }
    return v
  }
}

public enum ConfigError: Error, Equatable, CustomStringConvertible {
  case unreadable(String)
  case syntax(String, String)
  case unknownKey(String, String, known: [String])
  case missingKey(String, String)
  case wrongType(String, String, String)
  case badValue(String, String, String)

  public var description: String {
    switch self {
    case let .unreadable(p): "\(p): cannot read the file"
    case let .syntax(p, d): "\(p): not valid TOML: \(d)"
    case let .unknownKey(p, k, known): "\(p): unknown key '\(k)'; known here: " + known.joined(separator: ", ")
    case let .missingKey(p, k): "\(p): missing key '\(k)'"
    case let .wrongType(p, k, t): "\(p): '\(k)' must be \(t)"
    case let .badValue(p, k, d): "\(p): '\(k)': \(d)"
    }
  }
}
