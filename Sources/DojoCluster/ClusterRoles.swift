// The cluster's roles, one type each, started from a run directory (an actor: from its settings),
// a transport, its peers' addresses and a stop token. `dojo replay`, `dojo learner`, `dojo
// evaluator` and `dojo actor` only parse their options and call these; `dojo cluster up` starts
// them as processes. `TrainingRun` assembles the same parts in one process with direct links.
// Resume (newest loadable checkpoint, best accepted model) is RunDirectory's; the status loop is
// `reportStatus`; stopping is the StopToken.

import DojoArena
import DojoGames
import DojoNN
import DojoSearch
import DojoTelemetry
import DojoTraining
import DojoTransport
import Foundation

/// A role of the cluster: runs `game` until `stop` is set, talking to its peers over `transport`.
public protocol ClusterRole {
  func run<G: Game>(_ game: G, transport: any Transport, stop: StopToken, log: RoleLog) throws
}

/// The status loop, written once: calls `report` with the seconds since the last call every
/// `seconds`, until `stop` is set.
public func reportStatus(every seconds: Double, until stop: StopToken, _ report: (Double) -> Void) {
  var last = Date()
  while !stop.isRequested {
    Thread.sleep(forTimeInterval: min(0.1, seconds))
    let elapsed = Date().timeIntervalSince(last)
    if elapsed >= seconds {
      report(elapsed)
      last = Date()
    }
  }
}

/// The same loop on a thread of its own, for a role whose own loop is busy.
public func startStatusThread(every seconds: Double, until stop: StopToken, _ report: @escaping @Sendable (Double) -> Void) {
  let thread = Thread { reportStatus(every: seconds, until: stop, report) }
  thread.name = "status"
  thread.start()
}

/// The replay store served over a transport: one table per learning agent, every game validated
/// and stored before it is acknowledged; the learner's draws are counted in the run database so a
/// restart continues the rate limiter where it was.
public struct ReplayRole: ClusterRole {
  public var directory: String
  public var settings: RunSettings
  public var tables: [String]
  public var bind: String
  public var statusEvery: Double

  public init(directory: String, settings: RunSettings, tables: [String], bind: String, statusEvery: Double) {
    self.directory = directory
    self.settings = settings
    self.tables = tables
    self.bind = bind
    self.statusEvery = statusEvery
  }

  static func drawnCounter(_ table: String) -> String { table == "main" ? "samples_drawn" : "samples_drawn:\(table)" }

  public func run<G: Game>(_ game: G, transport: any Transport, stop: StopToken, log: RoleLog) throws {
    let store = try RunStore(path: directory + "/run.sqlite")
    let stores = try tables.map { name in
      let t = ReplayStore(game: game, config: settings.training, store: store, seed: UInt64(Date().timeIntervalSince1970), table: name)
      try t.restore(sampled: try store.counter(Self.drawnCounter(name)))
      return t
    }
    let replay = stores[0]
    let service = ReplayService(tables: stores, log: log)
    let server = try transport.serve(bind) { service.handle($0) }
    var previous = replay.statistics
    log("replay store for \(game.name) at \(server.endpoint): \(previous.gamesAccepted) games stored, window \(previous.windowSize)"
        + (tables.count > 1 ? "; tables \(tables.joined(separator: ", "))" : ""))
    reportStatus(every: statusEvery, until: stop) { dt in
      let s = replay.statistics
      for t in stores { try? store.setCounter(Self.drawnCounter(t.table), t.statistics.samplesDrawn) }
      let ended = s.outcomes.since(previous.outcomes).endings
      log(String(format: "games %d (%.1f/s), refused %d, samples in %.0f/s, drawn %.0f/s, window %d", s.gamesAccepted,
                 Double(s.gamesAccepted - previous.gamesAccepted) / dt, s.gamesRejected,
                 Double(s.samplesInserted - previous.samplesInserted) / dt, Double(s.samplesDrawn - previous.samplesDrawn) / dt, s.windowSize)
          + (ended.isEmpty ? "" : "; \(ended)"))
      previous = s
    }
    server.stop()
    for t in stores { try store.setCounter(Self.drawnCounter(t.table), t.statistics.samplesDrawn) }
    let ended = replay.statistics.outcomes
    log("replay store stopped: \(replay.statistics.gamesAccepted) games stored"
        + (ended.games > 0 ? "; since this start: \(ended.endings), \(ended.falseResignationSummary)" : ""))
  }
}

