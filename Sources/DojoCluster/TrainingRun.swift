// A whole training run in one process: the replay store, N self-play actors, the learner and the
// evaluator on their own threads. In process the links are direct calls: actors hand games to the
// replay store (which validates and stores them before acknowledging, and holds an actor back while
// the learner is behind), the learner blocks on the store's sampler, and models go through a
// ModelBoard (the in-process ModelFeed); no message is encoded. The run directory
// holds everything needed to continue after Ctrl-C or kill -9: checkpoints (weights, optimizer,
// counters), the database of acknowledged games (the replay window is rebuilt from it), training
// statistics and gating results; and the curves drawn from them.

import DojoConcurrency
import DojoGames
import DojoNN
import DojoSearch
import DojoTelemetry
import DojoTraining
import Foundation

/// What the status line shows.
public struct RunStatus: Sendable {
  public var seconds: Double
  public var games: Int
  public var positions: Int
  public var samplesInserted: Int
  public var samplesDrawn: Int
  public var window: Int
  public var rejected: Int
  public var steps: Int
  public var losses: Losses?
  public var generation: Int
  public var bestGeneration: Int
  public var verdict: String?
  /// How the games stored since this process started ended.
  public var outcomes = OutcomeStatistics()
}

public final class TrainingRun<G: Game>: @unchecked Sendable {
  public let game: G
  public let directory: String
  public let settings: RunSettings
  public let store: RunStore
  let replay: ReplayStore<G>
  let learner: Learner<G>
  let evaluator: CheckpointEvaluator<G>
  let board: ModelBoard
  let seed: UInt64
  let log: RoleLog
  /// Set by `stop()`; every role's loop ends on it.
  let stopToken = StopToken()
  let group = DispatchGroup()
  /// The evaluator's thread, joined last: a gate in progress stops at its next game.
  let evaluatorDone = DispatchGroup()
  var actors: [SelfPlayActor<G>] = []
  var startGeneration = 0
  var pendingCandidate: CheckpointReference?
  /// Where the run started from: a new run, or the checkpoint it resumed.
  public private(set) var origin: String
  let started = Date()

  /// Opens the run in `directory`: continues from its newest checkpoint if it has one.
  public init(game: G, directory: String, settings: RunSettings, seed: UInt64, log: RoleLog) throws {
    self.game = game
    self.directory = directory
    self.settings = settings
    self.seed = seed
    self.log = log
    let fm = FileManager.default
    try fm.createDirectory(atPath: directory + "/checkpoints", withIntermediateDirectories: true)
    store = try RunStore(path: directory + "/run.sqlite")
    board = ModelBoard()

    let loaded = RunDirectory.newestLoadable(directory, game: game.name, architecture: settings.network, log: { log.warning($0) })
    let network = loaded?.network ?? PolicyValueNet(config: settings.network, seed: seed)
    let optimizer = loaded?.optimizer ?? Optimizer(config: settings.training.optimizer, layout: network.layout)
    let generation = loaded?.metadata.generation ?? 0
    let samplesSeen = loaded?.metadata.samplesSeen ?? 0
    try store.forgetTraining(after: optimizer.step)
    learner = Learner(game: game, network: network, optimizer: optimizer, config: settings.training, directory: directory,
                      store: store, generation: generation, samplesSeen: samplesSeen, trainingParameters: loaded?.trainingParameters)
    replay = ReplayStore(game: game, config: settings.training, store: store, seed: seed ^ 0xB0F &+ UInt64(generation))
    try replay.restore(sampled: samplesSeen)

    // The best model so far: the newest accepted gate at or before the checkpoint.
    let accepted = try RunDirectory.bestAccepted(store, folder: directory + "/checkpoints", game: game.name, atOrBefore: generation)
    let best = accepted?.checkpoint, rating = accepted?.rating ?? 0
    evaluator = CheckpointEvaluator(game: game, config: settings.gating, board: board, store: store, best: best, bestRating: rating,
                          seed: seed ^ 0x9A7E, precision: settings.inferencePrecision)
    if let best { board.publish(best) }
    if let loaded, loaded.metadata.generation > (best?.generation ?? 0) {
      // Written but never gated (stopped mid-gate): gate it first.
      let path = Learner<G>.checkpointPath(directory, generation: loaded.metadata.generation)
      pendingCandidate = CheckpointReference(generation: loaded.metadata.generation, path: path, sha256: loaded.metadata.modelSHA256,
                                           steps: loaded.metadata.trainingSteps)
    }
    startGeneration = generation
    let counts = try store.gameCounts()
    let window = replay.statistics.windowSize, steps = optimizer.step
    origin = loaded.map {
      "resumed from generation \($0.metadata.generation) (\(steps) steps), \(counts.games) games stored, window \(window) samples"
    } ?? (counts.games > 0 ? "resumed before the first checkpoint: \(counts.games) games stored" : "a new run")
  }

  public var actorCount: Int { settings.training.actors > 0 ? settings.training.actors : Cores.available }

