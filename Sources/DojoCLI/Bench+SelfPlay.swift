import ArgumentParser
import DojoConcurrency
import DojoConfig
import DojoGames
import DojoNN
import DojoSearch
import DojoTraining
import Foundation

/// `dojo bench selfplay`: what the network engine buys where it matters, self-play. One actor on
/// this thread plays the default configuration (its parallel games, full and cheap searches,
/// resignation) with an untrained network of the default shape, on the earlier engine (OpenBLAS
/// im2col + sgemm), on oneDNN in fp32 and in the precision `auto` picks on this CPU, one after the
/// other, same seed; positions of finished games per second.
struct BenchSelfPlay: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "selfplay",
    abstract: "Self-play positions/s of the default configuration, one actor on one thread, on OpenBLAS and on oneDNN (fp32 and auto) in the same run."
  )

  @Option(help: "Seconds per engine and net.")
  var seconds = 60.0

  @Option(help: "Nets to measure, as label=game pairs; each plays with games/<name>/config.toml's settings.")
  var nets = "connect_four=connect_four,9x9=gomoku(size=9)"

  func run() throws {
    setBLASThreadCount(1)
    let precision = InferencePrecision.auto.resolved
    let weightBits = precision == .int8 ? InferenceEngine.int8WeightBitsOnThisCPU : nil
    print("precision (auto): \(precision.rawValue)\(weightBits.map { ", \($0)-bit weights" } ?? ""); \(BLASCore.select())")
    var results: [String] = []
    for pair in nets.split(separator: ",") {
      let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
      let (label, spec) = parts.count == 2 ? (parts[0], parts[1]) : (parts[0], parts[0])
      let game = try GameRegistry.make(spec)
      let settings = try GameConfig.forGame(game).runSettings
      // The earlier engine, oneDNN in fp32, and oneDNN in the precision `auto` picks here (if not fp32).
      var engines: [(String, ConvolutionBackend, InferencePrecision)] = [("openblas", .openblas, .fp32), ("onednn_fp32", .onednn, .fp32)]
      if precision != .fp32 { engines.append(("onednn_\(precision.rawValue)", .onednn, precision)) }
      var rates: [String: Double] = [:]
      for (name, backend, p) in engines {
        rates[name] = SelfPlayRate(settings: settings, backend: backend, precision: p, seconds: seconds)(game)
        print(String(format: "%@ %@: %.1f positions/s", label as NSString, name as NSString, rates[name]!))
      }
      let best = engines.last!.0, speedup = rates[best]! / rates["openblas"]!
      print(String(format: "%@: self-play speedup %.2f× (%@ over openblas; parallel games %d, %d simulations full, %d cheap)", label as NSString,
                   speedup, best as NSString, settings.training.parallelGames, settings.selfPlay.search.simulations, settings.selfPlay.cheapSimulations))
      let perEngine = engines.map { "\"\($0.0)\":\(String(format: "%.1f", rates[$0.0]!))" }.joined(separator: ",")
      results.append("\"\(label)\":{\"selfplay_positions_per_s\":{\(perEngine)},\"selfplay_speedup\":\(String(format: "%.2f", speedup)),"
        + "\"speedup_engine\":\"\(best)\"}")
    }
    print("{\"bench\":\"selfplay\",\"precision\":\"\(precision.rawValue)\",\(weightBits.map { "\"int8_weight_bits\":\($0)," } ?? "")\"dojo\":{\(results.joined(separator: ","))}}")
  }
}

/// One actor's positions per second over `seconds` (of games the sink took).
struct SelfPlayRate: GameTask {
  let settings: RunSettings
  let backend: ConvolutionBackend
  let precision: InferencePrecision
  let seconds: Double

  func run<G: Game>(_ game: G) -> Double {
    let actor = SelfPlayActor(name: "bench", game: game, config: settings.selfPlay, parallelGames: settings.training.parallelGames,
                              architecture: settings.network, feed: ModelBoard(), sink: CountingSink(), seed: 7, onError: { _ in })
    actor.backend = backend
    actor.precision = precision
    let start = Date()
    actor.run { Date().timeIntervalSince(start) >= seconds }
    return Double(actor.counters.positions) / Date().timeIntervalSince(start)
  }
}

/// Takes every game and forgets it.
final class CountingSink: GameSink, Sendable {
  let count = Locked<Int64>(0)
  func submit(_ game: GameRecord, origin: GameOrigin) throws -> Int64 { count.withLock { $0 += 1; return $0 } }
}
