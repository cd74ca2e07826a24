import DojoConcurrency
import ArgumentParser
import DojoConfig
import DojoGames
import DojoNN
import DojoSearch
import DojoTraining
import DojoCluster
import DojoHTTP
import DojoTelemetry
import Foundation
import Logging

/// This process's stop: set by SIGINT / SIGTERM (or a command's own limit), handed to every role.
let processStop = StopToken()

/// Requests `processStop` (as Ctrl-C does) after `minutes` (0: never) or once `done()` holds.
func stopAfter(minutes: Double, done: @escaping @Sendable () -> Bool = { false }) {
  let clock = Date()
  Thread.detachNewThread {
    while !processStop.isRequested {
      Thread.sleep(forTimeInterval: 0.2)
      if (minutes > 0 && Date().timeIntervalSince(clock) >= minutes * 60) || done() { processStop.request() }
    }
  }
}

/// Ctrl-C and SIGTERM ask for a clean stop (`processStop`).
func stopOnSignals() {
  signal(SIGINT) { _ in processStop.request() }
  signal(SIGTERM) { _ in processStop.request() }
}

/// "1 actor (nice +10)", "2 actors (nice +10)": how a start line names the actors.
func actorsPhrase(_ count: Int, nice: Int) -> String {
  "\(count) actor\(count == 1 ? "" : "s") (nice +\(nice))"
}

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a game from zero by self-play on this machine; resume a run after a stop or a crash.",
    discussion: """
      Actors (one per core, one BLAS thread each) play batched self-play games and hand them to the
      replay store, which validates and stores them in RUN/run.sqlite before using them; the learner
      trains on the window as the samples-per-insert limiter allows and writes a checkpoint every
      checkpoint_steps; the evaluator gates each checkpoint against the best and the actors switch to
      the winner between games. Settings: games/<game>/config.toml or --config; the run's effective
      configuration is RUN/config.toml. A status line every --status-every seconds; RUN/loss.svg and
      RUN/rating.svg are redrawn every minute. Ctrl-C stops cleanly; `dojo train --resume RUN`
      continues with the weights, optimizer state, replay window and counters it had.
      """
  )

  @Argument(help: "The game, e.g. connect_four (not needed with --resume).", completion: .games)
  var game: String?

  @Option(help: "A configuration file instead of games/<game>/config.toml.")
  var config: String?

  @Option(name: .customLong("run"), help: "The run directory for a new run. Default: runs/<game>-<date>-<time>.")
  var runDirectory: String?

  @Option(help: "Continue the run in this directory (its config.toml, newest checkpoint and stored games).")
  var resume: String?

  @Option(help: "Stop after this many minutes (0: until Ctrl-C).")
  var minutes: Double = 0

  @Option(help: "Stop once the learner has taken this many optimizer steps in all (0: no limit).")
  var steps = 0

  @Option(help: "Seconds between status lines.")
  var statusEvery: Double = 10

  @Option(help: "Seed (actors, learner, replay sampling).")
  var seed: UInt64 = 1

  @OptionGroup var logging: LogOptions

  @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9100).")
  var metrics: String?

  func validate() throws {
    if game == nil && resume == nil { throw ValidationError("give a game to train, or --resume RUN") }
    if resume != nil && (config != nil || runDirectory != nil) { throw ValidationError("--resume takes its settings from RUN/config.toml: drop --config and --run") }
  }

  func run() throws {
    do { try train() } catch let e as CommandError { throw e } catch { throw CommandError(String(describing: error)) }
  }

  func train() throws {
    let settings: GameConfig
    let directory: String
    let source: String
    if let resume {
      let path = resume + "/config.toml"
      guard FileManager.default.fileExists(atPath: path) else { throw CommandError("\(resume) is not a run directory: no config.toml") }
      settings = try GameConfig.load(path: path)
      if let game, try parseGame(game).name != settings.game.name {
        throw CommandError("\(resume) trains \(settings.game.name), not \(game)")
      }
      directory = resume
      source = path
    } else {
      let g = try parseGame(game!)
      settings = try config.map { p in
        let c = try GameConfig.load(path: p)
        guard c.game.name == g.name else { throw CommandError("\(p) configures \(c.game.name), not \(g.name)") }
        return c
      } ?? GameConfig.forGame(g)
      source = config ?? GameConfig.source(for: g)
      let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withFullDate, .withTime])
      directory = runDirectory ?? "runs/\(g.name.prefix { $0 != "(" })-\(stamp)"
      if FileManager.default.fileExists(atPath: directory + "/config.toml") {
        throw CommandError("\(directory) already holds a run: continue it with --resume \(directory), or choose another --run")
      }
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      try ("# The effective configuration of this run (every default written out). `dojo train --resume` reads it.\n" + settings.toml)
        .write(toFile: directory + "/config.toml", atomically: true, encoding: .utf8)
    }
    let server = try metrics.map { try MetricsServer.start($0) }
    if let server { print("metrics: http://\(server.address)/metrics") }
    stopOnSignals()
    try RunTraining(settings: settings, source: source, directory: directory, minutes: minutes, steps: steps, statusEvery: statusEvery,
                    seed: seed, logOptions: logging)(settings.game).get()
  }
}

