// The settings of a training run: actors, replay, learner and gating. Each field: its meaning,
// Dojo's default (tuned on a 2-core machine, see games/connect_four/README.md) and the reference
// value from the literature where there is one. games/<name>/config.toml sets them per game.

import DojoArena
import DojoNN
import DojoSearch

public struct TrainingConfig: Sendable, Equatable, Codable {
  /// Self-play worker threads, each with one BLAS thread. 0: one per core.
  public var actors = 0
  /// How much self-play threads raise their nice value (Linux), so where they share cores with the
  /// learner it runs first and they take what is left; the rate limiter paces them anyway. 0: the
  /// learner's priority.
  public var actorNice = 10
  /// Games each actor plays at once in lockstep (one network call per step for all of them).
  public var parallelGames = 32
  /// The replay window: the last this many samples. AlphaZero: the last 500,000 games' positions;
  /// KataGo grows its window with the data (from 250,000 samples).
  public var windowSize = 100_000
  /// 0: a fixed window of `windowSize`. Otherwise KataGo's growing window, starting from this many
  /// samples and capped at `windowSize` (KataGo: 250,000 growing with exponent 0.75, scale 0.4).
  public var windowGrowthMinimum = 0
  /// Samples the learner draws per sample inserted (Reverb's samples-per-insert). KataGo: about 4.
  public var samplesPerInsert: Double = 4
  /// The learner waits until the window holds this many samples.
  public var minReplaySize = 2_000
  /// How far (in samples inserted) the learner may run ahead of or behind the ratio before the
  /// faster side waits.
  public var rateErrorBuffer: Double = 2_000
  /// Samples per optimizer step. AlphaZero: 4,096 (on TPUs); AlphaZero.jl's Connect Four: 1,024.
  public var batchSize = 128
  public var optimizer = OptimizerConfig(kind: .adamw, schedule: .constant(rate: 0.002), weightDecay: 1e-4)

  /// How the learning rate moves: constant, or cosine (linear warm-up over `warmupSteps`, then a
  /// half cosine from the rate to `minimumLearningRate` at `totalSteps`). Config files set these;
  /// `applySchedule()` writes them into `optimizer.schedule`.
  public enum ScheduleKind: String, Sendable, Codable, CaseIterable { case constant, cosine }
  public var learningRate: Float = 0.002
  public var schedule = ScheduleKind.constant
  public var warmupSteps = 0
  public var totalSteps = 100_000
  public var minimumLearningRate: Float = 0

  /// Sets `optimizer.schedule` from the schedule fields.
  public mutating func applySchedule() {
    switch schedule {
    case .constant: optimizer.schedule = .constant(rate: learningRate)
    case .cosine: optimizer.schedule = .cosine(rate: learningRate, warmupSteps: warmupSteps, totalSteps: totalSteps, minimumRate: minimumLearningRate)
    }
  }
  /// Weight of the value loss against the policy loss. AlphaZero: 1; KataGo: 1.5.
  public var valueWeight: Float = 1
  /// Weight of the search's root value in the value target: (1 − m)·z + m·(root value), z the game's
  /// result for the side to move. 0: z alone (AlphaZero). The root value is less noisy than one
  /// game's result but carries the search's bias; Oracle's Connect Four study and KataGo mix them.
  public var valueTargetMix: Float = 0
  /// A position already in the window is merged into it, its policy and value targets averaged
  /// over every time it was played (AlphaZero.jl's memory), instead of being stored again; each
  /// distinct position is then drawn equally often, the opening no more than the rest.
  public var mergeDuplicates = false
  /// Decay per optimizer step of an exponential moving average of the weights; checkpoints (what the
  /// actors, gating and play use) hold the average, the optimizer keeps stepping the raw weights
  /// (kept beside the optimizer state for a resume). 0: off. Horizon about 1 / (1 − decay) steps.
  public var weightAverageDecay: Float = 0
  /// Optimizer steps between checkpoints (each checkpoint is a gating candidate).
  public var checkpointSteps = 500

  public init() {}

  public var rateLimiter: RateLimiter {
    RateLimiter(samplesPerInsert: samplesPerInsert, minSize: minReplaySize, errorBuffer: rateErrorBuffer)
  }
}

/// How a candidate checkpoint becomes the actors' model.
public struct GatingConfig: Sendable, Equatable, Codable {
  public enum Rule: String, Sendable, Codable, CaseIterable {
    /// Every checkpoint goes straight to the actors (AlphaZero).
    case none
    /// A fixed number of games against the best; accepted at or above a score (AlphaGo Zero: 400, 55 %).
    case fixed
    /// Colour-swapped pairs until the SPRT decides (Leela Zero: elo0 0, elo1 35, α = β = 0.05).
    case sprt
  }

  public var rule = Rule.fixed
  /// Games for `fixed`; the most games for `sprt` (undecided: rejected).
  public var games = 40
  /// The score `fixed` needs.
  public var threshold = 0.55
  public var elo0 = 0.0
  public var elo1 = 35.0
  public var alpha = 0.05
  public var beta = 0.05
  /// Simulations per move of both players in gating games.
  public var simulations = 32
  /// A fixed opponent (a player spec: `mcts:N`, `gtp:COMMAND`, …) that every accepted checkpoint
  /// also plays, `benchmarkGames` games at `simulations`, so strength shows on an absolute scale
  /// (Go: GNU Go). Empty: none.
  public var benchmark = ""
  public var benchmarkGames = 10

  public init() {}

  public var gateRule: GateRule {
    switch rule {
    case .none: .none
    case .fixed: .fixed(games: games, threshold: threshold)
    case .sprt: .sprt(SPRT(elo0: elo0, elo1: elo1, alpha: alpha, beta: beta), maxGames: games)
    }
  }

  /// What makes an `sprt` gate unable to ever accept, or nil: elo1 not above elo0, or `games` too
  /// few for the test to reach its bound even when the candidate wins every game (elo1 35 at α = β
  /// = 0.05 needs 62; a 40-game gate rejected a candidate that won 39 of 40).
  public var sprtProblem: (key: String, reason: String)? {
    guard rule == .sprt else { return nil }
    guard elo1 > elo0 else { return ("elo1", "\(elo1) is not above elo0 \(elo0): the SPRT tests H1 elo = elo1 against H0 elo = elo0") }
    let test = SPRT(elo0: elo0, elo1: elo1, alpha: alpha, beta: beta)
    if test.fewestGamesToAccept(limit: games) != nil { return nil }
    let needed = test.fewestGamesToAccept(limit: 100_000).map { "\($0)" } ?? "more than 100000"
    return ("games", "\(games) games can never accept a checkpoint under \"sprt\" (elo0 \(elo0), elo1 \(elo1), alpha \(alpha), beta \(beta)): "
      + "even winning every game, the test reaches its bound only after \(needed) games; raise games or elo1")
  }
}

/// Everything a training run is configured by.
public struct RunSettings: Sendable {
  public var network: NetworkConfig
  public var selfPlay: SelfPlayConfig
  public var training: TrainingConfig
  public var gating: GatingConfig
  /// The tower's number format in the actors' network (`network.inference_precision`).
  public var inferencePrecision: InferencePrecision

  public init(network: NetworkConfig, selfPlay: SelfPlayConfig, training: TrainingConfig, gating: GatingConfig,
              inferencePrecision: InferencePrecision = .auto) {
    self.network = network
    self.selfPlay = selfPlay
    self.training = training
    self.gating = gating
    self.inferencePrecision = inferencePrecision
  }
}