  /// Starts every role on its own thread.
  public func start() {
    setBLASThreadCount(1)
    let log = self.log
    log("network: \(networkEngineDescription(settings, game: game))")
    for i in 0..<actorCount {
      let actor = SelfPlayActor(name: "actor-\(i)", game: game, config: settings.selfPlay, parallelGames: settings.training.parallelGames,
                                architecture: settings.network, feed: board,
                                sink: replay,
                                seed: seed &+ UInt64(i) &* 0x9E37_79B9 &+ UInt64(startGeneration) << 32,
                                onError: { log.error("actor-\(i): \($0)") })
      actor.precision = settings.inferencePrecision
      actor.nice = Int32(settings.training.actorNice)
      actors.append(actor)
      spawn("actor-\(i)") { [self] in actor.run { self.stopToken.isRequested } }
    }
    let replay = self.replay
    spawn("learner") { [self] in
      learner.run(source: { replay.sample($0) }, onCheckpoint: { self.evaluator.offer($0) }, onError: { log.error("learner: \($0)") })
    }
    let evaluator = self.evaluator
    if let pendingCandidate { evaluator.offer(pendingCandidate) }
    spawn("evaluator", group: evaluatorDone) { evaluator.run(onError: { log.error("evaluator: \($0)") }) }
  }

  func spawn(_ name: String, group: DispatchGroup? = nil, _ body: @escaping @Sendable () -> Void) {
    ThreadScheduling.spawn(name, group: group ?? self.group, body)
  }

  public var status: RunStatus {
    let s = replay.statistics
    return RunStatus(seconds: Date().timeIntervalSince(started), games: s.gamesAccepted, positions: s.positions, samplesInserted: s.samplesInserted,
                     samplesDrawn: s.samplesDrawn, window: s.windowSize, rejected: s.gamesRejected, steps: learner.progress.steps,
                     losses: learner.losses, generation: learner.generation, bestGeneration: board.latest?.generation ?? 0,
                     verdict: evaluator.verdict, outcomes: s.outcomes)
  }

  /// Stops every role (unfinished games are dropped; every acknowledged one is stored), and writes
  /// a last checkpoint if the learner stepped since the previous one. Returns its path, if any.
  @discardableResult
  public func stop() throws -> String? {
    stopToken.request()
    replay.stop()
    group.wait()
    evaluator.stop()
    evaluatorDone.wait()
    if learner.optimizer.step > learner.progress.lastCheckpointStep {
      return try learner.checkpoint().path
    }
    return learner.generation > 0 ? Learner<G>.checkpointPath(directory, generation: learner.generation) : nil
  }

  /// Writes what happened since the last call to RUN/tensorboard/ (TensorBoard event files): the
  /// learner's records from the database (losses, learning rate), throughput and the replay
  /// window over the `seconds` since `previous`, and the rating of every newly gated checkpoint.
  public func writeScalars(_ scalars: RunScalars, status s: RunStatus, previous p: RunStatus, seconds: Double) throws {
    for point in try store.trainingCurve(after: scalars.lastTrainingStep) {
      try scalars.writer.scalars(["loss/policy": point.policyLoss, "loss/value": point.valueLoss, "learning_rate": point.learningRate],
                                 step: point.step)
      scalars.lastTrainingStep = point.step
    }
    try store.setCounter(RunScalars.trainingCounter, scalars.lastTrainingStep)
    let per = { (a: Int, b: Int) in Double(a - b) / max(seconds, 1e-9) }
    try scalars.writer.scalars([
      "throughput/games_per_s": per(s.games, p.games), "throughput/positions_per_s": per(s.positions, p.positions),
      "throughput/samples_in_per_s": per(s.samplesInserted, p.samplesInserted),
      "throughput/samples_trained_per_s": per(s.samplesDrawn, p.samplesDrawn), "replay/window": Double(s.window),
      "replay/games": Double(s.games), "generation": Double(s.generation),
    ], step: s.steps)
    // How the games of this interval ended, and the false-resignation rate of the whole run so far.
    let ended = s.outcomes.since(p.outcomes)
    if ended.games > 0 {
      try scalars.writer.scalars(["selfplay/draws": Double(ended.draws) / Double(ended.games),
                                  "selfplay/resigned": Double(ended.resigned) / Double(ended.games)], step: s.steps)
    }
    if s.outcomes.wouldHaveResigned > 0 {
      try scalars.writer.scalars(["selfplay/false_resignations": Double(s.outcomes.falseResignationRate)], step: s.steps)
    }
    for gate in try store.gates() where gate.candidate > scalars.lastGate {
      try scalars.writer.scalars(["rating/elo": gate.rating, "rating/accepted": gate.accepted ? 1 : 0], step: gate.steps)
      scalars.lastGate = gate.candidate
      try store.setCounter(RunScalars.gateCounter, gate.candidate)
    }
    for b in try store.benchmarks() where b.generation > scalars.lastBenchmark {
      try scalars.writer.scalars(["benchmark/score": b.score], step: b.steps)
      scalars.lastBenchmark = b.generation
      try store.setCounter(RunScalars.benchmarkCounter, b.generation)
    }
  }