/// A command's log: swift-log with Dojo's handler, to the terminal and to `path` (text or JSON
/// lines, from `--log-format`), at `--log-level` and above, with the role and the run on every line.
final class RunLog: Sendable {
  let logger: Logger

  init(path: String?, role: String, run: String?, options: LogOptions, terminalPrefix: String = "") {
    var metadata: Logger.Metadata = ["role": .string(role)]
    if let run { metadata["run"] = .string(run) }
    logger = Logger.dojo("dojo.\(role)", destination: LogDestination(path: path, format: options.logFormat, terminalPrefix: terminalPrefix),
                         level: options.logLevel, metadata: metadata)
  }

  /// An event, at info.
  func callAsFunction(_ line: String) { logger.info("\(line)") }
  /// What roles and runs log through: this logger, at the levels they choose.
  var roleLog: RoleLog { RoleLog(logger) }
  func warning(_ line: String) { logger.warning("\(line)") }
  func error(_ line: String) { logger.error("\(line)") }
}

/// `--log-level` and `--log-format`, for every command that runs for a while.
struct LogOptions: ParsableArguments {
  @Option(help: "The lowest level logged: trace, debug, info, notice, warning, error or critical.")
  var logLevel: Logger.Level = .info

  @Option(help: "text (the terminal shows messages, the log file adds times), or json (one object per line, for log shippers).")
  var logFormat: LogFormat = .text

  /// The options as arguments, for child processes.
  var arguments: [String] { ["--log-level", logLevel.rawValue, "--log-format", logFormat.rawValue] }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
/// `--precision` of `dojo eval`, `dojo tournament` and `dojo league actor`: a wrong value is refused
/// naming the four there are.
extension InferencePrecision: ExpressibleByArgument {}

struct RunTraining: GameTask {
  let settings: GameConfig
  /// Where the settings came from: a file, or the built-in defaults and why.
  let source: String
  let directory: String
  let minutes: Double
  let steps: Int
  let statusEvery: Double
  let seed: UInt64
  let logOptions: LogOptions

