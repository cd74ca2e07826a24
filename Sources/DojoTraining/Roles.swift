// The three roles of a training run besides the replay store, each a loop that talks to the others
// only through GameSink, ModelFeed and the store's sample call, so the same loops run in one
// process (threads, `dojo train`) or as separate processes (the cluster).
//
// - SelfPlayActor: lockstep batched self-play with the newest model, switching between games.
// - Learner: batches from the store, optimizer steps, a checkpoint every K steps.
// - CheckpointEvaluator: gates each checkpoint against the best; the winner goes to the actors.

import DojoTelemetry
import DojoConcurrency
import DojoArena
import DojoGames
import DojoNN
import DojoPlayers
import DojoSearch
import Foundation

/// A network whose weights can be replaced between evaluations (an actor's model switch).
final class SwappableNetwork: PolicyValueFunction {
  var engine: InferenceEngine
  init(_ engine: InferenceEngine) { self.engine = engine }
  var config: NetworkConfig { engine.config }
  func evaluate(count: Int, observations: UnsafePointer<Float>, legalMasks: UnsafePointer<Float>?,
                priors: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>) {
    engine.evaluate(count: count, observations: observations, legalMasks: legalMasks, priors: priors, values: values)
  }
}

/// What an actor has done, for status lines and limits.
public struct ActorCounts: Sendable, Equatable {
  /// Games the replay store acknowledged.
  public var games = 0
  /// Their positions, and those of them searched in full (training samples).
  public var positions = 0
  public var samples = 0
  /// Games the store refused (with a logged reason).
  public var refused = 0
  /// The generation of the model the actor plays with (0: the untrained start).
  public var generation = 0
}

/// Where a learner stands; written on its thread, read by status threads.
public struct LearnerProgress: Sendable {
  public var steps = 0
  /// The newest checkpoint's generation (0: none yet).
  public var generation = 0
  public var samplesSeen = 0
  /// The optimizer step of the newest checkpoint (the one resumed from, or written).
  public var lastCheckpointStep = 0
  public var losses: Losses?
}

public final class SelfPlayActor<G: Game>: @unchecked Sendable {
  public let name: String
  let game: G
  let config: SelfPlayConfig
  let parallelGames: Int
  let feed: any ModelFeed
  let sink: any GameSink
  let seed: UInt64
  let architecture: NetworkConfig
  /// The number format of its network's tower on oneDNN, and the library that runs the tower.
  public var precision = InferencePrecision.auto
  public var backend = ConvolutionBackend.default
  /// How much `run` raises its thread's nice value while it plays (`training.actor_nice`).
  public var nice: Int32 = 0
  private let counts = Locked(ActorCounts())
  /// Called with any error from the sink (a refused game, a dead store); the actor goes on.
  let onError: @Sendable (Error) -> Void
  /// Called with each game's id once the store has acknowledged it.
  public var onStored: (@Sendable (Int64) -> Void)?

  public init(name: String, game: G, config: SelfPlayConfig, parallelGames: Int, architecture: NetworkConfig, feed: any ModelFeed,
              sink: any GameSink, seed: UInt64, onError: @escaping @Sendable (Error) -> Void) {
    self.name = name
    self.game = game
    self.config = config
    self.parallelGames = parallelGames
    self.architecture = architecture
    self.feed = feed
    self.sink = sink
    self.seed = seed
    self.onError = onError
  }

  public var counters: ActorCounts { counts.withLock { $0 } }

  /// Plays until `shouldStop`; the model is checked after every finished game and switched when
  /// a newer one is announced (a model that fails to load is reported and the old one kept).
  public func run(shouldStop: @escaping () -> Bool) {
    ThreadScheduling.withNice(raisedBy: nice) { play(shouldStop: shouldStop) }
  }

