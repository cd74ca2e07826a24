import ArgumentParser
import DojoGames
import Foundation

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Benchmarks. tools/bench runs them with their reference and prints ratios.",
    subcommands: [BenchGames.self, BenchNN.self, BenchSelfPlay.self, BenchMCTS.self, BenchCluster.self, BenchClusterPush.self, BenchClusterSubscribe.self]
  )
}

struct BenchGames: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "games",
    abstract: "Random playouts per second for every registered game (one thread)."
  )

  @Option(help: "Seconds of playouts per game.")
  var seconds = 2.0

  @Option(help: "Seed of the playouts.")
  var seed: UInt64 = 1

  func run() throws {
    var rates: [(String, Double)] = []
    // Every game at its defaults (Go: 9×9), and Go on 19×19 as "go_19".
    for (name, spec) in GameRegistry.entries.map({ ($0.name, $0.name) }) + [("go_19", "go(size=19,komi=7.5)")] {
      let game = try GameRegistry.make(spec)
      let (count, elapsed, plies) = MeasurePlayouts(seconds: seconds, seed: seed)(game)
      let rate = Double(count) / elapsed
      rates.append((name, rate))
      let label = name.padding(toLength: 14, withPad: " ", startingAt: 0)
      print(label + String(format: "%12.0f playouts/s  %6.1f plies/playout  ", rate, Double(plies) / Double(count)) + game.name)
    }
    let body = rates.map { "\"\($0.0)\":\(Int($0.1.rounded()))" }.joined(separator: ",")
    print("{\"bench\":\"games\",\"playouts_per_s\":{\(body)}}")
  }
}

/// Runs random playouts from the start for about `seconds`; returns (playouts, seconds, plies).
struct MeasurePlayouts: GameTask {
  let seconds: Double
  let seed: UInt64

  func run<G: Game>(_ game: G) -> (Int, Double, Int) {
    var rng = SplitMix64(seed: seed)
    var actions: [Action] = []
    actions.reserveCapacity(game.actionCount)
    let start = game.initialState()
    var count = 0, plies = 0
    let rate = timed(seconds) {
      for _ in 0..<64 { plies += randomPlayout(from: start, rng: &rng, actions: &actions).plyCount }
      count += 64
      return 64
    }
    return (count, Double(count) / rate, plies)
  }
}

/// Runs `body` (which returns the work it did) until `seconds` pass; returns work per second.
func timed(_ seconds: Double, _ body: () -> Int) -> Double {
  let clock = ContinuousClock(), t0 = clock.now
  var done = 0, elapsed = 0.0
  repeat {
    done += body()
    elapsed = (clock.now - t0).seconds
  } while elapsed < seconds
  return Double(done) / elapsed
}

extension Duration {
  /// The duration in seconds, as a Double.
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
