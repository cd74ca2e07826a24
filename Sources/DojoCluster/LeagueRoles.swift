// The league's roles as processes (`dojo league manager|learner|actor`, started together by `dojo
// league up`). The manager process holds the league database, one replay table per agent and the
// anchor rater, and serves the league (LeagueService) and the replay tables (ReplayService). Learners
// run on the manager's machine (they share the run directory: checkpoints under RUN/agents/NAME);
// actors run anywhere and need only the manager's two addresses: they fetch every model by hash.

import DojoConcurrency
import DojoGames
import DojoLeague
import DojoNN
import DojoTelemetry
import DojoTraining
import DojoTransport
import Foundation

/// The league manager with the agents' replay tables and the rater.
public struct LeagueManagerRole: ClusterRole {
  public var directory: String
  public var config: LeagueConfig
  public var bind: String
  public var replayBind: String
  public var seed: UInt64
  public var statusEvery: Double

  public init(directory: String, config: LeagueConfig, bind: String, replayBind: String, seed: UInt64, statusEvery: Double) {
    self.directory = directory
    self.config = config
    self.bind = bind
    self.replayBind = replayBind
    self.seed = seed
    self.statusEvery = statusEvery
  }

  public func run<G: Game>(_ game: G, transport: any Transport, stop: StopToken, log: RoleLog) throws {
    setBLASThreadCount(1)
    let (manager, games) = try LeagueSetup.open(game: game, config: config, directory: directory, seed: seed)
    let tables = try LeagueSetup.replayTables(game: game, config: config, manager: manager, games: games, seed: seed)
    let replayService = ReplayService(tables: tables, log: log)
    let leagueService = LeagueService(manager: manager, log: log)
    let replayServer = try transport.serve(replayBind) { replayService.handle($0) }
    let leagueServer = try transport.serve(bind) { leagueService.handle($0) }
    let rater = try LeagueRater(game: game, manager: manager, seed: seed ^ 0x4A7E) { _ in
      try? LeagueCharts.ratings(store: manager.store, title: "\(config.name): ratings anchored at \(config.rating.anchors.first ?? "-") = 0")
        .write(toFile: directory + "/ratings.svg", atomically: true, encoding: .utf8)
    }
    let raterThread = Thread { rater.run(stop: stop, onError: { log.error("rater: \($0)") }) }
    raterThread.name = "rater"
    raterThread.start()
    log("league manager for \(config.name) (\(game.name)) at \(leagueServer.endpoint), replay tables at \(replayServer.endpoint): "
        + config.agents.map(\.name).joined(separator: ", "))
    var seen = try manager.store.events().count
    let scalars = try LeagueScalars(store: manager.store, directory: directory)
    log("TensorBoard: tensorboard --logdir \(directory)/tensorboard")
    reportStatus(every: statusEvery, until: stop) { _ in
      do { try scalars.update() } catch { log.warning("could not write TensorBoard scalars: \(error)") }
      let ratings = manager.ratings()
      let line = manager.agents.map { a in
        "\(a.name) g\(a.generation) \(a.steps)st " + (ratings.first { $0.name == a.name }.map { String(format: "%.0f", $0.rating) } ?? "—")
      }
      log(line.joined(separator: " | ") + " | \(manager.historical.count) historical, \((try? manager.store.resultCount()) ?? 0) results")
      if let events = try? manager.store.events(), events.count > seen {
        for e in events[seen...] { log("  \(e.kind.rawValue): \(e.agents.joined(separator: ", ")): \(e.reason)") }
        seen = events.count
      }
    }
    for t in tables { t.stop() }
    leagueServer.stop()
    replayServer.stop()
    do { try scalars.update() } catch { log.warning("could not write TensorBoard scalars: \(error)") }
    log("league manager stopped: \(try manager.store.resultCount()) results stored")
  }
}

/// One learning agent's learner, on the manager's machine.
public struct LeagueLearnerRole: ClusterRole {
  public var directory: String
  public var config: LeagueConfig
  public var agent: String
  public var manager: String
  public var replay: String
  public var statusEvery: Double

