// The evaluator's fixed benchmark: every accepted checkpoint plays `[gating] benchmark` (any player
// spec, an outside GTP engine included); the score is kept per generation; an opponent that
// forfeits everything is an error that names why.

import DojoGames
import DojoNN
import DojoTestSupport
import DojoTraining
import Foundation
import Testing

/// A fresh network for `game` written as a checkpoint of `generation`.
func writeCheckpoint(_ game: some Game, generation: Int, seed: UInt64, in dir: String) throws -> CheckpointReference {
  let config = NetworkConfig.defaults(for: game)
  let path = dir + "/checkpoints/\(generation)"
  try Checkpoint.write(PolicyValueNet(config: config, seed: seed), optimizer: nil,
                       metadata: CheckpointMetadata(game: game.name, architecture: config, generation: generation), to: path)
  return CheckpointReference(generation: generation, path: path, sha256: "test-\(generation)")
}

@Test func acceptedCheckpointsPlayTheBenchmarkAndTheScoreIsKept() throws {
  let dir = temporaryDirectory("benchmark")
  let store = try RunStore(path: dir + "/run.sqlite")
  let game = TicTacToe()
  var config = GatingConfig()
  config.rule = .fixed
  config.games = 2
  config.threshold = 1.01  // nothing after the first is accepted
  config.simulations = 4
  config.benchmark = "mcts:8"
  config.benchmarkGames = 6
  let evaluator = CheckpointEvaluator(game: game, config: config, board: ModelBoard(), store: store, best: nil, bestRating: 0, seed: 7)
  let first = try writeCheckpoint(game, generation: 1, seed: 1, in: dir)
  #expect(try evaluator.gate(first).accepted)
  let records = try store.benchmarks()
  try #require(records.count == 1, "\(records)")
  #expect(records[0].generation == 1 && records[0].opponent == "mcts:8" && records[0].games == 6 && records[0].forfeits == 0)
  #expect(evaluator.verdict?.contains("against mcts:8: \(records[0].wins) won, \(records[0].draws) drawn, \(records[0].losses) lost") == true,
          "\(evaluator.verdict ?? "-")")
  // A rejected candidate plays no benchmark games.
  let second = try writeCheckpoint(game, generation: 2, seed: 2, in: dir)
  #expect(try !evaluator.gate(second).accepted)
  #expect(try store.benchmarks().count == 1)

}

@Test(.timeLimit(.minutes(5))) func anOutsideGTPEngineIsABenchmarkOpponent() throws {
  // `dojo gtp` as a process (any GTP engine would do; GNU Go is optional here) on 5×5 Go; then an
  // engine that never starts.
  let dir = temporaryDirectory("benchmark-gtp")
  let store = try RunStore(path: dir + "/run.sqlite")
  let game = Go(size: 5, komi: 0.5)
  var config = GatingConfig()
  config.simulations = 4
  config.benchmark = "gtp:\(repositoryRoot)/.build/debug/dojo gtp 'go(size=5,komi=0.5)' --player random"
  config.benchmarkGames = 2
  let evaluator = CheckpointEvaluator(game: game, config: config, board: ModelBoard(), store: store, best: nil, bestRating: 0, seed: 9)
  #expect(try evaluator.gate(try writeCheckpoint(game, generation: 1, seed: 4, in: dir)).accepted)
  let records = try store.benchmarks()
  #expect(records.count == 1 && records.first?.games == 2 && records.first?.forfeits == 0, "\(records); \(evaluator.verdict ?? "-")")

  // An engine that exits at once is an error naming the benchmark and what went wrong.
  config.benchmark = "gtp:timeout=5:sh -c 'exit 3'"
  config.benchmarkGames = 2
  let failing = CheckpointEvaluator(game: game, config: config, board: ModelBoard(), store: store, best: nil, bestRating: 0, seed: 7)
  let third = try writeCheckpoint(game, generation: 3, seed: 3, in: dir)
  #expect {
    try failing.gate(third)
  } throws: { error in
    "\(error)" == "the benchmark opponent gtp:timeout=5:sh -c 'exit 3': the engine exited (status 3) before replying to 'boardsize 5'"
  }
  #expect(try store.benchmarks().map(\.generation) == [1])
}
