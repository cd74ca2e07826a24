import ArgumentParser
import DojoConcurrency
import DojoConfig
import DojoGames
import DojoLeague
import DojoNN
import DojoTraining
import DojoCluster
import DojoHTTP
import Foundation

struct LeagueCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "league",
    abstract: "AlphaStar-style leagues: main agents, exploiters, PFSP matchmaking and population-based training.",
    subcommands: [LeagueRunCommand.self, LeagueStatusCommand.self, LeagueUp.self, LeagueManagerCommand.self, LeagueLearnerCommand.self,
                  LeagueActorCommand.self]
  )
}

/// A league's run directory: a new one from `file` (its league.toml is a copy of it), or an
/// existing one (`file` nil); the league as it reads there.
func leagueDirectory(file: String?, run: String?, resume: Bool) throws -> (directory: String, config: LeagueConfig) {
  let directory: String
  if resume {
    directory = run!
    guard FileManager.default.fileExists(atPath: directory + "/league.toml") else { throw CommandError("\(directory) is not a league run: no league.toml") }
  } else {
    guard let file else { throw CommandError("give a league file, or an existing league's run directory") }
    let league = try LeagueFile.load(path: file)
    let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withFullDate, .withTime])
    directory = run ?? "runs/league-\(league.name)-\(stamp)"
    if FileManager.default.fileExists(atPath: directory + "/league.toml") {
      throw CommandError("\(directory) already holds a league: continue it with --resume \(directory), or choose another --run")
    }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: file, toPath: directory + "/league.toml")
    let store = try LeagueStore(path: directory + "/league.sqlite")
    try store.setMeta("name", league.name)
    // What the copy was taken from, for the start lines of this run and its resumptions.
    try store.setMeta("agents_config_source", try LeagueFile.startRun(directory, game: league.game).source)
    var config = try LeagueFile.loadRun(directory)
    config.name = league.name
    return (directory, config)
  }
  var config = try LeagueFile.loadRun(directory)
  if FileManager.default.fileExists(atPath: directory + "/league.sqlite"), let name = try LeagueStore(path: directory + "/league.sqlite").meta("name") {
    config.name = name
  }
  return (directory, config)
}

struct LeagueRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a league on this machine: the manager, a learner per agent, the actors and the rater.",
    discussion: """
      The league file (league/<name>.toml) names the game, the learning agents by role and how they
      meet. Each learner trains from its own replay table; actors ask the manager for matches and play
      the learning agent against its opponent, each with its own network and settings; the manager
      takes snapshots, resets exploiters and runs PBT, and records every decision with its reason in
      RUN/league.sqlite. Ratings are anchored to fixed players and drawn in RUN/ratings.svg.
      Ctrl-C stops cleanly; `--resume RUN` continues. `dojo league status RUN` shows the league.
      """
  )

  @Argument(help: "The league file, e.g. league/tic_tac_toe.toml (not needed with --resume).", completion: .leagueFiles)
  var file: String?

  @Option(name: .customLong("run"), help: "The run directory for a new league. Default: runs/league-<name>-<date>-<time>.")
  var runDirectory: String?

  @Option(help: "Continue the league in this directory (its league.toml and database).")
  var resume: String?

  @Option(help: "Stop after this many minutes (0: until Ctrl-C).")
  var minutes: Double = 0

  @Option(help: "Seconds between status lines.")
  var statusEvery: Double = 10

  @Option(help: "Seed (initial weights, matchmaking, actors).")
  var seed: UInt64 = 1

  @OptionGroup var logging: LogOptions

  @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9100).")
  var metrics: String?

  func validate() throws {
    if file == nil && resume == nil { throw ValidationError("give a league file, or --resume RUN") }
    if resume != nil && (file != nil || runDirectory != nil) { throw ValidationError("--resume takes the league from RUN/league.toml: drop the file and --run") }
  }

  func run() throws {
    do { try start() } catch let e as CommandError { throw e } catch { throw CommandError(String(describing: error)) }
  }

  func start() throws {
    let (directory, league) = try leagueDirectory(file: file, run: resume ?? runDirectory, resume: resume != nil)
    let server = try metrics.map { try MetricsServer.start($0) }
    stopOnSignals()
    if let server { print("metrics: http://\(server.address)/metrics") }
    try RunLeague(config: league, directory: directory, minutes: minutes, statusEvery: statusEvery, seed: seed, logOptions: logging)(try parseGame(league.game)).get()
  }
}