/// The learner over a transport: resumes from the run's newest loadable checkpoint, samples from
/// the replay server, announces every checkpoint and serves its files.
public struct LearnerRole: ClusterRole {
  public var directory: String
  public var settings: RunSettings
  public var replay: String
  public var table: String
  public var models: String
  public var announce: String
  /// Stop after this many optimizer steps in all (0: until stopped).
  public var steps: Int
  public var seed: UInt64
  public var statusEvery: Double

  public init(directory: String, settings: RunSettings, replay: String, table: String, models: String, announce: String, steps: Int,
              seed: UInt64, statusEvery: Double) {
    self.directory = directory
    self.settings = settings
    self.replay = replay
    self.table = table
    self.models = models
    self.announce = announce
    self.steps = steps
    self.seed = seed
    self.statusEvery = statusEvery
  }

  public func run<G: Game>(_ game: G, transport: any Transport, stop: StopToken, log: RoleLog) throws {
    setBLASThreadCount(1)
    let run = directory
    try FileManager.default.createDirectory(atPath: run + "/checkpoints", withIntermediateDirectories: true)
    let loaded = RunDirectory.newestLoadable(run, game: game.name, architecture: settings.network, log: { log.warning($0) })
    let network = loaded?.network ?? PolicyValueNet(config: settings.network, seed: seed)
    let optimizer = loaded?.optimizer ?? Optimizer(config: settings.training.optimizer, layout: network.layout)
    // Training statistics and checkpoints go to the run's database (shared with a replay store on
    // the same machine: SQLite WAL lets both write); steps lost in a crash are forgotten.
    let store = try RunStore(path: run + "/run.sqlite")
    try store.forgetTraining(after: optimizer.step)
    let learner = Learner(game: game, network: network, optimizer: optimizer, config: settings.training, directory: run, store: store,
                          generation: loaded?.metadata.generation ?? 0, samplesSeen: loaded?.metadata.samplesSeen ?? 0,
                          trainingParameters: loaded?.trainingParameters)
    let hub = try ModelHub(transport: transport, fetch: models, announce: announce, log: log)
    if let m = loaded?.metadata {
      hub.publish(CheckpointReference(generation: m.generation, path: Learner<G>.checkpointPath(run, generation: m.generation), sha256: m.modelSHA256,
                                      steps: m.trainingSteps))
    }
    let remote = try RemoteReplay(transport: transport, endpoint: replay, table: table, log: log.prefixed("learner: "),
                                  shouldStop: { stop.isRequested })
    log("learner for \(game.name): generation \(learner.generation), \(optimizer.step) steps; replay \(replay), models \(hub.fetchEndpoint), announcements \(hub.announceEndpoint)")
    let statusEvery = self.statusEvery
    let status = Thread {
      var lastSteps = learner.progress.steps
      reportStatus(every: statusEvery, until: stop) { dt in
        let p = learner.progress
        let loss = p.losses.map { String(format: "policy %.3f value %.3f", $0.policy, $0.value) } ?? "—"
        log(String(format: "steps %d (%.1f/s), generation %d, loss %@", p.steps, Double(p.steps - lastSteps) / dt, p.generation, loss as NSString))
        lastSteps = p.steps
      }
    }
    status.start()
    let batches = remote.batches(log: log.prefixed("learner: "))
    let limit = steps
    learner.run(source: { count in
      if limit > 0 && learner.optimizer.step >= limit { stop.request() }
      return batches(count)
    }, onCheckpoint: { c in
      hub.publish(c)
      log("checkpoint \(c.path) announced")
    }, onError: { log.error("learner: \($0)") })
    let final = try learner.checkpoint()
    hub.publish(final)
    log("learner stopped at \(learner.optimizer.step) steps; last checkpoint \(final.path)")
    Thread.sleep(forTimeInterval: 0.5)
    hub.stop()
  }
}

/// A self-play actor over a transport: games to a replay server (kept until acknowledged), models
/// from announcements (fetched, hash-checked, cached).
public struct ActorRole: ClusterRole {
  public var name: String
  public var settings: RunSettings
  public var connect: String
  public var table: String
  public var announce: String
  public var cache: String
  /// Stop after this many acknowledged games (0: until stopped).
  public var games: Int
  public var timeout: Double
  /// Each acknowledged game's id is appended here (audits, the chaos test).
  public var ackLog: String?
  public var seed: UInt64
  public var statusEvery: Double

