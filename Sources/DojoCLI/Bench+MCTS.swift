import ArgumentParser
import DojoArena
import DojoConfig
import DojoGames
import DojoNN
import DojoPlayers
import DojoSearch
import Foundation

struct BenchMCTS: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mcts",
    abstract: "Search speed and soundness: pure MCTS simulations/s, mistakes on the Connect Four positions, batched Gumbel search, time outside the network."
  )

  @Option(help: "The solver-scored positions file (default: games/connect_four/positions.tsv).")
  var positions = ScoredPosition.defaultFile

  @Option(help: "Seconds per speed measurement.")
  var seconds = 2.0

  func run() throws {
    setBLASThreadCount(1)
    var json: [String] = []
    // 1. Pure MCTS from the start, one game, one thread.
    var speeds: [String] = []
    for name in ["connect_four", "tic_tac_toe"] {
      var perBudget: [String] = []
      for sims in [1_000, 10_000] {
        let rate = PureMCTSSpeed(simulations: sims, seconds: seconds)(try GameRegistry.make(name))
        print(String(format: "pure MCTS %-12@ %6d simulations/move: %9.0f simulations/s", name as NSString, sims, rate))
        perBudget.append("\"\(sims)\":\(Int(rate))")
      }
      speeds.append("\"\(name)\":{\(perBudget.joined(separator: ","))}")
    }
    json.append("\"pure_mcts_sims_per_s\":{\(speeds.joined(separator: ","))}")
    // 2. Mistakes on the solver-scored positions at 1,000 simulations.
    let (mistakes, n) = try positionMistakes(simulations: 1_000)
    print(String(format: "pure MCTS, 1000 simulations: %.1f %% mistakes on %d positions", 100 * mistakes, n))
    json.append("\"mistake_rate\":\(String(format: "%.4f", mistakes)),\"positions\":\(n)")
    // 3. Batched Gumbel search with a trivial evaluator: 256 Connect Four positions, 32 simulations.
    let gumbel = batchedGumbelSpeed()
    print(String(format: "batched Gumbel, 256 games × 32 simulations, zero evaluator: %.0f simulations/s", gumbel))
    json.append("\"batched_gumbel_sims_per_s\":\(Int(gumbel))")
    // 4. Self-play with the default network: the share of time outside the network.
    let share = try outsideNetworkShare()
    print(String(format: "self-play with the default network: %.1f %% of the time outside the network", 100 * share))
    json.append("\"outside_network_share\":\(String(format: "%.4f", share))")
    print("{\"bench\":\"mcts\",\"dojo\":{\(json.joined(separator: ","))}}")
  }

  func positionMistakes(simulations: Int) throws -> (Double, Int) {
    let list: [ScoredPosition]
    do { list = try ScoredPosition.load(positions) } catch { throw CommandError("\(error)") }
    let game = ConnectFour<UInt64>()
    var config = SearchConfig()
    config.rootPolicy = .puct
    config.fpuReduction = 0
    let search = BatchedSearch(game: game, evaluator: RolloutEvaluator<ConnectFourState<UInt64>>(seed: 1), config: config, gameCount: list.count, seed: 1)
    for (i, p) in list.enumerated() { search.setRoot(i, try game.state(afterMoves: p.moves)) }
    let results = search.search(simulations: Array(repeating: simulations, count: list.count), noise: Array(repeating: false, count: list.count))
    let report = EvalReport(positions: list, choices: results.map(\.selectedAction))
    return (report.overall.mistakeRate, list.count)
  }

  func batchedGumbelSpeed() -> Double {
    let game = ConnectFour<UInt64>(), count = 256, sims = 32
    var config = SearchConfig()
    config.rootPolicy = .gumbel
    let search = BatchedSearch(game: game, evaluator: ZeroEvaluator<ConnectFourState<UInt64>>(), config: config, gameCount: count, seed: 3)
    var rng = SplitMix64(seed: 4)
    func resetRoots() {
      for i in 0..<count {
        var s = game.initialState()
        for _ in 0..<4 { let l = s.legalActions; s.apply(l[rng.next(below: l.count)]) }
        search.setRoot(i, s)
      }
    }
    return timed(seconds) {
      resetRoots()
      _ = search.search(simulations: Array(repeating: sims, count: count), noise: Array(repeating: true, count: count))
      return count * sims
    }
  }

  /// Plays Connect Four self-play moves with the configured network in a batch of 64 games and
  /// reports 1 − (time in the network) / (total time).
  func outsideNetworkShare() throws -> Double {
    let game = ConnectFour<UInt64>()
    let net = PolicyValueNet(config: try GameConfig.network(for: game), seed: 1)
    var config = SearchConfig()
    config.simulations = 32
    let count = 64
    let search = BatchedSearch(game: game, evaluator: NetworkEvaluator(game: game, engine: InferenceEngine(network: net)), config: config, gameCount: count, seed: 5)
    let clock = ContinuousClock(), t0 = clock.now
    for _ in 0..<8 {
      let results = search.search(simulations: Array(repeating: 32, count: count), noise: Array(repeating: true, count: count))
      for i in 0..<count {
        if search.roots[i].isTerminal { search.setRoot(i, game.initialState()) } else { search.advance(i, by: results[i].selectedAction) }
      }
    }
    return 1 - search.evaluator.networkSeconds / (clock.now - t0).seconds
  }
}

/// Uniform priors and a zero value: the cheapest possible evaluator, to time the search alone.
struct ZeroEvaluator<S: GameState>: Evaluator {
  mutating func evaluate(_ batch: inout LeafBatch<S>) {
    for i in 0..<batch.count {
      let r = batch.range(of: i)
      for j in r { batch.priors[j] = 1 / Float(r.count) }
      batch.values[i] = 0
    }
  }
}

struct PureMCTSSpeed: GameTask {
  let simulations: Int
  let seconds: Double
  func run<G: Game>(_ game: G) -> Double {
    var config = SearchConfig()
    config.rootPolicy = .puct
    config.fpuReduction = 0
    let search = BatchedSearch(game: game, evaluator: RolloutEvaluator<G.State>(seed: 1), config: config, gameCount: 1, seed: 1)
    return timed(seconds) {
      search.setRoot(0, game.initialState())
      _ = search.search(simulations: [simulations], noise: [false])
      return simulations
    }
  }
}
