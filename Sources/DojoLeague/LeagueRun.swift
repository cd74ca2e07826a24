// A whole league in one process (`dojo league run`): the manager, one replay table and one learner
// per learning agent, the actors and the rater, each on its own thread with one BLAS thread.
//
// Sharing two cores: every learner is rate-limited by its own table (samples per insert), and the
// manager hands the next match to the agent that has had the fewest, so each agent gets the same
// share of games and so of optimizer steps; a learner that falls behind holds back the actors
// submitting to its table until it catches up (the replay store's limiter). The status line shows
// steps per agent, so a starving learner would show.
//
// The run directory: league.toml (the league as started), league.sqlite (the manager's state),
// games.sqlite (every acknowledged game, one table per agent), agents/<name>/checkpoints/, and
// ratings.svg. kill -9 loses nothing acknowledged; `--resume` continues from it.

import DojoConcurrency
import DojoArena
import DojoGames
import DojoNN
import DojoTelemetry
import DojoTraining
import Foundation

/// One agent's line in the status.
public struct LeagueAgentStatus: Sendable {
  public var name: String
  public var role: AgentRole
  public var generation: Int
  public var steps: Int
  public var games: Int
  public var rating: Double?
  public var resets: Int
  public var exploits: Int
}

public final class LeagueRun<G: Game>: @unchecked Sendable {
  public let game: G
  public let config: LeagueConfig
  public let directory: String
  public let manager: LeagueManager
  let games: RunStore
  let replays: [String: ReplayStore<G>]
  let learners: [AgentLearner<G>]
  var actors: [LeagueActor<G>] = []
  var rater: LeagueRater<G>!
  let seed: UInt64
  let log: RoleLog
  let stopToken = StopToken()
  let group = DispatchGroup()
  public let started = Date()

  public init(game: G, config: LeagueConfig, directory: String, seed: UInt64, log: RoleLog) throws {
    self.game = game
    self.config = config
    self.directory = directory
    self.seed = seed
    self.log = log
    (manager, games) = try LeagueSetup.open(game: game, config: config, directory: directory, seed: seed)
    let tables = try LeagueSetup.replayTables(game: game, config: config, manager: manager, games: games, seed: seed)
    var replays: [String: ReplayStore<G>] = [:], learners: [AgentLearner<G>] = []
    for replay in tables {
      replays[replay.table] = replay
      learners.append(try AgentLearner(name: replay.table, game: game, league: config, manager: manager, source: { replay.sample($0) },
                                       directory: LeagueSetup.agentDirectory(directory, replay.table)))
    }
    self.replays = replays
    self.learners = learners
  }

  public var actorCount: Int { config.actors > 0 ? config.actors : Cores.available }

  /// Starts every role on its own thread.
  public func start() throws {
    setBLASThreadCount(1)
    let log = self.log
    let replays = self.replays
    let parallel = config.agents.map(\.settings.training.parallelGames).max() ?? 16
    let precision = config.actorPrecision
    for i in 0..<actorCount {
      let actor = LeagueActor(name: "actor-\(i)", game: game, manager: manager, sink: { agent in
                                guard let r = replays[agent] else { throw InvalidRun("no replay table for \(agent)") }
                                return r
                              }, parallelGames: parallel,
                              seed: SplitMix64.mix(seed ^ UInt64(i + 1) << 40 ^ UInt64(Date().timeIntervalSince1970)), precision: precision,
                              onError: { log.error("actor-\(i): \($0)") })
      actor.nice = Int32(config.actorNice)
      actors.append(actor)
      spawn("actor-\(i)") { [self] in actor.run { self.stopToken.isRequested } }
    }
    for learner in learners {
      spawn("learner-\(learner.name)") { learner.run(onError: { log.error("\(learner.name): \($0)") }) }
    }
    rater = try LeagueRater(game: game, manager: manager, seed: seed ^ 0x4A7E) { [weak self] _ in
      do { try self?.drawRatings() } catch { log.warning("ratings chart: \(error)") }
    }
    let rater = self.rater!, stop = stopToken
    spawn("rater") { rater.run(stop: stop, onError: { log.error("rater: \($0)") }) }
  }

