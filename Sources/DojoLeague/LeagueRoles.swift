// The league's working roles, each a loop on its own thread that talks to the others only through
// the league manager, the agents' replay stores (GameSink / sample) and checkpoint files:
//
// - LeagueActor: asks the manager for a match, plays it (MatchPlay, both networks fetched by hash and
//   cached), sends the learning agent's games to that agent's replay table (and in a self-play game
//   between two current agents the opponent's side to the opponent's), and reports results.
// - AgentLearner: one per learning agent; trains from its table, writes checkpoints, and applies
//   the manager's reset and exploit directives.
// - LeagueRater: plays every agent against fixed anchors (random, mcts:N) so ratings are not self-relative.

import DojoTelemetry
import DojoConcurrency
import DojoArena
import DojoGames
import DojoNN
import DojoPlayers
import DojoSearch
import DojoTraining
import Foundation
import Synchronization

/// An actor's loaded networks by weights hash (a few at a time: the agents and their opponents).
final class ModelCache<G: Game> {
  let game: G
  let capacity: Int
  /// The tower's number format, as `dojo train`'s actors run it (int8 takes its scales from
  /// `calibration`, observations of random positions of the game).
  let precision: InferencePrecision
  let calibration: [Float]
  /// Where a model's files are on this machine (in process: its path; in a cluster: fetched first).
  let locate: (CheckpointReference) throws -> String
  var engines: [(sha256: String, engine: InferenceEngine)] = []

  init(game: G, capacity: Int = 8, precision: InferencePrecision, calibration: [Float], locate: @escaping (CheckpointReference) throws -> String) {
    self.game = game
    self.capacity = capacity
    self.precision = precision
    self.calibration = calibration
    self.locate = locate
  }

  /// The network of `model`, loaded and hash-checked once.
  func engine(_ model: CheckpointReference) throws -> InferenceEngine {
    if let i = engines.firstIndex(where: { $0.sha256 == model.sha256 }) {
      let hit = engines.remove(at: i)
      engines.append(hit)
      return hit.engine
    }
    let path = try locate(model)
    let loaded = try Checkpoint.read(path, game: game.name)
    guard loaded.metadata.modelSHA256 == model.sha256 else {
      throw InvalidRun("\(path): weights hash \(loaded.metadata.modelSHA256), the league expects \(model.sha256)")
    }
    let engine = InferenceEngine(network: loaded.network, precision: precision, calibration: calibration)
    engines.append((model.sha256, engine))
    if engines.count > capacity { engines.removeFirst() }
    return engine
  }
}

/// What a league actor has done.
public struct LeagueActorCounts: Sendable, Equatable {
  public var matches = 0
  public var games = 0
  public var refused = 0
  /// The format the last match's networks ran in (what `precision` resolved to on this CPU).
  public var precision: InferencePrecision?
}

public final class LeagueActor<G: Game>: @unchecked Sendable {
  public let name: String
  let game: G
  let manager: any LeagueMatchmaking
  let sink: @Sendable (String) throws -> any GameSink
  let locate: @Sendable (CheckpointReference) throws -> String
  let parallelGames: Int
  let seed: UInt64
  /// The networks' tower format (`network.inference_precision`; `auto`: int8 with AVX2, bf16 with AMX, as in `dojo train`).
  public let precision: InferencePrecision
  /// How much `run` raises its thread's nice value while it plays (`training.actor_nice`).
  public var nice: Int32 = 0
  let onError: @Sendable (Error) -> Void
  private let counts = Locked(LeagueActorCounts())

  /// `sink(agent)`: that learning agent's replay table. `locate` finds a model's files on this
  /// machine (by default its path, as in one process).
  public init(name: String, game: G, manager: any LeagueMatchmaking, sink: @escaping @Sendable (String) throws -> any GameSink,
              parallelGames: Int, seed: UInt64, precision: InferencePrecision = .auto,
              locate: @escaping @Sendable (CheckpointReference) throws -> String = { $0.path },
              onError: @escaping @Sendable (Error) -> Void) {
    self.name = name
    self.precision = precision
    self.game = game
    self.manager = manager
    self.sink = sink
    self.locate = locate
    self.parallelGames = parallelGames
    self.seed = seed
    self.onError = onError
  }

  public var counters: LeagueActorCounts { counts.withLock { $0 } }

  /// Sends one game to a replay table; whether it was acknowledged (a refusal is counted and
  /// reported; one left unacknowledged while stopping was never stored and is not counted).
  func submit(_ record: GameRecord, to sink: any GameSink, generation: Int, shouldStop: () -> Bool) -> Bool {
    do {
      _ = try sink.submitKeepingThroughFullDisk(record, origin: GameOrigin(game: game.name, generation: generation, actor: name),
                                                shouldStop: shouldStop, report: onError)
      return true
    } catch {
      if shouldStop() { return false }
      counts.withLock { $0.refused += 1 }
      onError(error)
      return false
    }
  }

  public func run(shouldStop: @escaping () -> Bool) {
    ThreadScheduling.withNice(raisedBy: nice) { play(shouldStop: shouldStop) }
  }