  func run<G: Game>(_ game: G) -> Result<Void, Error> {
    let log = RunLog(path: directory + "/train.log", role: "train", run: directory, options: logOptions)
    do {
      let run = try TrainingRun(game: game, directory: directory, settings: settings.runSettings, seed: seed, log: log.roleLog)
      let n = settings.network, t = settings.training
      log("training \(game.name) in \(directory): \(run.origin)")
      log("config: \(source)")
      log("network \(n.blocks)×\(n.channels); \(actorsPhrase(run.actorCount, nice: t.actorNice)) × \(t.parallelGames) games, \(settings.selfPlay.search.simulations) simulations "
          + "(\(settings.selfPlay.search.rootPolicy.rawValue)), gating \(settings.gating.rule.rawValue)" + Self.recipe(t) + "; Ctrl-C stops")
      run.start()
      // --minutes and --steps end the run the way Ctrl-C does.
      let clock = Date()
      let steps = self.steps
      stopAfter(minutes: minutes) { steps > 0 && run.status.steps >= steps }
      var last = run.status, lastChart = clock
      let scalars = try run.scalarsWriter()
      var lastAt = Date()
      log("TensorBoard: tensorboard --logdir \(directory)/tensorboard")
      reportStatus(every: statusEvery, until: processStop) { seconds in
        let s = run.status
        log(Self.line(s, previous: last, seconds: seconds))
        do { try run.writeScalars(scalars, status: s, previous: last, seconds: seconds) } catch { log.warning("could not write TensorBoard scalars: \(error)") }
        last = s
        lastAt = Date()
        if Date().timeIntervalSince(lastChart) >= 60 {
          try? run.drawCharts()
          lastChart = Date()
        }
      }
      log("stopping: finishing the learner's step and writing a checkpoint...")
      let final = try run.stop()
      try run.drawCharts()
      do { try run.writeScalars(scalars, status: run.status, previous: last, seconds: Date().timeIntervalSince(lastAt)) } catch {
        log.warning("could not write TensorBoard scalars: \(error)")
      }
      let s = run.status
      log(String(format: "stopped after %.1f minutes: %d games stored, %d optimizer steps, generation %d (best %d). Curves: %@/loss.svg, %@/rating.svg",
                 s.seconds / 60, s.games, s.steps, s.generation, s.bestGeneration, directory, directory))
      if s.outcomes.games > 0 {
        log("the \(s.outcomes.games) games stored since this start: \(s.outcomes.endings); \(s.outcomes.falseResignationSummary) "
            + "(no-resign games in which a side would have resigned and did not lose)")
      }
      if let final { log("last checkpoint: \(final)") }
      log("resume:  dojo train --resume \(directory)")
      log("play it: dojo play \(game.name.prefix { $0 != "(" }) --checkpoint \(directory)")
      return .success(())
    } catch {
      return .failure(error)
    }
  }

  /// The recipe knobs that are on, for the run's first lines: "; value target 0.5 z + 0.5 root value".
  static func recipe(_ t: TrainingConfig) -> String {
    var parts: [String] = []
    if t.valueTargetMix > 0 { parts.append("value target \(1 - t.valueTargetMix) z + \(t.valueTargetMix) root value") }
    if t.mergeDuplicates { parts.append("duplicate positions merged") }
    if t.weightAverageDecay > 0 { parts.append("weights averaged (decay \(t.weightAverageDecay))") }
    return parts.map { "; " + $0 }.joined()
  }

  static func line(_ s: RunStatus, previous p: RunStatus, seconds: Double) -> String {
    func rate(_ a: Int, _ b: Int) -> String { String(format: "%.1f/s", Double(a - b) / max(seconds, 1e-9)) }
    let t = Int(s.seconds)
    let ended = s.outcomes.since(p.outcomes).endings  // "" when no game ended since the last line
    let loss = s.losses.map { String(format: "loss policy %.3f value %.3f", $0.policy, $0.value) } ?? "loss — (filling the window: \(s.window) samples)"
    return String(format: "[%02d:%02d:%02d] ", t / 3600, t / 60 % 60, t % 60)
      + "games \(s.games) (\(rate(s.games, p.games))) positions \(rate(s.positions, p.positions)) samples in \(rate(s.samplesInserted, p.samplesInserted)), "
      + "trained \(rate(s.samplesDrawn, p.samplesDrawn)) | steps \(s.steps) | \(loss) | gen \(s.generation), best \(s.bestGeneration)"
      + (s.rejected > 0 ? " | \(s.rejected) games refused" : "")
      + (ended.isEmpty ? "" : " | \(ended)")
      + (s.verdict.map { " | \($0)" } ?? "")
  }
}
