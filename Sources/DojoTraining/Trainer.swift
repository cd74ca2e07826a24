// The training loop in one process: actors play self-play games with the current network, their
// samples go to the replay buffer, and the learner takes optimizer steps as the rate limiter
// allows; after each round the actors switch to the newly trained weights. (The `dojo train`
// command, run directory, checkpoints cadence, gating and resume build on this.)

import DojoGames
import DojoNN
import DojoPlayers
import DojoSearch

public struct TrainerConfig: Sendable {
  public var selfPlay = SelfPlayConfig()
  /// Games played at once by the actor (one search batch).
  public var parallelGames = 16
  /// Games per round, between switches to the newest weights.
  public var gamesPerRound = 32
  public var batchSize = 64
  public var bufferCapacity = 50_000
  public var rateLimiter = RateLimiter(samplesPerInsert: 4, minSize: 256, errorBuffer: 512)
  public var optimizer = OptimizerConfig(kind: .adamw, schedule: .constant(rate: 0.002), weightDecay: 1e-4)
  /// Weight of the value loss against the policy loss.
  public var valueWeight: Float = 1

  public init() {}
}

public struct RoundReport: Sendable {
  public var round: Int
  public var games: Int
  public var samples: Int
  public var steps: Int
  public var losses: Losses?
}

public final class Trainer<G: Game> {
  public let game: G
  public let config: TrainerConfig
  public let network: PolicyValueNet
  public let optimizer: Optimizer
  public let buffer: ReplayBuffer
  public private(set) var gamesPlayed = 0
  /// Samples drawn by the learner so far.
  public private(set) var sampled = 0
  var round = 0
  let seed: UInt64

  public init(game: G, network: PolicyValueNet, config: TrainerConfig, seed: UInt64) {
    self.game = game
    self.network = network
    self.config = config
    self.seed = seed
    optimizer = Optimizer(config: config.optimizer, layout: network.layout)
    buffer = ReplayBuffer(game: game, capacity: config.bufferCapacity, seed: seed ^ 0xB0F)
  }

  /// One round: self-play with a snapshot of the current weights, then the learner steps the rate
  /// limiter allows.
  @discardableResult
  public func runRound() -> RoundReport {
    let engine = InferenceEngine(network: network)
    let selfPlay = SelfPlay(game: game, evaluator: NetworkEvaluator(game: game, engine: engine), config: config.selfPlay,
                            parallelGames: config.parallelGames, seed: seed &+ UInt64(round) &* 7919)
    var samples = 0
    selfPlay.play(games: config.gamesPerRound) { record in
      let s = trainingSamples(from: record, game: game)
      buffer.append(s)
      samples += s.count
    }
    gamesPlayed += config.gamesPerRound
    var steps = 0
    var last: Losses? = nil
    while config.rateLimiter.canSample(config.batchSize, inserted: buffer.inserted, sampled: sampled) {
      last = network.trainStep(buffer.sample(config.batchSize), optimizer: optimizer, valueWeight: config.valueWeight)
      sampled += config.batchSize
      steps += 1
    }
    round += 1
    return RoundReport(round: round, games: config.gamesPerRound, samples: samples, steps: steps, losses: last)
  }
}
