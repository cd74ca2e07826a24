import DojoGames
import DojoNN
import DojoPlayers
import DojoSearch
import DojoTestSupport
import Testing
@testable import DojoTraining

/// Exact values (for the side to move) of every tic-tac-toe position, by negamax.
func ticTacToeValues() -> [TicTacToeState: Float] {
  var memo: [TicTacToeState: Float] = [:]
  func value(_ s: TicTacToeState) -> Float {
    if let v = memo[s] { return v }
    let v = s.outcome(for: s.currentPlayer) ?? s.legalActions.map { -value(s.applying($0)) }.max()!
    memo[s] = v
    return v
  }
  _ = value(TicTacToe().initialState())
  return memo
}

/// The share of reachable non-terminal positions where the network's policy alone picks a move
/// that loses value.
func policyMistakeRate(_ net: PolicyValueNet, _ values: [TicTacToeState: Float]) -> Double {
  var bot = PolicyBot(game: TicTacToe(), engine: InferenceEngine(network: net))
  var mistakes = 0, positions = 0
  for (s, v) in values where !s.isTerminal {
    positions += 1
    if -values[s.applying(bot.choose(s).action)]! < v { mistakes += 1 }
  }
  return Double(mistakes) / Double(positions)
}

/// The share of reachable non-terminal positions where the network with `simulations` of search
/// (all positions searched together) picks a move that loses value.
func searchMistakeRate(_ net: PolicyValueNet, _ values: [TicTacToeState: Float], simulations: Int) -> Double {
  let positions = values.keys.filter { !$0.isTerminal }
  let search = BatchedSearch(game: TicTacToe(), evaluator: NetworkEvaluator(game: TicTacToe(), engine: InferenceEngine(network: net)),
                             config: SearchConfig(), gameCount: positions.count, seed: 1)
  for (i, s) in positions.enumerated() { search.setRoot(i, s) }
  let results = search.search(simulations: Array(repeating: simulations, count: positions.count), noise: Array(repeating: false, count: positions.count))
  let mistakes = zip(positions, results).filter { s, r in -values[s.applying(r.selectedAction)]! < values[s]! }.count
  return Double(mistakes) / Double(positions.count)
}

/// The proof that it learns: tic-tac-toe from zero to no mistake in any of the 4,520
/// reachable positions (against exhaustive negamax), on a fixed budget of 1,920 games.
@Test func ticTacToeLearnsFromSelfPlay() {
  let seed: UInt64 = 2026
  let game = TicTacToe()
  var net = NetworkConfig.defaults(for: game)
  net.channels = 32
  var selfPlay = SelfPlayConfig()
  selfPlay.search.simulations = 16
  selfPlay.fullSearchProbability = 1
  selfPlay.resignThreshold = -2
  // Random openings put positions after bad play into the data: without them the raw policy stalls
  // near 7 % mistakes on this budget (measured), since self-play rarely visits those positions.
  selfPlay.randomOpeningPlies = 6
  var config = TrainingConfig()
  config.parallelGames = 16
  config.batchSize = 64
  config.samplesPerInsert = 12
  config.minReplaySize = 128
  config.rateErrorBuffer = 64
  config.optimizer = OptimizerConfig(kind: .adamw, schedule: .cosine(rate: 0.004, warmupSteps: 50, totalSteps: 2000, minimumRate: 0.0002),
                                     weightDecay: 1e-4)
  let network = PolicyValueNet(config: net, seed: seed)
  let values = ticTacToeValues()
  let before = policyMistakeRate(network, values)
  let untrainedSearch = searchMistakeRate(network, values, simulations: 64)
  let trainer = Trainer(game: game, network: network, selfPlay: selfPlay, training: config, gamesPerRound: 48, seed: seed)
  var reports: [RoundReport] = []
  for _ in 0..<40 { reports.append(trainer.runRound()) }
  let after = policyMistakeRate(network, values)
  let withSearch = searchMistakeRate(network, values, simulations: 64)
  // Measured at this seed: policy alone → 0.7 % mistakes; with 32 or 64 simulations 0 (the
  // untrained network with 64 simulations: 6.2 %). About 45 s of CPU in a debug build.
  #expect(trainer.gamesPlayed == 1920 && reports.reduce(0) { $0 + $1.steps } > 1000)
  #expect(before > 0.3 && after < 0.02, "seed \(seed): policy mistakes \(before) → \(after)")
  #expect(untrainedSearch > 0.03 && withSearch == 0, "seed \(seed): with 64 simulations \(untrainedSearch) → \(withSearch)")
}