  /// A TensorBoard writer for this run (a new event file per start), continuing after what earlier
  /// starts wrote (the database counts it), and from the resumed checkpoint's step: the steps
  /// after it are trained again and written again (TensorBoard, meeting a step it has seen, drops
  /// the older points from there on).
  public func scalarsWriter() throws -> RunScalars {
    RunScalars(writer: try TensorBoardWriter(directory: directory + "/tensorboard"),
               lastTrainingStep: min(try store.counter(RunScalars.trainingCounter), learner.progress.steps),
               lastGate: try store.counter(RunScalars.gateCounter), lastBenchmark: try store.counter(RunScalars.benchmarkCounter))
  }

  /// Redraws loss.svg and rating.svg (and benchmark.svg, with a benchmark) in the run directory from the database.
  public func drawCharts() throws {
    let curve = try store.trainingCurve()
    // A moving average over 20 records (200 steps) keeps the curves readable.
    func smoothed(_ ys: [Double]) -> [Double] {
      var out: [Double] = [], sum = 0.0
      for (i, y) in ys.enumerated() {
        sum += y
        if i >= 20 { sum -= ys[i - 20] }
        out.append(sum / Double(min(i + 1, 20)))
      }
      return out
    }
    let steps = curve.map { Double($0.step) }
    let loss = LineChart(title: "\(game.name): training loss", xLabel: "optimizer steps", yLabel: "loss (moving average)", series: [
      ChartSeries(name: "policy", color: "#1f77b4", points: Array(zip(steps, smoothed(curve.map(\.policyLoss))))),
      ChartSeries(name: "value", color: "#d62728", points: Array(zip(steps, smoothed(curve.map(\.valueLoss))))),
    ])
    try loss.svg.write(toFile: directory + "/loss.svg", atomically: true, encoding: .utf8)
    let gates = try store.gates()
    let accepted = gates.filter(\.accepted)
    let rating = LineChart(title: "\(game.name): rating of each checkpoint (gating games)", xLabel: "optimizer steps", yLabel: "Elo (generation 1 = 0)", series: [
      ChartSeries(name: "all candidates", color: "#aaaaaa", points: gates.map { (Double($0.steps), $0.rating) }, errors: gates.map(\.eloError)),
      ChartSeries(name: "accepted", color: "#2ca02c", points: accepted.map { (Double($0.steps), $0.rating) }),
    ])
    try rating.svg.write(toFile: directory + "/rating.svg", atomically: true, encoding: .utf8)
    let benchmarks = try store.benchmarks()
    if let opponent = benchmarks.last?.opponent {
      // The score's 95 % interval (Wilson, as a half-width) as the error bar.
      let mine = benchmarks.filter { $0.opponent == opponent }
      // A gtp: command is too long for a legend: the run's config.toml and status line name it.
      let chart = LineChart(title: "\(game.name): score of each accepted checkpoint against the benchmark", xLabel: "optimizer steps",
                            yLabel: "score (wins + draws / 2)", series: [
        ChartSeries(name: "benchmark", color: "#9467bd", points: mine.map { (Double($0.steps), $0.score) },
                    errors: mine.map { b in
                      let n = Double(b.games), p = b.score, z = 1.96
                      return z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / (1 + z * z / n)
                    }),
      ])
      try chart.svg.write(toFile: directory + "/benchmark.svg", atomically: true, encoding: .utf8)
    }
  }
}


/// Where a run's TensorBoard file stands.
public final class RunScalars {
  static let trainingCounter = "tensorboard_training_step"
  static let gateCounter = "tensorboard_gate"
  static let benchmarkCounter = "tensorboard_benchmark"
  public let writer: TensorBoardWriter
  var lastTrainingStep: Int
  var lastGate: Int
  var lastBenchmark: Int

  init(writer: TensorBoardWriter, lastTrainingStep: Int, lastGate: Int, lastBenchmark: Int) {
    self.writer = writer
    self.lastTrainingStep = lastTrainingStep
    self.lastGate = lastGate
    self.lastBenchmark = lastBenchmark
  }
}

/// What the actors' network runs on, as a log line: the engine, oneDNN's implementation and the
/// precision, and what `inference_precision` asked for.
/// The probe is made as the actors make theirs (int8 calibrated on positions of the game).
func networkEngineDescription<G: Game>(_ settings: RunSettings, game: G) -> String {
  let probe = InferenceEngine(network: PolicyValueNet(config: settings.network, seed: 0), precision: settings.inferencePrecision,
                              calibration: game.randomPositionObservations(count: 16, seed: 0))
  return "\(probe.backendDescription) (inference_precision \(settings.inferencePrecision.rawValue)); \(BLASCore.select())"
}