struct RunLeague: GameTask {
  let config: LeagueConfig
  let directory: String
  let minutes: Double
  let statusEvery: Double
  let seed: UInt64
  let logOptions: LogOptions

  func run<G: Game>(_ game: G) -> Result<Void, Error> {
    let log = RunLog(path: directory + "/league.log", role: "league", run: directory, options: logOptions)
    do {
      let run = try LeagueRun(game: game, config: config, directory: directory, seed: seed, log: log.roleLog)
      let roles = AgentRole.allCases.map { r in "\(config.agents(r).count) \(r.rawValue)" }.joined(separator: ", ")
      log("league \(config.name) (\(game.name)) in \(directory): \(roles); \(actorsPhrase(run.actorCount, nice: config.actorNice)); "
          + (config.pbt.population.isEmpty ? "no PBT" : "PBT over " + config.pbt.population.map(\.rawValue).joined(separator: ", ")) + "; Ctrl-C stops")
      let copy = GameConfig.file(for: game, directory: LeagueFile.runGamesDirectory(directory))
      let source = try? run.manager.store.meta("agents_config_source")
      log("agents' config: " + (FileManager.default.fileExists(atPath: copy) ? copy + " (the run's copy of \(source ?? "games/"), taken when it started)" : GameConfig.source(for: game))
          + " with the league file's overrides")
      try run.start()
      stopAfter(minutes: minutes)
      var seen = try run.manager.store.events().count
      let scalars = try LeagueScalars(store: run.manager.store, directory: directory)
      log("TensorBoard: tensorboard --logdir \(directory)/tensorboard")
      reportStatus(every: statusEvery, until: processStop) { _ in
        do { try scalars.update() } catch { log.warning("could not write TensorBoard scalars: \(error)") }
        let t = Int(Date().timeIntervalSince(run.started))
        let agents = run.agentStatus.map { a in
          "\(a.name) g\(a.generation) \(a.steps)st \(a.games)gm " + (a.rating.map { String(format: "%.0f", $0) } ?? "—")
        }
        log(String(format: "[%02d:%02d:%02d] ", t / 3600, t / 60 % 60, t % 60) + agents.joined(separator: " | ")
            + " | \(run.manager.historical.count) historical")
        if let events = try? run.manager.store.events(), events.count > seen {
          for e in events[seen...] { log("  \(e.kind.rawValue): \(e.agents.joined(separator: ", ")): \(e.reason)") }
          seen = events.count
        }
      }
      log("stopping: finishing games and steps, writing checkpoints...")
      try run.stop()
      do { try scalars.update() } catch { log.warning("could not write TensorBoard scalars: \(error)") }
      log(String(format: "stopped after %.1f minutes. Ratings: %@/ratings.svg", Date().timeIntervalSince(run.started) / 60, directory))
      log("status:  dojo league status \(directory)")
      log("resume:  dojo league run --resume \(directory)")
      return .success(())
    } catch {
      return .failure(error)
    }
  }
}

struct LeagueStatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show a league: agents, historical players, the payoff matrix, PFSP distributions and recent events."
  )

  @Argument(help: "The league's run directory.", completion: .directory)
  var directory: String

  @Flag(help: "Print JSON (agents, historical, payoff, pfsp, ratings, events).")
  var json = false

  @Option(help: "How many recent events to show.")
  var events = 20

  func run() throws {
    do {
      let path = directory + "/league.toml"
      guard FileManager.default.fileExists(atPath: path) else { throw CommandError("\(directory) is not a league run: no league.toml") }
      var config = try LeagueFile.loadRun(directory)
      let store = try LeagueStore(path: directory + "/league.sqlite")
      config.name = try store.meta("name") ?? config.name
      let manager = try LeagueManager(config: config, store: store, seed: 0)
      let report = try LeagueReport.make(manager, eventLimit: events)
      print(json ? report.json : report.text)
    } catch let e as CommandError { throw e } catch { throw CommandError(String(describing: error)) }
  }
}

