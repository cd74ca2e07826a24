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

@Test func ticTacToeLearnsFromSelfPlay() {
  let seed: UInt64 = 2026
  let game = TicTacToe()
  var net = NetworkConfig.defaults(for: game)
  net.channels = 16
  var selfPlay = SelfPlayConfig()
  selfPlay.search.simulations = 16
  selfPlay.fullSearchProbability = 1
  selfPlay.resignThreshold = -2
  var config = TrainingConfig()
  config.parallelGames = 16
  config.batchSize = 64
  config.samplesPerInsert = 8
  config.minReplaySize = 128
  config.rateErrorBuffer = 64
  let network = PolicyValueNet(config: net, seed: seed)
  let values = ticTacToeValues()
  let before = policyMistakeRate(network, values)
  let trainer = Trainer(game: game, network: network, selfPlay: selfPlay, training: config, gamesPerRound: 48, seed: seed)
  var reports: [RoundReport] = []
  for _ in 0..<30 { reports.append(trainer.runRound()) }
  let after = policyMistakeRate(network, values)
  let withSearch = searchMistakeRate(network, values, simulations: 32)
  // Measured at this seed: policy alone 42 % → 8.4 % mistakes; with 32 simulations 0.55 %.
  #expect(trainer.gamesPlayed == 1440 && reports.reduce(0) { $0 + $1.steps } > 50)
  #expect(before > 0.3 && after < 0.15, "seed \(seed): policy mistakes \(before) → \(after)")
  #expect(withSearch < 0.02, "seed \(seed): with 32 simulations \(withSearch)")
}
