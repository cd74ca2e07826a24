import ArgumentParser
import DojoConfig
import DojoGames
import DojoLeague
import DojoTraining
import DojoCluster
import Foundation

struct LeagueCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "league",
    abstract: "AlphaStar-style leagues: main agents, exploiters, PFSP matchmaking and population-based training.",
    subcommands: [LeagueRunCommand.self, LeagueStatusCommand.self]
  )
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

  @Argument(help: "The league file, e.g. league/tic_tac_toe.toml (not needed with --resume).")
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

  func validate() throws {
    if file == nil && resume == nil { throw ValidationError("give a league file, or --resume RUN") }
    if resume != nil && (file != nil || runDirectory != nil) { throw ValidationError("--resume takes the league from RUN/league.toml: drop the file and --run") }
  }

  func run() throws {
    do { try start() } catch let e as CommandError { throw e } catch { throw CommandError(String(describing: error)) }
  }

  func start() throws {
    let directory: String, path: String
    if let resume {
      path = resume + "/league.toml"
      guard FileManager.default.fileExists(atPath: path) else { throw CommandError("\(resume) is not a league run: no league.toml") }
      directory = resume
    } else {
      path = file!
      let league = try LeagueFile.load(path: path)
      let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withFullDate, .withTime])
      directory = runDirectory ?? "runs/league-\(league.name)-\(stamp)"
      if FileManager.default.fileExists(atPath: directory + "/league.toml") {
        throw CommandError("\(directory) already holds a league: continue it with --resume \(directory), or choose another --run")
      }
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      try FileManager.default.copyItem(atPath: path, toPath: directory + "/league.toml")
    }
    var league = try LeagueFile.load(path: directory + "/league.toml")
    if resume == nil {
      league.name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    } else if let name = try LeagueStore(path: directory + "/league.sqlite").meta("name") {
      league.name = name
    }
    stopOnSignals()
    try RunLeague(config: league, directory: directory, minutes: minutes, statusEvery: statusEvery, seed: seed)(try parseGame(league.game)).get()
  }
}

struct RunLeague: GameTask {
  let config: LeagueConfig
  let directory: String
  let minutes: Double
  let statusEvery: Double
  let seed: UInt64

  func run<G: Game>(_ game: G) -> Result<Void, Error> {
    let log = RunLog(path: directory + "/league.log")
    do {
      let run = try LeagueRun(game: game, config: config, directory: directory, seed: seed, log: { log($0) })
      let roles = AgentRole.allCases.map { r in "\(config.agents(r).count) \(r.rawValue)" }.joined(separator: ", ")
      log("league \(config.name) (\(game.name)) in \(directory): \(roles); \(run.actorCount) actors; "
          + (config.pbt.population.isEmpty ? "no PBT" : "PBT over " + config.pbt.population.map(\.rawValue).joined(separator: ", ")) + "; Ctrl-C stops")
      try run.start()
      let clock = Date(), minutes = self.minutes
      Thread.detachNewThread {
        while !processStop.isRequested {
          Thread.sleep(forTimeInterval: 0.2)
          if minutes > 0 && Date().timeIntervalSince(clock) >= minutes * 60 { processStop.request() }
        }
      }
      var seen = try run.manager.store.events().count
      reportStatus(every: statusEvery, until: processStop) { _ in
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

  @Argument(help: "The league's run directory.")
  var directory: String

  @Flag(help: "Print JSON (agents, historical, payoff, pfsp, ratings, events).")
  var json = false

  @Option(help: "How many recent events to show.")
  var events = 20

  func run() throws {
    do {
      let path = directory + "/league.toml"
      guard FileManager.default.fileExists(atPath: path) else { throw CommandError("\(directory) is not a league run: no league.toml") }
      var config = try LeagueFile.load(path: path)
      let store = try LeagueStore(path: directory + "/league.sqlite")
      config.name = try store.meta("name") ?? config.name
      let manager = try LeagueManager(config: config, store: store, seed: 0)
      let report = try LeagueReport.make(manager, eventLimit: events)
      print(json ? report.json : report.text)
    } catch let e as CommandError { throw e } catch { throw CommandError(String(describing: error)) }
  }
}
