// Fuzz targets: one per parser of data that comes from outside a process. Each takes arbitrary
// bytes and must return (an error is fine; a crash, a hang or unbounded memory is a bug).
//
// Built two ways (tools/fuzz): with libFuzzer (`--sanitize=fuzzer,address -parse-as-library
// -D FUZZING`), where `LLVMFuzzerTestOneInput` runs the target named by DOJO_FUZZ_TARGET; and as a
// plain executable, `dojo-fuzz TARGET FILE...`, that replays inputs (the seed corpora in
// Tests/Fuzz/, every crash ever found) as a regression check.

import DojoArena
import DojoCluster
import DojoConfig
import DojoGTP
import DojoGames
import DojoNN
import DojoSearch
import DojoTelemetry
import DojoTraining
import DojoWire
import Foundation

enum FuzzTarget: String, CaseIterable {
  /// Any message to the replay store: envelope, version, body, every game validated under the rules.
  case envelope
  /// A checkpoint's files: safetensors (weights, optimizer state) and meta.json.
  case checkpoint
  /// A game's config file, a league file, a tournament-like TOML text.
  case config
  case league
  /// Moves in each game's notation, and a game replayed from them.
  case notation
  /// A solver-scored positions file.
  case positions
  /// An SGF record: its main line, and its moves read for every game SGF numbers.
  case sgf
  /// GTP commands, one per line, to Dojo's engine (loadsgf left out: it opens files).
  case gtp
}

/// A GTP brain that plays the first legal move (the engine's parsing is what is fuzzed).
final class FirstMoveBrain: GTPBrain {
  var simulations: Int { 0 }
  func move(_ state: GoState, simulations: Int) -> Action { state.legalActions[0] }
  func analyse(_ state: GoState, simulations: Int) -> [GTPMoveInfo]? { nil }
}

/// The replay store as a server sees requests (no database: validation and decoding only).
let replayService = ReplayService(replay: ReplayStore(game: ConnectFour<UInt64>(), config: TrainingConfig(), store: nil, seed: 1), log: RoleLog { _ in })
let gamesDirectory = ProcessInfo.processInfo.environment["DOJO_GAMES_DIR"] ?? "games"
let registered: [any Game] = GameRegistry.entries.compactMap { try? GameRegistry.make($0.name) }

func fuzz(_ target: FuzzTarget, _ data: Data) {
  let text = String(decoding: data, as: UTF8.self)
  switch target {
  case .envelope:
    _ = replayService.handle(data)
    if let e = try? Dojo_Envelope.open(data), case .submitGames(let s) = e.body {
      for g in s.games {
        guard let record = try? g.record() else { continue }
        for game in registered { check(record, game) }
      }
    }
  case .checkpoint:
    _ = try? SafeTensors.decode(data, path: "fuzz")
    // meta.json, then the weights, split at the first zero byte.
    let cut = data.firstIndex(of: 0) ?? data.endIndex
    _ = try? Checkpoint.decode(meta: data[..<cut], model: data[cut...], optimizer: data)
  case .config:
    _ = try? GameConfig.parse(text, path: "fuzz")
  case .league:
    _ = try? LeagueFile.parse(text, name: "fuzz", path: "fuzz", gamesDirectory: gamesDirectory)
  case .notation:
    let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init).prefix(400)
    for game in registered {
      for w in words { _ = game.action(fromNotation: w) }
      _ = try? game.state(afterMoves: Array(words))
    }
  case .positions:
    _ = try? ScoredPosition.parse(text, path: "fuzz")
  case .sgf:
    _ = try? SGF.mainLine(text)
    for game in registered where SGF.gameNumber(game) != nil { readSGF(text, game) }
  case .gtp:
    let engine = GTPEngine(version: "fuzz", game: Go(size: 9, komi: 7)) { _ in FirstMoveBrain() }
    for line in text.split(separator: "\n").prefix(200) where !line.contains("loadsgf") {
      _ = engine.handle(String(line))
    }
  }
}

func readSGF<G: Game>(_ text: String, _ game: G) { _ = try? SGF.moves(text, game: game) }

/// Validation under the rules of a game known only at run time (the existential opened).
func check<G: Game>(_ record: GameRecord, _ game: G) { _ = try? validate(record, in: game) }