  private func play(shouldStop: @escaping () -> Bool) {
    // int8 takes its activation scales from positions of the game (made once per actor).
    let cache = ModelCache(game: game, precision: precision, calibration: game.randomPositionObservations(count: 256, seed: seed), locate: locate)
    var matchNumber: UInt64 = 0
    while !shouldStop() {
      let match: LeagueMatch
      do { match = try manager.nextMatch(actor: name) } catch {
        onError(error)
        Thread.sleep(forTimeInterval: 1)
        continue
      }
      matchNumber += 1
      let samples = match.samples
      let mine: InferenceEngine, theirs: InferenceEngine, sink: any GameSink, opponentSink: (any GameSink)?
      do {
        mine = try cache.engine(match.agentModel)
        theirs = samples == .mirror ? mine : try cache.engine(match.opponentModel)
        sink = try self.sink(match.agent)
        opponentSink = samples == .bothSides ? try self.sink(match.opponent) : nil
        counts.withLock { $0.precision = mine.precision }
      } catch {
        onError(error)
        Thread.sleep(forTimeInterval: 0.5)
        continue
      }
      let play = MatchPlay(game: game, learnerEvaluator: NetworkEvaluator(game: game, engine: mine), learnerConfig: match.agentSelfPlay,
                           opponentEvaluator: NetworkEvaluator(game: game, engine: theirs), opponentConfig: match.opponentSelfPlay,
                           parallelGames: min(parallelGames, match.games), seed: SplitMix64.mix(seed ^ matchNumber), samples: samples)
      play.play(games: match.games, shouldStop: shouldStop) { record, index, side in
        // Each learning side's share to its own table (under .learner and .mirror the record already
        // holds exactly the agent's samples).
        var stored = submit(samples == .bothSides ? record.keepingSamples(of: side) : record, to: sink,
                            generation: match.agentModel.generation, shouldStop: shouldStop)
        if let opponentSink {
          stored = submit(record.keepingSamples(of: side.opponent), to: opponentSink, generation: match.opponentModel.generation,
                          shouldStop: shouldStop) && stored
        }
        if !stored && shouldStop() { return }  // unacknowledged while stopping: never stored, never counted
        if stored {
          counts.withLock { $0.games += 1 }
          DojoMetrics.selfPlayGames.increment()
          DojoMetrics.selfPlayPositions.increment(by: record.moves.count)
        }
        do {
          try manager.report(LeagueResult(match: match.id, game: index, home: match.agent, away: match.opponent,
                                          score: Double(record.outcome(for: side) + 1) / 2))
        } catch {
          onError(error)
        }
      }
      counts.withLock { $0.matches += 1 }
    }
  }
}

/// Where a league learner stands.
public struct AgentLearnerProgress: Sendable {
  public var steps = 0
  public var generation = 0
  public var losses: Losses?
  public var resets = 0
  public var exploits = 0
}

public final class AgentLearner<G: Game>: @unchecked Sendable {
  public let name: String
  let game: G
  let league: LeagueConfig
  let manager: any LeagueLearning
  let source: (Int) -> TrainingBatch?
  let directory: String
  var network: PolicyValueNet
  var optimizer: Optimizer
  var settings: RunSettings
  var steps: Int
  var samplesSeen: Int
  var generation: Int
  var lastCheckpointStep: Int
  private let progressState = Locked(AgentLearnerProgress())

  /// Continues from the model the manager holds for `name` (its newest checkpoint, or what a
  /// reset or exploit handed it); trains on batches from `source` (nil: stopped); checkpoints go
  /// to `directory`/checkpoints.
  public init(name: String, game: G, league: LeagueConfig, manager: any LeagueLearning, source: @escaping (Int) -> TrainingBatch?,
              directory: String) throws {
    if league.isFrozen(name) {
      throw InvalidRun("\(name) is frozen (league file): it keeps its initial checkpoint and has no learner")
    }
    let agent = try manager.agentState(name)
    self.name = name
    self.game = game
    self.league = league
    self.manager = manager
    self.source = source
    self.directory = directory
    settings = league.settings(of: name, hyperparameters: agent.hyperparameters)
    let loaded = try Checkpoint.read(agent.model.path, game: game.name, architecture: settings.network)
    network = loaded.network
    optimizer = Self.optimizer(settings, network, loaded.optimizer)
    steps = agent.steps
    samplesSeen = agent.samplesSeen
    lastCheckpointStep = steps
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/checkpoints")) ?? []).compactMap { Int($0) }
    generation = names.max() ?? 0
    progressState.withLock {
      $0.steps = steps
      $0.generation = agent.model.generation
    }
  }

  /// An optimizer for `settings`, carrying `state` over when it is of the same kind.
  static func optimizer(_ settings: RunSettings, _ network: PolicyValueNet, _ state: Optimizer?) -> Optimizer {
    if let state, state.config.kind == settings.training.optimizer.kind, state.count == network.layout.totalCount {
      return Optimizer(config: settings.training.optimizer, layout: network.layout, copying: state)
    }
    return Optimizer(config: settings.training.optimizer, layout: network.layout)
  }

