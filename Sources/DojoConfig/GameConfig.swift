// A game's configuration file, games/<name>/config.toml: which game, the network's shape, search,
// self-play, training and gating (the keys are in ConfigKeys.swift). Every key is known, with its
// default; an unknown key, a wrong type or a bad value is an error that names the file and the key.

import DojoGames
import DojoNN
import DojoPlayers
import DojoSearch
import DojoTraining
import Foundation
import TOMLKit

/// A game's configuration with every default filled in.
public struct GameConfig: Sendable {
  /// The game, with all its parameters.
  public var game: any Game
  public var network: NetworkConfig
  public var selfPlay = SelfPlayConfig()
  public var training = TrainingConfig()
  public var gating = GatingConfig()
  /// `network.inference_precision`: the actors' tower on oneDNN in fp32, bf16, or what suits the CPU.
  public var inferencePrecision = InferencePrecision.auto
  /// The file it came from, if any.
  public var path: String?

  /// The defaults for `game` (no file).
  public init(game: any Game) {
    self.game = game
    network = DefaultNetwork()(game)
  }

  /// The settings of a training run.
  public var runSettings: RunSettings {
    RunSettings(network: network, selfPlay: selfPlay, training: training, gating: gating, inferencePrecision: inferencePrecision)
  }

  /// games/<name>/config.toml (under `directory`) applied to `game`, which may have other
  /// parameters than the file's (a 9×9 Gomoku takes the 15×15 file's trunk, search and training);
  /// the built-in defaults where there is no file.
  public static func forGame(_ game: any Game, directory: String = GameFiles.directoryOrDefault) throws(ConfigError) -> GameConfig {
    let path = file(for: game, directory: directory)
    var config = GameConfig(game: game)
    guard FileManager.default.fileExists(atPath: path) else { return config }
    let file = try load(path: path)
    config.network.blocks = file.network.blocks
    config.network.channels = file.network.channels
    config.network.policyChannels = file.network.policyChannels
    config.network.valueChannels = file.network.valueChannels
    config.network.valueHidden = file.network.valueHidden
    config.network.valueHead = file.network.valueHead
    config.inferencePrecision = file.inferencePrecision
    config.selfPlay = file.selfPlay
    config.training = file.training
    config.gating = file.gating
    config.path = path
    return config
  }

  /// games/<name>/config.toml for `game` (any parameters) under `directory`.
  public static func file(for game: any Game, directory: String = GameFiles.directoryOrDefault) -> String {
    "\(directory)/\(game.name.prefix { $0 != "(" })/config.toml"
  }

  /// Where `forGame` takes `game`'s settings from, for a run's first lines: the file, or the
  /// built-in defaults and why.
  public static func source(for game: any Game, directory: String = GameFiles.directoryOrDefault) -> String {
    let path = file(for: game, directory: directory)
    return FileManager.default.fileExists(atPath: path) ? path
      : "Dojo's built-in defaults (no \(path); run from the repository root, or set DOJO_GAMES to its games folder)"
  }

  /// The network games/<name>/config.toml names, shaped for `game` (see `forGame`).
  public static func network(for game: any Game, directory: String = GameFiles.directoryOrDefault) throws(ConfigError) -> NetworkConfig {
    try forGame(game, directory: directory).network
  }

  /// The configuration in `path`.
  public static func load(path: String) throws(ConfigError) -> GameConfig {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
    return try parse(text, path: path)
  }

  /// The configuration in `text` (`path` names it in errors).
  public static func parse(_ text: String, path: String = "<config>") throws(ConfigError) -> GameConfig {
    try TOMLPrecheck.check(text, path: path)
    let table: TOMLTable
    do { table = try TOMLTable(string: text) } catch { throw .syntax(path, "\(error)") }
    let sections = ConfigSchema.sections
    for key in table.keys.sorted() where key != "game" && !sections.contains(where: { $0.name == key }) {
      throw .unknownKey(path, key, known: ["game"] + sections.map(\.name))
    }
    guard let value = table["game"] else { throw .missingKey(path, "game") }
    guard let spec = value.string else { throw .wrongType(path, "game", "a string") }
    let game: any Game
    do { game = try GameRegistry.make(spec) } catch { throw .badValue(path, "game", error.description) }
    var config = GameConfig(game: game)
    config.path = path
    try config.override(with: table, path: path)
    return config
  }

  /// The sections of `table` (network, search, selfplay, training, gating) applied on top of this
  /// configuration; keys outside them are left to the caller. Errors name `prefix` + the key.
  public mutating func override(with table: TOMLTable, path: String, prefix: String = "") throws(ConfigError) {
    for section in ConfigSchema.sections {
      guard let s = table[section.name] else { continue }
      guard let t = s.table else { throw .wrongType(path, prefix + section.name, "a table") }
      let known = section.keys.map(\.name)
      for key in t.keys.sorted() where !known.contains(key) {
        throw .unknownKey(path, "\(prefix)\(section.name).\(key)", known: known)
      }
      for key in section.keys {
        if let v = t[key.name] { try key.read(&self, v, path, "\(prefix)\(section.name).\(key.name)") }
      }
    }
    training.applySchedule()
    if case .gtp? = try? PlayerSpec(parsing: gating.benchmark), !(game is Go) {
      throw .badValue(path, prefix + "gating.benchmark", "GTP engines play Go, not \(game.name)")
    }
    guard training.schedule == .constant || training.warmupSteps < training.totalSteps else {
      throw .badValue(path, prefix + "training.warmup_steps", "\(training.warmupSteps) is not below total_steps \(training.totalSteps)")
    }
    if let problem = gating.sprtProblem { throw .badValue(path, prefix + "gating." + problem.key, problem.reason) }
  }

  /// The section names an override table may hold.
  public static var sectionNames: [String] { ConfigSchema.sections.map(\.name) }

  /// The configuration written out with every key and its meaning, as TOML (the effective config
  /// of a run, and the starting point of a game's config file).
  public var toml: String {
    var out = "# The game, with every parameter written out.\ngame = \"\(game.name)\"\n"
    for section in ConfigSchema.sections {
      out += "\n# \(section.doc)\n[\(section.name)]\n"
      for key in section.keys {
        out += key.doc.split(separator: "\n").map { "# \($0)\n" }.joined()
        out += "\(key.name) = \(key.write(self))\n"
      }
    }
    return out
  }
}

/// The default network for any game (opened to its concrete type).
struct DefaultNetwork: GameTask {
  func run<G: Game>(_ game: G) -> NetworkConfig { NetworkConfig.defaults(for: game) }
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
