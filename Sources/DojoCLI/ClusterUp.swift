import ArgumentParser
import DojoConcurrency
import DojoConfig
import DojoGames
import Foundation

struct ClusterCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "cluster", abstract: "Run a whole cluster on this machine.",
                                                  subcommands: [ClusterUp.self])
}

struct ClusterUp: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "up",
    abstract: "Start replay store, learner, evaluator and N actors as separate processes; watch and restart them.",
    discussion: """
      Ports from --base-port: replay P, learner models P+1 and announcements P+2, evaluator models P+3
      and announcements P+4 (all on --host, 127.0.0.1 by default). Each role logs to RUN/logs/<role>.log;
      a table of their health every --status-every seconds; a role that dies is restarted after 1, 2, 4
      ... up to 30 s. Ctrl-C stops the actors, then the evaluator, learner and replay store, cleanly.
      Actors on other machines join with `dojo actor GAME --connect tcp://HOST:P --announce tcp://HOST:P+4`.
      """
  )
  @Argument(help: "The game.", completion: .games) var game: String
  @Option(name: .customLong("run"), help: "The run directory. Default: runs/<game>-cluster.") var directory: String?
  @Option(help: "A config file for a new run (default games/<game>/config.toml).") var config: String?
  @Option(help: "Actor processes (default: one per core).") var actors = Cores.available
  @Option(help: "The address every role binds to.") var host = "127.0.0.1"
  @Option(help: "The first of five ports.") var basePort = 5555
  @Option(help: "Stop after this many minutes (0: until Ctrl-C).") var minutes: Double = 0
  @Flag(help: "Each actor appends every acknowledged game's id to RUN/logs/<actor>.acks (for audits and tools/soak).")
  var audit = false
  @OptionGroup var cluster: ClusterOptions

  func run() throws {
    let g = try parseGame(game)
    let run = directory ?? "runs/\(g.name.prefix { $0 != "(" })-cluster"
    let settings = try runConfig(run: run, game: game, config: config)
    try FileManager.default.createDirectory(atPath: run + "/logs", withIntermediateDirectories: true)
    stopOnSignals()
    let at = { (k: Int) in "tcp://\(host):\(basePort + k)" }
    let keys = (cluster.keys.map { ["--keys", $0] } ?? []) + ["--max-message-mb", "\(cluster.maxMessageMb)"] + cluster.logging.arguments
    let gated = settings.gating.rule != .none
    var roles: [(String, [String])] = [
      ("replay", ["replay", "--run", run, "--bind", at(0)] + keys),
      ("learner", ["learner", "--run", run, "--replay", at(0), "--models", at(1), "--announce", at(2)] + keys),
    ]
    if gated { roles.append(("evaluator", ["evaluator", "--run", run, "--learner", at(2), "--models", at(3), "--announce", at(4)] + keys)) }
    let configFile = run + "/config.toml"
    for i in 0..<actors {
      roles.append(("actor-\(i)", ["actor", game, "--config", configFile, "--connect", at(0), "--announce", gated ? at(4) : at(2),
                                   "--name", "actor-\(i)", "--cache", run + "/models-actor-\(i)"] + keys
                                   + (audit ? ["--ack-log", run + "/logs/actor-\(i).acks"] : [])))
    }
    let supervisor = Supervisor(run: run, roles: try withMetricsPorts(roles, cluster.metrics))
    print("cluster for \(settings.game.name) in \(run): \(roles.map(\.0).joined(separator: ", ")); replay at \(at(0)), models announced at \(gated ? at(4) : at(2))")
    supervisor.watch(minutes: minutes, statusEvery: cluster.statusEvery)
    print("stopping the cluster...")
    supervisor.stopAll()
    print("stopped. Resume with the same command; play the result: dojo play \(g.name.prefix { $0 != "(" }) --checkpoint \(run)")
  }
}

/// Starts the roles as child processes, restarts those that die (with back-off), stops them in order.
final class Supervisor {
  struct Role {
    let name: String
    let arguments: [String]
    var process: Process?
    var startedAt = Date.distantPast
    var restarts = 0
    var failures = 0
    var restartAt: Date? = Date()
    var lastExit = ""
  }

  let run: String
  var roles: [Role]

  init(run: String, roles: [(String, [String])]) {
    self.run = run
    self.roles = roles.map { Role(name: $0.0, arguments: $0.1) }
  }

  func log(_ line: String) {
    print(line)
    fflush(nil)
    if let h = FileHandle(forWritingAtPath: run + "/logs/cluster.log") ?? {
      _ = FileManager.default.createFile(atPath: run + "/logs/cluster.log", contents: nil)
      return FileHandle(forWritingAtPath: run + "/logs/cluster.log")
    }() {
      _ = try? h.seekToEnd()
      try? h.write(contentsOf: Data("\(ISO8601DateFormatter().string(from: Date())) \(line)\n".utf8))
      try? h.close()
    }
  }

  /// Tends the roles and prints their table every `statusEvery` seconds until Ctrl-C or `minutes` (0: no limit).
  func watch(minutes: Double, statusEvery: Double) {
    let start = Date()
    var lastStatus = Date.distantPast
    while !processStop.isRequested && (minutes == 0 || Date().timeIntervalSince(start) < minutes * 60) {
      tend()
      if Date().timeIntervalSince(lastStatus) >= statusEvery {
        print(table())
        fflush(nil)
        lastStatus = Date()
      }
      Thread.sleep(forTimeInterval: 0.2)
    }
  }

  /// Starts what is due, notices what died.
  func tend() {
    for i in roles.indices {
      if let p = roles[i].process, !p.isRunning {
        let how = p.terminationReason == .uncaughtSignal ? "killed by signal \(p.terminationStatus)" : "exited with status \(p.terminationStatus)"
        // A role that ran a minute before dying starts over with a short delay.
        if Date().timeIntervalSince(roles[i].startedAt) > 60 { roles[i].failures = 0 }
        let delay = min(30, pow(2, Double(roles[i].failures)))
        roles[i].failures += 1
        roles[i].process = nil
        roles[i].lastExit = how
        roles[i].restartAt = Date().addingTimeInterval(delay)
        log("\(roles[i].name) \(how); restarting in \(Int(delay)) s")
      }
      if roles[i].process == nil, let due = roles[i].restartAt, Date() >= due {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        p.arguments = roles[i].arguments
        let path = "\(run)/logs/\(roles[i].name).log"
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let out = FileHandle(forWritingAtPath: path)
        _ = try? out?.seekToEnd()
        p.standardOutput = out
        p.standardError = out
        do {
          try p.run()
          if roles[i].startedAt != .distantPast { roles[i].restarts += 1 }
          roles[i].process = p
          roles[i].startedAt = Date()
          roles[i].restartAt = nil
          writePIDs()
        } catch {
          log("cannot start \(roles[i].name): \(error)")
          roles[i].restartAt = Date().addingTimeInterval(5)
        }
      }
    }
  }

  /// RUN/logs/cluster.pids: "role pid" per line, for scripts and tests.
  func writePIDs() {
    let text = roles.compactMap { r in r.process.map { "\(r.name) \($0.processIdentifier)" } }.joined(separator: "\n") + "\n"
    try? text.write(toFile: run + "/logs/cluster.pids", atomically: true, encoding: .utf8)
  }

  func table() -> String {
    let width = max(14, (roles.map(\.name.count).max() ?? 0) + 2)
    var lines = ["role".padding(toLength: width, withPad: " ", startingAt: 0) + "state          restarts  last line"]
    for r in roles {
      let state = r.process.map { "up (pid \($0.processIdentifier))" } ?? (r.restartAt.map { "restart in \(max(0, Int($0.timeIntervalSinceNow)))s" } ?? "down")
      let last = lastLine(of: "\(run)/logs/\(r.name).log")
      lines.append(r.name.padding(toLength: width, withPad: " ", startingAt: 0) + state.padding(toLength: 15, withPad: " ", startingAt: 0)
                   + String(r.restarts).padding(toLength: 10, withPad: " ", startingAt: 0) + String(last.prefix(90)))
    }
    return lines.joined(separator: "\n")
  }

  func lastLine(of path: String) -> String {
    guard let h = FileHandle(forReadingAtPath: path) else { return "" }
    defer { try? h.close() }
    let size = (try? h.seekToEnd()) ?? 0
    try? h.seek(toOffset: size > 4096 ? size - 4096 : 0)
    let text = String(decoding: h.readDataToEndOfFile(), as: UTF8.self)
    return text.split(separator: "\n").last.map(String.init) ?? ""
  }

  /// Actors first (their unfinished games are dropped), then evaluator, learners, replay store (or league manager).
  func stopAll() {
    let order = roles.indices.sorted { rank(roles[$0].name) < rank(roles[$1].name) }
    for group in [0, 1, 2, 3] {
      let members = order.filter { rank(roles[$0].name) == group }
      for i in members { roles[i].restartAt = nil; if let p = roles[i].process, p.isRunning { kill(p.processIdentifier, SIGINT) } }
      for i in members {
        guard let p = roles[i].process else { continue }
        let deadline = Date().addingTimeInterval(15)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning {
          log("\(roles[i].name) did not stop in 15 s: killing it")
          kill(p.processIdentifier, SIGKILL)
        }
      }
    }
  }

  func rank(_ name: String) -> Int {
    name.hasPrefix("actor") ? 0 : name == "evaluator" ? 1 : name.hasPrefix("learner") ? 2 : 3
  }
}

/// `--metrics HOST:PORT` for a supervisor: role i serves at HOST:(PORT+i).
func withMetricsPorts(_ roles: [(String, [String])], _ metrics: String?) throws -> [(String, [String])] {
  guard let metrics else { return roles }
  guard let colon = metrics.lastIndex(of: ":"), let port = Int(metrics[metrics.index(after: colon)...]), port > 0, port + roles.count <= 65536 else {
    throw CommandError("--metrics \(metrics): expected HOST:PORT with a port above 0, e.g. 127.0.0.1:9100")
  }
  let host = metrics[..<colon]
  return roles.enumerated().map { i, r in
    print("metrics of \(r.0): http://\(host):\(port + i)/metrics")
    return (r.0, r.1 + ["--metrics", "\(host):\(port + i)"])
  }
}