  public init(name: String, settings: RunSettings, connect: String, table: String, announce: String, cache: String, games: Int,
              timeout: Double, ackLog: String?, seed: UInt64, statusEvery: Double) {
    self.name = name
    self.settings = settings
    self.connect = connect
    self.table = table
    self.announce = announce
    self.cache = cache
    self.games = games
    self.timeout = timeout
    self.ackLog = ackLog
    self.seed = seed
    self.statusEvery = statusEvery
  }

  public func run<G: Game>(_ game: G, transport: any Transport, stop: StopToken, log: RoleLog) throws {
    setBLASThreadCount(1)
    let sink = try RemoteReplay(transport: transport, endpoint: connect, table: table, timeout: timeout, log: log, shouldStop: { stop.isRequested })
    let feed = try RemoteModelFeed(transport: transport, announce: announce, cache: cache, log: log)
    let actor = SelfPlayActor(name: name, game: game, config: settings.selfPlay, parallelGames: settings.training.parallelGames,
                              architecture: settings.network, feed: feed, sink: sink, seed: seed, onError: { log.error("\($0)") })
    actor.precision = settings.inferencePrecision
    actor.nice = Int32(settings.training.actorNice)
    if let path = ackLog {
      if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
      let handle = UncheckedSendable(FileHandle(forWritingAtPath: path))
      _ = try? handle.value?.seekToEnd()
      actor.onStored = { id in try? handle.value?.write(contentsOf: Data("\(id)\n".utf8)) }
    }
    log("playing \(game.name) for \(connect), models from \(announce), at nice +\(settings.training.actorNice); network: \(networkEngineDescription(settings, game: game))")
    startStatusThread(every: statusEvery, until: stop) { _ in
      let c = actor.counters
      log("games \(c.games) acknowledged, \(c.refused) refused, model generation \(c.generation)")
    }
    let limit = games
    actor.run { stop.isRequested || (limit > 0 && actor.counters.games >= limit) }
    feed.stop()
    log("stopped after \(actor.counters.games) acknowledged games")
  }
}

/// The evaluator over a transport: hears the learner's checkpoints, gates each against the best,
/// records verdicts in the run database and announces the winners to the actors.
public struct EvaluatorRole: ClusterRole {
  public var directory: String
  public var settings: RunSettings
  public var learner: String
  public var models: String
  public var announce: String

  public init(directory: String, settings: RunSettings, learner: String, models: String, announce: String) {
    self.directory = directory
    self.settings = settings
    self.learner = learner
    self.models = models
    self.announce = announce
  }

  public func run<G: Game>(_ game: G, transport: any Transport, stop: StopToken, log: RoleLog) throws {
    setBLASThreadCount(1)
    let run = directory
    let store = try RunStore(path: run + "/run.sqlite")
    let feed = try RemoteModelFeed(transport: transport, announce: learner, cache: run + "/candidates", log: log)
    let hub = try ModelHub(transport: transport, fetch: models, announce: announce, log: log)
    // The best so far: the newest accepted candidate whose files are still here.
    let accepted = try RunDirectory.bestAccepted(store, folder: run + "/candidates", game: game.name)
    let best = accepted?.checkpoint, rating = accepted?.rating ?? 0
    if let best { hub.publish(best) }
    let evaluator = CheckpointEvaluator(game: game, config: settings.gating, board: ModelBoard(), store: store, best: best, bestRating: rating,
                                        seed: UInt64(getpid()), precision: settings.inferencePrecision)
    evaluator.onAccepted = { c in hub.publish(c) }
    log("evaluator for \(game.name): gating \(settings.gating.rule.rawValue), best generation \(best?.generation ?? 0); learner \(learner), announcing at \(hub.announceEndpoint)")
    var gated = best?.generation ?? 0
    // A gate in progress stops at its next game when stopping (the candidate is gated on restart).
    Thread.detachNewThread {
      while !stop.isRequested { Thread.sleep(forTimeInterval: 0.1) }
      evaluator.stop()
    }
    while !stop.isRequested {
      Thread.sleep(forTimeInterval: 0.2)
      guard let latest = feed.latest, latest.generation > gated else { continue }
      gated = latest.generation
      do {
        var candidate = latest
        candidate.steps = try Checkpoint.metadata(latest.path, game: game.name).trainingSteps
        let verdict = try evaluator.gate(candidate)
        log("generation \(latest.generation) " + (verdict.accepted ? "accepted" : "rejected") + ": \(verdict.reason)")
      } catch is GateInterrupted {
        break
      } catch {
        log.error("evaluator: \(error)")
      }
    }
    feed.stop()
    hub.stop()
  }
}