  public init(directory: String, config: LeagueConfig, agent: String, manager: String, replay: String, statusEvery: Double) {
    self.directory = directory
    self.config = config
    self.agent = agent
    self.manager = manager
    self.replay = replay
    self.statusEvery = statusEvery
  }

  public func run<G: Game>(_ game: G, transport: any Transport, stop: StopToken, log: RoleLog) throws {
    setBLASThreadCount(1)
    let league = try RemoteLeague(transport: transport, endpoint: manager, cache: directory + "/models-cache", log: log,
                                  shouldStop: { stop.isRequested })
    let remote = try RemoteReplay(transport: transport, endpoint: replay, table: agent, log: log, shouldStop: { stop.isRequested })
    let learner = try AgentLearner(name: agent, game: game, league: config, manager: league, source: remote.batches(log: log),
                                   directory: LeagueSetup.agentDirectory(directory, agent))
    log("learner of \(agent): \(learner.progress.steps) steps; league \(manager), replay table \(agent) at \(replay)")
    startStatusThread(every: statusEvery, until: stop) { _ in
      let p = learner.progress
      log("steps \(p.steps), generation \(p.generation), resets \(p.resets), exploits \(p.exploits)"
          + (p.losses.map { String(format: ", loss policy %.3f value %.3f", $0.policy, $0.value) } ?? ""))
    }
    learner.run(onError: { log.error("\($0)") })
    if learner.hasUnsavedSteps {
      // Written either way; if the manager is already gone it is not reported, and a restart
      // continues from the model the manager holds (the steps since are trained again).
      do { try learner.checkpoint(decide: false) } catch { log.warning("last checkpoint not reported: \(error)") }
    }
    log("learner of \(agent) stopped at \(learner.progress.steps) steps")
  }
}

/// A league actor anywhere: the manager's address and its replay address are all it needs.
public struct LeagueActorRole: ClusterRole {
  public var name: String
  public var manager: String
  public var replay: String
  public var cache: String
  public var parallelGames: Int
  public var seed: UInt64
  public var precision: InferencePrecision
  /// How much the actor raises its thread's nice value while it plays (`training.actor_nice`).
  public var nice: Int
  public var statusEvery: Double

  public init(name: String, manager: String, replay: String, cache: String, parallelGames: Int, seed: UInt64,
              precision: InferencePrecision = .auto, nice: Int = TrainingConfig().actorNice, statusEvery: Double) {
    self.name = name
    self.precision = precision
    self.nice = nice
    self.manager = manager
    self.replay = replay
    self.cache = cache
    self.parallelGames = parallelGames
    self.seed = seed
    self.statusEvery = statusEvery
  }

  public func run<G: Game>(_ game: G, transport: any Transport, stop: StopToken, log: RoleLog) throws {
    setBLASThreadCount(1)
    let league = try RemoteLeague(transport: transport, endpoint: manager, cache: cache, log: log, shouldStop: { stop.isRequested })
    let sinks = Locked<[String: RemoteReplay]>([:])
    let replay = self.replay
    let actor = LeagueActor(name: name, game: game, manager: league, sink: { agent in
      try sinks.withLock { s in
        if let r = s[agent] { return r }
        let r = try RemoteReplay(transport: transport, endpoint: replay, table: agent, log: log, shouldStop: { stop.isRequested })
        s[agent] = r
        return r
      }
    }, parallelGames: parallelGames, seed: seed, precision: precision, locate: { try league.locate($0) }, onError: { log.error("\($0)") })
    actor.nice = Int32(nice)
    log("league actor \(name): manager \(manager), replay \(replay), models cached in \(cache), networks in \(precision.resolved.rawValue) (\(precision.rawValue)), at nice +\(nice)")
    startStatusThread(every: statusEvery, until: stop) { _ in
      let c = actor.counters
      log("matches \(c.matches), games \(c.games), refused \(c.refused)")
    }
    actor.run { stop.isRequested }
    log("league actor \(name) stopped: \(actor.counters.games) games")
  }
}
