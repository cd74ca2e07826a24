// The training loop in one thread, in rounds: self-play games with the current network, their
// samples into the replay buffer, then the optimizer steps the rate limiter allows; the next round
// plays with the new weights. Deterministic for a seed, so experiments repeat exactly (the CI
// learning test uses it); `dojo train` runs the same parts as concurrent roles (TrainingRun).

import DojoGames
import DojoNN
import DojoPlayers
import DojoSearch

public struct RoundReport: Sendable {
  public var round: Int
  public var games: Int
  public var samples: Int
  public var steps: Int
  public var losses: Losses?
}

public final class Trainer<G: Game> {
  public let game: G
  public let selfPlayConfig: SelfPlayConfig
  public let config: TrainingConfig
  /// Games per round, between switches to the newest weights.
  public let gamesPerRound: Int
  public let network: PolicyValueNet
  public let optimizer: Optimizer
  public let buffer: ReplayBuffer
  public private(set) var gamesPlayed = 0
  /// Samples drawn by the learner so far.
  public private(set) var sampled = 0
  var round = 0
  let seed: UInt64

  public init(game: G, network: PolicyValueNet, selfPlay: SelfPlayConfig, training: TrainingConfig, gamesPerRound: Int, seed: UInt64) {
    self.game = game
    self.network = network
    selfPlayConfig = selfPlay
    config = training
    self.gamesPerRound = gamesPerRound
    self.seed = seed
    optimizer = Optimizer(config: training.optimizer, layout: network.layout)
    buffer = ReplayBuffer(game: game, capacity: training.windowSize, seed: seed ^ 0xB0F)
  }

  /// One round: self-play with a snapshot of the current weights, then the learner steps the rate
  /// limiter allows.
  @discardableResult
  public func runRound() -> RoundReport {
    let engine = InferenceEngine(network: network)
    let selfPlay = SelfPlay(game: game, evaluator: NetworkEvaluator(game: game, engine: engine), config: selfPlayConfig,
                            parallelGames: config.parallelGames, seed: seed &+ UInt64(round) &* 7919)
    var samples = 0
    selfPlay.play(games: gamesPerRound) { record in
      let s = trainingSamples(from: record, game: game)
      buffer.append(s)
      samples += s.count
    }
    gamesPlayed += gamesPerRound
    var steps = 0
    var last: Losses? = nil
    while config.rateLimiter.canSample(config.batchSize, inserted: buffer.inserted, sampled: sampled) {
      last = network.trainStep(buffer.sample(config.batchSize), optimizer: optimizer, valueWeight: config.valueWeight)
      sampled += config.batchSize
      steps += 1
    }
    round += 1
    return RoundReport(round: round, games: gamesPerRound, samples: samples, steps: steps, losses: last)
  }
}