struct LeagueUp: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "up",
    abstract: "Start a league's roles as processes on this machine: the manager, a learner per agent, N actors; watch and restart them.",
    discussion: """
      Ports from --base-port: the league manager P, its replay tables P+1 (on --host, 127.0.0.1 by
      default). Each role logs to RUN/logs/<role>.log; a health table every --status-every seconds; a
      role that dies is restarted with back-off. Ctrl-C stops actors, learners, then the manager.
      Actors on other machines join with `dojo league actor GAME --manager tcp://HOST:P --replay tcp://HOST:P+1`.
      The same command with --resume RUN continues a league.
      """
  )
  @Argument(help: "The league file (not needed with --resume).", completion: .leagueFiles) var file: String?
  @Option(name: .customLong("run"), help: "The run directory. Default: runs/league-<name>-<date>-<time>.") var runDirectory: String?
  @Option(help: "Continue the league in this directory.") var resume: String?
  @Option(help: "Actor processes (default: one per core).") var actors = Cores.available
  @Option(help: "The address every role binds to.") var host = "127.0.0.1"
  @Option(help: "The first of two ports.") var basePort = 5600
  @Option(help: "Stop after this many minutes (0: until Ctrl-C).") var minutes: Double = 0
  @Option(help: "Seed (initial weights, matchmaking, actors).") var seed: UInt64 = 1
  @OptionGroup var cluster: ClusterOptions

  func run() throws {
    do {
      let (run, league) = try leagueDirectory(file: file, run: resume ?? runDirectory, resume: resume != nil)
      try FileManager.default.createDirectory(atPath: run + "/logs", withIntermediateDirectories: true)
      stopOnSignals()
      let at = { (k: Int) in "tcp://\(host):\(basePort + k)" }
      let keys = (cluster.keys.map { ["--keys", $0] } ?? []) + ["--max-message-mb", "\(cluster.maxMessageMb)"] + cluster.logging.arguments
      let status = ["--status-every", "\(cluster.statusEvery)"]
      var roles: [(String, [String])] = [("manager", ["league", "manager", "--run", run, "--bind", at(0), "--replay-bind", at(1), "--seed", "\(seed)"] + keys + status)]
      for a in league.learningAgents {
        roles.append(("learner-\(a.name)", ["league", "learner", "--run", run, "--agent", a.name, "--manager", at(0), "--replay", at(1)] + keys + status))
      }
      let parallel = league.agents.map(\.settings.training.parallelGames).max() ?? 16
      for i in 0..<actors {
        roles.append(("actor-\(i)", ["league", "actor", league.game, "--manager", at(0), "--replay", at(1), "--name", "actor-\(i)",
                                     "--cache", run + "/models-actor-\(i)", "--parallel-games", "\(parallel)", "--seed", "\(seed &+ UInt64(i) &* 7919)",
                                     "--precision", league.actorPrecision.rawValue, "--nice", "\(league.actorNice)"] + keys + status))
      }
      let supervisor = Supervisor(run: run, roles: try withMetricsPorts(roles, cluster.metrics))
      print("league \(league.name) in \(run): \(roles.map(\.0).joined(separator: ", ")); manager at \(at(0)), replay tables at \(at(1))")
      supervisor.watch(minutes: minutes, statusEvery: cluster.statusEvery)
      print("stopping the league...")
      supervisor.stopAll()
      print("stopped. Status: dojo league status \(run); continue: dojo league up --resume \(run)")
    } catch let e as CommandError { throw e } catch { throw CommandError(String(describing: error)) }
  }
}

