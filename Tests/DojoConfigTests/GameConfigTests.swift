import DojoConfig
import DojoGames
import DojoNN
import Foundation
import Testing

let root = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")

@Test("every game's config file loads and fits its game", arguments: GameRegistry.names)
func shippedConfigLoads(name: String) throws {
  let path = "\(root)/games/\(name)/config.toml"
  let config = try GameConfig.load(path: path)
  let game = try GameRegistry.make(name)
  #expect(config.game.name == game.name)
  let shape = game.observationShape
  #expect(config.network.inputPlanes == shape.planes && config.network.height == shape.rows && config.network.width == shape.columns)
  #expect(config.network.actionCount == game.actionCount)
  // Every key in the file is documented by a comment line above it.
  let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
  for (i, line) in lines.enumerated() where line.contains("=") && !line.hasPrefix("#") {
    #expect(i > 0 && lines[i - 1].hasPrefix("#"), "\(path): '\(line)' has no comment above it")
  }
  // Written out and read back, the effective config is the same.
  let again = try GameConfig.parse(config.toml)
  #expect(again.network == config.network && again.game.name == config.game.name)
}

@Test func configValuesOverrideDefaults() throws {
  let c = try GameConfig.parse("""
    game = "connect_four(rows=5,columns=6)"
    [network]
    blocks = 3
    channels = 16
    value_head = "wdl"
    """)
  #expect(c.network.blocks == 3 && c.network.channels == 16 && c.network.valueHead == .wdl)
  #expect(c.network.height == 5 && c.network.width == 6 && c.network.actionCount == 6)
  #expect(c.network.valueHidden == NetworkConfig.defaults(for: ConnectFour<UInt64>(rows: 5, columns: 6)).valueHidden)
}

@Test func badConfigsNameTheKey() {
  func message(_ text: String) -> String {
    do { _ = try GameConfig.parse(text, path: "x.toml"); return "" } catch { return error.description }
  }
  #expect(message("game = \"tic_tac_toe\"\n[network]\nblokcs = 3") == "x.toml: unknown key 'network.blokcs'; known here: blocks, channels, policy_channels, value_channels, value_hidden, value_head")
  #expect(message("game = \"tic_tac_toe\"\nlearning_rat = 0.1").contains("unknown key 'learning_rat'"))
  #expect(message("game = \"tic_tac_toe\"\n[network]\nblocks = \"five\"") == "x.toml: 'network.blocks' must be an integer")
  #expect(message("game = \"tic_tac_toe\"\n[network]\nchannels = 0").contains("'network.channels': 0 is outside 1...1024"))
  #expect(message("game = \"tic_tac_toe\"\n[network]\nvalue_head = \"sigmoid\"").contains("not one of tanh, wdl"))
  #expect(message("game = \"chess\"").contains("unknown game 'chess'"))
  #expect(message("[network]\nblocks = 1") == "x.toml: missing key 'game'")
  #expect(message("game = ").contains("not valid TOML"))
  #expect(throws: ConfigError.unreadable("/nonexistent.toml")) { try GameConfig.load(path: "/nonexistent.toml") }
}