  func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
    ThreadScheduling.spawn(name, group: group, body)
  }

  /// Stops every role; each learner that stepped since its last checkpoint writes one more (reported
  /// to the manager, which records it; a decision it takes then is applied on resume).
  public func stop() throws {
    stopToken.request()
    for r in replays.values { r.stop() }
    group.wait()
    for learner in learners where learner.hasUnsavedSteps { try learner.checkpoint(decide: false) }
    try drawRatings()
  }

  /// Rating rounds played against the anchors (in this league, across restarts).
  public var ratingRounds: Int { rater?.round ?? 0 }

  /// Per agent: generation, steps, games, rating.
  public var agentStatus: [LeagueAgentStatus] {
    let ratings = manager.ratings()
    return learners.map { l in
      let p = l.progress, agent = manager.agent(l.name)!
      return LeagueAgentStatus(name: l.name, role: agent.role, generation: p.generation, steps: p.steps,
                               games: replays[l.name]!.statistics.gamesAccepted, rating: ratings.first { $0.name == l.name }?.rating,
                               resets: p.resets, exploits: p.exploits)
    }
  }

  /// Redraws ratings.svg: every agent's and historical player's anchored rating over rating rounds.
  public func drawRatings() throws {
    try LeagueCharts.ratings(store: manager.store, title: "\(config.name): ratings anchored at \(config.rating.anchors.first ?? "-") = 0")
      .write(toFile: directory + "/ratings.svg", atomically: true, encoding: .utf8)
  }
}

public enum LeagueCharts {
  static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

  /// The ratings over time of the league's current players and anchors, as SVG (x: minutes since the first round).
  public static func ratings(store: LeagueStore, title: String) throws -> String {
    let history = try store.ratingHistory()
    let start = history.map(\.at).min() ?? 0
    let agents = Set(try store.agents().map(\.name))
    var players: [String] = []
    for p in history.map(\.player) where !players.contains(p) && (agents.contains(p) || !p.contains("@")) { players.append(p) }
    let series = players.enumerated().map { k, name in
      let points = history.filter { $0.player == name }
      return ChartSeries(name: name, color: colors[k % colors.count], points: points.map { (($0.at - start) / 60, $0.rating) },
                         errors: points.map(\.margin))
    }
    return LineChart(title: title, xLabel: "minutes", yLabel: "Elo", series: series).svg
  }
}

/// Opening a league's run directory, written once for `dojo league run` and the league manager process.
public enum LeagueSetup {
  /// The league database and manager (each new agent registered with its initial weights,
  /// generation 0, which resets return to) and the games database.
  public static func open<G: Game>(game: G, config: LeagueConfig, directory: String, seed: UInt64) throws -> (LeagueManager, RunStore) {
    try FileManager.default.createDirectory(atPath: directory + "/agents", withIntermediateDirectories: true)
    let store = try LeagueStore(path: directory + "/league.sqlite")
    if let stored = try store.meta("game"), stored != game.name {
      throw InvalidRun("\(directory) holds a league of \(stored), not \(game.name)")
    }
    try store.setMeta("game", game.name)
    try store.setMeta("name", config.name)
    let manager = try LeagueManager(config: config, store: store, seed: seed)
    for (k, definition) in config.agents.enumerated() where manager.agent(definition.name) == nil {
      var network = PolicyValueNet(config: definition.settings.network, seed: SplitMix64.mix(seed ^ UInt64(k + 1)))
      if let initial = definition.initialCheckpoint {
        do { network = try Checkpoint.read(initial, game: game.name, architecture: definition.settings.network).network } catch {
          throw InvalidRun("\(definition.name)'s initial_checkpoint: \(error)")
        }
      }
      let path = agentDirectory(directory, definition.name) + "/checkpoints/000000"
      let meta = try Checkpoint.write(network, optimizer: nil, metadata: CheckpointMetadata(game: game.name, architecture: network.config), to: path)
      try manager.register(definition, initial: CheckpointReference(generation: 0, path: path, sha256: meta.modelSHA256))
    }
    return (manager, try RunStore(path: directory + "/games.sqlite"))
  }

  /// Each learning agent's replay table (its own window and rate limiter), refilled from the stored
  /// games. A frozen agent has none.
  public static func replayTables<G: Game>(game: G, config: LeagueConfig, manager: LeagueManager, games: RunStore, seed: UInt64) throws -> [ReplayStore<G>] {
    try config.agents.enumerated().filter { !$0.element.frozen }.map { k, definition in
      let replay = ReplayStore(game: game, config: definition.settings.training, store: games, seed: SplitMix64.mix(seed ^ 0xB0F ^ UInt64(k)),
                               table: definition.name)
      try replay.restore(sampled: manager.agent(definition.name)?.samplesSeen ?? 0)
      return replay
    }
  }

  /// Where an agent's checkpoints go.
  public static func agentDirectory(_ directory: String, _ agent: String) -> String { directory + "/agents/" + agent }
}