struct LeagueManagerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "manager",
    abstract: "The league manager: payoff, matchmaking, snapshots, resets, PBT; the agents' replay tables; the anchor rater."
  )
  @Argument(help: "The league file for a new league (omit for an existing --run).", completion: .leagueFiles) var file: String?
  @Option(name: .customLong("run"), help: "The league's run directory.") var directory: String
  @Option(help: "Where actors and learners reach the manager.") var bind = "tcp://127.0.0.1:5600"
  @Option(help: "Where the replay tables are served.") var replayBind = "tcp://127.0.0.1:5601"
  @Option(help: "Seed (initial weights, matchmaking).") var seed: UInt64 = 1
  @OptionGroup var cluster: ClusterOptions

  func run() throws {
    do {
      let existing = FileManager.default.fileExists(atPath: directory + "/league.toml")
      let (run, league) = try leagueDirectory(file: existing ? nil : file, run: directory, resume: existing)
      stopOnSignals()
      let role = LeagueManagerRole(directory: run, config: league, bind: bind, replayBind: replayBind, seed: seed, statusEvery: cluster.statusEvery)
      try RunRole(role: role, cluster: cluster, logFile: nil, name: "manager", runDirectory: directory)(try parseGame(league.game)).get()
    } catch let e as CommandError { throw e } catch { throw CommandError(String(describing: error)) }
  }
}

struct LeagueLearnerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "learner",
    abstract: "One learning agent's learner, on the manager's machine (it shares the league's run directory)."
  )
  @Option(name: .customLong("run"), help: "The league's run directory.") var directory: String
  @Option(help: "The learning agent, e.g. main_agent_0.") var agent: String
  @Option(help: "The league manager.") var manager = "tcp://127.0.0.1:5600"
  @Option(help: "The replay tables.") var replay = "tcp://127.0.0.1:5601"
  @OptionGroup var cluster: ClusterOptions

  func run() throws {
    do {
      let (run, league) = try leagueDirectory(file: nil, run: directory, resume: true)
      guard league.agents.contains(where: { $0.name == agent }) else {
        throw CommandError("the league in \(run) has no agent \(agent); its agents: " + league.agents.map(\.name).joined(separator: ", "))
      }
      stopOnSignals()
      let role = LeagueLearnerRole(directory: run, config: league, agent: agent, manager: manager, replay: replay, statusEvery: cluster.statusEvery)
      try RunRole(role: role, cluster: cluster, logFile: nil, name: agent, runDirectory: directory)(try parseGame(league.game)).get()
    } catch let e as CommandError { throw e } catch { throw CommandError(String(describing: error)) }
  }
}

struct LeagueActorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "actor",
    abstract: "A league actor: asks the manager for matches, plays them, sends the agents' games to their tables. Runs on any machine."
  )
  @Argument(help: "The game, as the league names it.", completion: .games) var game: String
  @Option(help: "The league manager.") var manager = "tcp://127.0.0.1:5600"
  @Option(help: "The replay tables.") var replay = "tcp://127.0.0.1:5601"
  @Option(help: "This actor's name (in game records).") var name = "actor@\(ProcessInfo.processInfo.hostName)"
  @Option(help: "Where fetched models are kept.") var cache = "models-cache"
  @Option(help: "Games played at once in lockstep.") var parallelGames = 16
  @Option(help: "Seed of this actor's games.") var seed: UInt64 = 1
  @Option(help: "The networks' tower format: fp32, bf16, int8 or auto (bf16 with AMX, else int8 with AVX2), as network.inference_precision.")
  var precision = InferencePrecision.auto
  @Option(help: "How much the actor raises its nice value, so a learner on the same machine runs first (0-19), as training.actor_nice.")
  var nice = TrainingConfig().actorNice
  @OptionGroup var cluster: ClusterOptions

  func run() throws {
    stopOnSignals()
    guard (0...19).contains(nice) else { throw CommandError("--nice \(nice): must be 0 to 19") }
    let role = LeagueActorRole(name: name, manager: manager, replay: replay, cache: cache, parallelGames: parallelGames, seed: seed,
                               precision: precision, nice: nice, statusEvery: cluster.statusEvery)
    do { try RunRole(role: role, cluster: cluster, logFile: nil, name: name)(try parseGame(game)).get() } catch {
      throw CommandError(String(describing: error))
    }
  }
}