  private func play(shouldStop: @escaping () -> Bool) {
    var generation = -1
    // int8 inference takes its activation scales from positions of the game (made once per actor).
    let calibration = game.randomPositionObservations(count: 256, seed: seed)
    let model = SwappableNetwork(InferenceEngine(network: PolicyValueNet(config: architecture, seed: seed), backend: backend,
                                                 precision: precision, calibration: calibration))
    func refresh() {
      guard let latest = feed.latest, latest.generation != generation else { return }
      do {
        let loaded = try Checkpoint.read(latest.path, game: game.name, architecture: architecture)
        guard loaded.metadata.modelSHA256 == latest.sha256 else {
          throw InvalidRun("\(latest.path): weights hash \(loaded.metadata.modelSHA256), announced \(latest.sha256)")
        }
        model.engine = InferenceEngine(network: loaded.network, backend: backend, precision: precision, calibration: calibration)
        generation = latest.generation
        counts.withLock { $0.generation = latest.generation }
      } catch {
        onError(error)
        generation = latest.generation  // do not retry the same broken announcement every game
      }
    }
    refresh()
    if generation < 0 { generation = 0 }
    let selfPlay = SelfPlay(game: game, evaluator: NetworkEvaluator(game: game, engine: model), config: config,
                            parallelGames: parallelGames, seed: seed)
    selfPlay.play(games: Int.max, shouldStop: shouldStop) { record in
      do {
        let id = try sink.submitKeepingThroughFullDisk(record, origin: GameOrigin(game: game.name, generation: generation, actor: name),
                                                       shouldStop: shouldStop, report: onError)
        onStored?(id)
        DojoMetrics.selfPlayGames.increment()
        DojoMetrics.selfPlayPositions.increment(by: record.moves.count)
        counts.withLock {
          $0.games += 1
          $0.positions += record.moves.count
          $0.samples += record.moves.filter(\.fullSearch).count
        }
      } catch {
        // While stopping, unacknowledged games are dropped quietly (they were never stored).
        if !shouldStop() {
          counts.withLock { $0.refused += 1 }
          onError(error)
        }
      }
      refresh()
    }
  }
}

extension GameSink {
  /// Submits `record`; while the store's disk is full the game is kept and sent again every
  /// second (reported once through `report`), so a full disk delays games but loses none.
  public func submitKeepingThroughFullDisk(_ record: GameRecord, origin: GameOrigin, shouldStop: () -> Bool,
                                           report: (Error) -> Void) throws -> Int64 {
    var reported = false
    while true {
      do { return try submit(record, origin: origin) } catch let e as StorageFull where !shouldStop() {
        if !reported { report(RetryingFullDisk(cause: e)) }
        reported = true
        Thread.sleep(forTimeInterval: 1)
      }
    }
  }
}

/// An actor keeping a game while the replay store's disk is full.
public struct RetryingFullDisk: Error, CustomStringConvertible {
  public var cause: StorageFull
  public var description: String { "\(cause); keeping the game and retrying every second" }
}

public final class Learner<G: Game>: @unchecked Sendable {
  let game: G
  public let network: PolicyValueNet
  public let optimizer: Optimizer
  let config: TrainingConfig
  let directory: String
  let store: RunStore?
  private let state: Locked<LearnerProgress>
  /// The moving average of the weights checkpoints hold (`weight_average_decay` > 0), else empty.
  public private(set) var averaged: [Float] = []

  /// Continues from `generation` (0 for a new run) with the counters of its checkpoint. With a
  /// weight average, `network` holds the average it resumes (a checkpoint's model) and
  /// `trainingParameters` the weights to go on training (the checkpoint's, if it kept them).
  public init(game: G, network: PolicyValueNet, optimizer: Optimizer, config: TrainingConfig, directory: String, store: RunStore?,
              generation: Int, samplesSeen: Int, trainingParameters: [Float]? = nil) {
    let n = network.layout.totalCount
    if config.weightAverageDecay > 0 { averaged = Array(UnsafeBufferPointer(start: network.parameters, count: n)) }
    if let t = trainingParameters, t.count == n { t.withUnsafeBufferPointer { network.parameters.update(from: $0.baseAddress!, count: n) } }
    self.game = game
    self.network = network
    self.optimizer = optimizer
    self.config = config
    self.directory = directory
    self.store = store
    state = Locked(LearnerProgress(steps: optimizer.step, generation: generation, samplesSeen: samplesSeen,
                                  lastCheckpointStep: optimizer.step))
  }

  /// A consistent copy of the learner's counters, from any thread.
  public var progress: LearnerProgress { state.withLock { $0 } }
  public var generation: Int { progress.generation }
  public var losses: Losses? { progress.losses }

  public static func checkpointPath(_ directory: String, generation: Int) -> String {
    "\(directory)/checkpoints/" + String(format: "%06d", generation)
  }

