// `dojo check-run` on a sound run directory and on damaged copies of it: every kind of damage is
// found and named, and the exit status says so.

import DojoGames
import DojoNN
import DojoSearch
import DojoTestSupport
import DojoTraining
import DojoWire
import Foundation
import Testing

/// A small run directory: 12 validated games in the database and two checkpoints.
func makeSoundRun(_ dir: String) throws {
  try FileManager.default.createDirectory(atPath: dir + "/checkpoints", withIntermediateDirectories: true)
  try "game = \"tic_tac_toe\"\n".write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
  var config = SelfPlayConfig()
  config.search.simulations = 4
  config.resignThreshold = -2
  var games: [(message: Dojo_GameRecord, samples: Int)] = []
  SelfPlay(game: TicTacToe(), evaluator: HashEvaluator<TicTacToeState>(), config: config, parallelGames: 4, seed: 8).play(games: 12) {
    games.append((Dojo_GameRecord($0, game: TicTacToe().name, generation: 0, actor: "test"), $0.moves.filter(\.fullSearch).count))
  }
  _ = try RunStore(path: dir + "/run.sqlite").insertGames(games)
  let architecture = NetworkConfig.defaults(for: TicTacToe())
  for g in 1...2 {
    let net = PolicyValueNet(config: architecture, seed: UInt64(g))
    _ = try Checkpoint.write(net, optimizer: Optimizer(config: OptimizerConfig(), layout: net.layout),
                             metadata: CheckpointMetadata(game: TicTacToe().name, architecture: architecture, generation: g), to: dir + "/checkpoints/00000\(g)")
  }
}

func checkRun(_ dir: String) throws -> (status: Int32, output: String) {
  let p = try dojo(["check-run", dir], output: dir + ".out")
  p.waitUntilExit()
  return (p.terminationStatus, (try? String(contentsOfFile: dir + ".out", encoding: .utf8)) ?? "")
}

@Test func checkRunFindsEveryKindOfDamage() throws {
  let base = temporaryDirectory("check-run")
  try makeSoundRun(base + "/sound")
  let sound = try checkRun(base + "/sound")
  #expect(sound.status == 0 && sound.output.contains("no problems found"), "\(sound.output)")
  func damaged(_ name: String, _ damage: (String) throws -> Void) throws -> (status: Int32, output: String) {
    let dir = base + "/" + name
    try FileManager.default.copyItem(atPath: base + "/sound", toPath: dir)
    try damage(dir)
    return try checkRun(dir)
  }
  // Flipped bytes in a checkpoint's weights: its hash no longer matches.
  let flipped = try damaged("flipped") { dir in
    let path = dir + "/checkpoints/000002/model.safetensors"
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[bytes.count - 10] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: path))
  }
  #expect(flipped.status == 1 && flipped.output.contains("000002/model.safetensors"), "\(flipped.output)")
  // A missing file.
  let missing = try damaged("missing") { try FileManager.default.removeItem(atPath: $0 + "/checkpoints/000001/meta.json") }
  #expect(missing.status == 1 && missing.output.contains("000001/meta.json"), "\(missing.output)")
  // A truncated database.
  let truncated = try damaged("truncated") { dir in
    let path = dir + "/run.sqlite"
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
  }
  #expect(truncated.status == 1 && truncated.output.contains("run.sqlite"), "\(truncated.output)")
  // A stored game that breaks the rules (written behind the store's back).
  let illegal = try damaged("illegal") { dir in
    var record = Dojo_GameRecord()
    record.game = TicTacToe().name
    var m = Dojo_Move()
    m.action = 4
    m.player = .first
    record.moves = [m, m]
    _ = try RunStore(path: dir + "/run.sqlite").insertGames([(record, 0)])
  }
  #expect(illegal.status == 1 && illegal.output.contains("game 13") && illegal.output.contains("illegal"), "\(illegal.output)")
}