  public var progress: AgentLearnerProgress { progressState.withLock { $0 } }

  /// Trains until the replay store stops.
  public func run(onError: (Error) -> Void) {
    while let batch = source(settings.training.batchSize) {
      let l = network.trainStep(batch, optimizer: optimizer, valueWeight: settings.training.valueWeight)
      steps += 1
      DojoMetrics.optimizerSteps.increment()
      DojoMetrics.policyLoss.record(Double(l.policy))
      DojoMetrics.valueLoss.record(Double(l.value))
      samplesSeen += batch.count
      progressState.withLock {
        $0.steps = steps
        $0.losses = l
      }
      do {
        if steps % 10 == 0 { try manager.recordTraining(agent: name, step: steps, policyLoss: l.policy, valueLoss: l.value) }
        if steps % settings.training.checkpointSteps == 0 { try checkpoint(decide: true) }
      } catch {
        onError(error)
      }
    }
  }

  /// Writes a checkpoint and reports it; with `decide`, applies what the manager decides.
  public func checkpoint(decide: Bool) throws {
    generation += 1
    let path = directory + "/checkpoints/" + String(format: "%06d", generation)
    let meta = try Checkpoint.write(network, optimizer: optimizer, metadata: CheckpointMetadata(
      game: game.name, architecture: network.config, generation: generation, trainingSteps: steps, samplesSeen: samplesSeen,
      parent: generation > 1 ? String(format: "%06d", generation - 1) : nil), to: path)
    lastCheckpointStep = steps
    let model = CheckpointReference(generation: generation, path: path, sha256: meta.modelSHA256, steps: steps)
    progressState.withLock { $0.generation = generation }
    let directive = try manager.checkpointed(agent: name, model: model, steps: steps, samplesSeen: samplesSeen)
    if decide, let directive { try apply(directive) }
  }

  /// Loads the weights (and for an exploit the optimizer state) and the settings the manager chose.
  func apply(_ d: LearnerDirective) throws {
    settings = league.settings(of: name, hyperparameters: d.hyperparameters)
    let loaded = try Checkpoint.read(d.model.path, game: game.name, architecture: settings.network)
    network = loaded.network
    optimizer = Self.optimizer(settings, network, d.keepsOptimizerState ? loaded.optimizer : nil)
    progressState.withLock {
      if d.kind == .reset { $0.resets += 1 } else { $0.exploits += 1 }
    }
  }

  /// Whether it stepped since its last checkpoint.
  public var hasUnsavedSteps: Bool { steps > lastCheckpointStep }
}

/// Plays each learning agent's current model against the fixed anchors every so often, so the
/// league's ratings rest on players that never change.
public final class LeagueRater<G: Game>: @unchecked Sendable {
  let game: G
  let manager: LeagueManager
  let seed: UInt64
  private let completed: Atomic<Int>
  /// Rating rounds completed (in this league, across restarts); read from any thread.
  public var round: Int { completed.load(ordering: .sequentiallyConsistent) }
  let onRound: (Int) -> Void

  public init(game: G, manager: LeagueManager, seed: UInt64, onRound: @escaping (Int) -> Void) throws {
    self.game = game
    self.manager = manager
    self.seed = seed
    self.onRound = onRound
    completed = Atomic(try manager.store.ratingHistory().map(\.round).max() ?? 0)
  }

  public func run(stop: StopToken, onError: (Error) -> Void) {
    let config = manager.config.rating
    guard !config.anchors.isEmpty, config.games > 0 else { return }
    var next = Date().addingTimeInterval(min(config.intervalSeconds, 10))
    while !stop.isRequested {
      if Date() < next {
        Thread.sleep(forTimeInterval: 0.2)
        continue
      }
      do { try playRound(stop: stop) } catch { onError(error) }
      next = Date().addingTimeInterval(config.intervalSeconds)
    }
  }

  /// One round: every agent against every anchor; then the ratings of every player are recorded.
  public func playRound(stop: StopToken) throws {
    let config = manager.config.rating
    let round = self.round + 1
    for agent in manager.agents {
      for anchor in config.anchors {
        let players = [PlayerSpec.checkpoint(path: agent.model.path, simulations: config.simulations), try PlayerSpec(parsing: anchor)]
        let runner = try MatchRunner(game: game, players: players, seed: SplitMix64.mix(seed ^ UInt64(round)), openings: .random(plies: 2),
                                     precision: manager.config.actorPrecision)
        for g in Schedule.make(format: .gauntlet, players: 2, rounds: 1, gamesPerPairing: config.games) {
          if stop.isRequested { return }
          let played = try runner.play(g)
          let score = g.first == 0 ? played.scoreForFirst : 1 - played.scoreForFirst
          try manager.report(LeagueResult(match: "rating-\(round)-\(agent.name)-\(anchor)", game: g.index, home: agent.name, away: anchor, score: score))
        }
      }
    }
    try manager.store.recordRatings(round: round, manager.ratings(fresh: true))
    completed.store(round, ordering: .sequentiallyConsistent)
    onRound(round)
  }
}