  /// Trains until `source` returns nil (the store stopped), handing each checkpoint to `onCheckpoint`.
  public func run(source: (Int) -> TrainingBatch?, onCheckpoint: (CheckpointReference) -> Void, onError: (Error) -> Void) {
    while let batch = source(config.batchSize) {
      let rate = optimizer.currentRate
      let l = network.trainStep(batch, optimizer: optimizer, valueWeight: config.valueWeight)
      let step = optimizer.step
      if !averaged.isEmpty { average(step: step) }
      DojoMetrics.optimizerSteps.increment()
      DojoMetrics.policyLoss.record(Double(l.policy))
      DojoMetrics.valueLoss.record(Double(l.value))
      let samplesSeen = state.withLock {
        $0.samplesSeen += batch.count
        $0.losses = l
        $0.steps = step
        return $0.samplesSeen
      }
      do {
        if step % 10 == 0 {
          try store?.recordTraining(step: step, samplesSeen: samplesSeen, policyLoss: l.policy, valueLoss: l.value, learningRate: rate)
        }
        if step % config.checkpointSteps == 0 { onCheckpoint(try checkpoint()) }
      } catch {
        onError(error)
      }
    }
  }

  /// averaged ← averaged + (1 − d)(weights − averaged), with d = min(decay, (1 + step) / (10 + step)) so
  /// that the first steps are not drowned by the initial weights (TensorFlow's moving average).
  func average(step: Int) {
    let d = min(config.weightAverageDecay, Float(1 + step) / Float(10 + step)), w = 1 - d
    let p = network.parameters
    averaged.withUnsafeMutableBufferPointer { a in
      for i in a.indices { a[i] += w * (p[i] - a[i]) }
    }
  }

  /// Writes the next generation's checkpoint (weights, optimizer state, counters).
  public func checkpoint() throws -> CheckpointReference {
    let (previous, samplesSeen) = state.withLock { ($0.generation, $0.samplesSeen) }
    let parent = previous > 0 ? String(format: "%06d", previous) : nil
    let generation = previous + 1
    let path = Self.checkpointPath(directory, generation: generation)
    let meta = try Checkpoint.write(network, optimizer: optimizer, metadata: CheckpointMetadata(
      game: game.name, architecture: network.config, generation: generation, trainingSteps: optimizer.step,
      samplesSeen: samplesSeen, parent: parent), to: path, averaged: averaged.isEmpty ? nil : averaged)
    state.withLock {
      $0.generation = generation
      $0.lastCheckpointStep = optimizer.step
    }
    DojoMetrics.generation.record(generation)
    let games = (try? store?.gameCounts().games ?? 0) ?? 0
    try store?.recordCheckpoint(generation: generation, path: path, steps: optimizer.step, samplesSeen: samplesSeen, games: games)
    return CheckpointReference(generation: generation, path: path, sha256: meta.modelSHA256, steps: optimizer.step)
  }
}

/// Gates candidates against the best and publishes the winners. Candidates queue; when several
/// wait, only the newest is played.
public final class CheckpointEvaluator<G: Game>: @unchecked Sendable {
  let game: G
  let config: GatingConfig
  let board: ModelBoard
  let store: RunStore?
  let seed: UInt64
  /// The precision gating and benchmark games run in (the actors').
  let precision: InferencePrecision
  let condition = NSCondition()
  var pending: CheckpointReference?
  var stopped = false
  var best: CheckpointReference?
  var bestRating: Double
  public private(set) var lastVerdict: String?
  /// Called with each accepted candidate (after the board has it), e.g. to announce it to a cluster.
  public var onAccepted: (@Sendable (CheckpointReference) -> Void)?

  /// `best` is the model the actors play now (nil: the untrained start), rated `bestRating`.
  /// `precision`: the networks' in gating and benchmark games; runs pass their actors'.
  public init(game: G, config: GatingConfig, board: ModelBoard, store: RunStore?, best: CheckpointReference?, bestRating: Double, seed: UInt64,
              precision: InferencePrecision = .fp32) {
    self.game = game
    self.precision = precision
    self.config = config
    self.board = board
    self.store = store
    self.best = best
    self.bestRating = bestRating
    self.seed = seed
  }

  public var verdict: String? { condition.withLock { lastVerdict } }

  public func offer(_ candidate: CheckpointReference) {
    condition.withLock {
      pending = candidate
      condition.broadcast()
    }
  }

  public func stop() {
    condition.withLock {
      stopped = true
      condition.broadcast()
    }
  }

  /// Gates candidates until stopped.
  public func run(onError: (Error) -> Void) {
    while true {
      condition.lock()
      while pending == nil && !stopped { condition.wait() }
      let candidate = pending
      pending = nil
      let stop = stopped
      condition.unlock()
      guard let candidate, !stop else { return }
      do { try gate(candidate) } catch is GateInterrupted { return } catch { onError(error) }
    }
  }

  /// Plays `candidate` against the best under the configured rule; publishes it if it wins.
  @discardableResult
  public func gate(_ candidate: CheckpointReference) throws -> GateVerdict {
    let sims = config.simulations
    let verdict: GateVerdict
    if let best, config.rule != .none {
      verdict = try Gate.run(config.gateRule, game: game, candidate: .checkpoint(path: candidate.path, simulations: sims),
                             best: .checkpoint(path: best.path, simulations: sims), seed: seed &+ UInt64(candidate.generation),
                             precision: precision, shouldStop: { [self] in condition.withLock { stopped } })
    } else {
      verdict = GateVerdict(accepted: true, result: MatchResult(), pairs: PairResult(), llr: nil,
                            reason: best == nil ? "the first checkpoint" : "no gating")
    }
    // Elo from the gating games (a clean sweep counts as ±400, its error as the interval's half-width).
    let e = verdict.result.games > 0 ? verdict.result.elo : (value: 0, lower: 0, upper: 0)
    let elo = (value: e.value.isFinite ? e.value : (e.value > 0 ? 400 : -400),
               error: (e.upper - e.lower).isFinite ? (e.upper - e.lower) / 2 : 400)
    let rating = best == nil ? 0 : bestRating + elo.value
    try store?.recordGate(RunStore.GateRecord(
      candidate: candidate.generation, best: best?.generation ?? 0, accepted: verdict.accepted, wins: verdict.result.wins,
      draws: verdict.result.draws, losses: verdict.result.losses, elo: elo.value, eloError: elo.error, rating: rating, reason: verdict.reason))
    DojoMetrics.gates(verdict.accepted ? "accepted" : "rejected").increment()
    let text = "generation \(candidate.generation) " + (verdict.accepted ? "accepted" : "rejected") + ": \(verdict.reason)"
    condition.withLock { lastVerdict = text }
    if verdict.accepted {
      best = candidate
      bestRating = rating
      board.publish(candidate)
      onAccepted?(candidate)
      if let b = try benchmark(candidate) {
        condition.withLock {
          lastVerdict = text + "; against \(b.opponent): \(b.wins) won, \(b.draws) drawn, \(b.losses) lost"
            + (b.forfeits > 0 ? " (\(b.forfeits) forfeited by it)" : "")
        }
      }
    }
    return verdict
  }

  /// Plays `candidate` against the fixed benchmark opponent (`benchmark_games` games, colours
  /// alternating, at the gating simulations) and records the result; nil without a benchmark.
  /// An engine that cannot be started or set up is an error naming it (nothing is recorded); an
  /// opponent that forfeits every game is an error naming its last reason, after the record is kept.
  @discardableResult
  public func benchmark(_ candidate: CheckpointReference) throws -> RunStore.BenchmarkRecord? {
    guard !config.benchmark.isEmpty, config.benchmarkGames > 0 else { return nil }
    let opponent: PlayerSpec
    do { opponent = try PlayerSpec(parsing: config.benchmark) } catch { throw BenchmarkFailed("[gating] benchmark: \(error)") }
    let runner = try MatchRunner(game: game, players: [.checkpoint(path: candidate.path, simulations: config.simulations), opponent],
                                 seed: (seed ^ 0xBE7C_4A11) &+ UInt64(candidate.generation), openings: .random(plies: 2), precision: precision)
    var result = MatchResult(), forfeits = 0, lastForfeit = ""
    for g in 0..<config.benchmarkGames {
      if condition.withLock({ stopped }) { throw GateInterrupted() }
      let first = g % 2
      let played: PlayedGame
      do { played = try runner.play(ScheduledGame(index: g, round: 0, first: first, second: 1 - first, opening: g / 2)) } catch {
        throw BenchmarkFailed("the benchmark opponent \(config.benchmark): \(error)")
      }
      let score = first == 0 ? played.scoreForFirst : 1 - played.scoreForFirst
      result.add(score: score)
      if score == 1, played.reason.contains("forfeits") {
        forfeits += 1
        lastForfeit = played.reason
      }
    }
    let record = RunStore.BenchmarkRecord(generation: candidate.generation, opponent: config.benchmark, wins: result.wins,
                                          draws: result.draws, losses: result.losses, forfeits: forfeits)
    try store?.recordBenchmark(record)
    DojoMetrics.benchmarkScore.record(record.score)
    if record.forfeits == record.games {
      throw BenchmarkFailed("the benchmark opponent \(config.benchmark) forfeited all \(record.games) games; the last: \(lastForfeit)")
    }
    return record
  }
}

/// The benchmark opponent could not be played.
public struct BenchmarkFailed: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
