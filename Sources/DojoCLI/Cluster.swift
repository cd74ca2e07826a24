import ArgumentParser
import DojoArena
import DojoCluster
import DojoHTTP
import DojoConfig
import DojoGames
import DojoNN
import DojoTraining
import DojoTransport
import DojoWire
import Foundation

/// Options every cluster role shares.
struct ClusterOptions: ParsableArguments {
  @Option(help: "A directory of CURVE keys from `dojo keys generate`: every socket is then authenticated and encrypted.")
  var keys: String?

  @Option(help: "Seconds between status lines.")
  var statusEvery: Double = 10

  @Option(help: "The largest message a socket accepts, in MiB: a peer sending more is disconnected before it is held in memory.")
  var maxMessageMb: Int = 256

  @OptionGroup var logging: LogOptions

  @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9100). With cluster up and league up: the roles get PORT, PORT+1, ... in the order of their table.")
  var metrics: String?

  /// The transport: ZeroMQ, with CURVE when --keys is given (refusals are logged).
  func transport(log: RunLog) throws -> ZeroMQTransport {
    guard maxMessageMb > 0 else { throw CommandError("--max-message-mb \(maxMessageMb): must be positive") }
    let limit = Int64(maxMessageMb) << 20
    guard let keys else { return try ZeroMQTransport(maxMessageBytes: limit) }
    return try ZeroMQTransport(keys: try KeyFiles.load(keys), maxMessageBytes: limit, onRefusal: { line in log.warning(line) })
  }
}

/// Key files: server.pub, server.secret, client.pub, client.secret, authorized_clients (one public
/// key per line). A server needs the server pair and the list; a client its pair and server.pub.
enum KeyFiles {
  static func load(_ dir: String) throws -> ClusterKeys {
    func read(_ name: String, required: Bool = true) throws -> String? {
      // A secret key others can read is no longer secret: refuse it, as ssh does.
      if name.hasSuffix(".secret"), let mode = (try? FileManager.default.attributesOfItem(atPath: "\(dir)/\(name)"))?[.posixPermissions] as? Int,
        mode & 0o077 != 0 {
        throw CommandError("\(dir)/\(name) is readable by others (mode \(String(mode & 0o777, radix: 8))): chmod 600 it")
      }
      guard let text = try? String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8) else {
        if required { throw CommandError("\(dir)/\(name) is missing (make keys with `dojo keys generate \(dir)`)") }
        return nil
      }
      let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
      guard CurveKeyPair.isValid(key) else { throw CommandError("\(dir)/\(name) does not hold a 40-character Z85 CURVE key") }
      return key
    }
    let serverPublic = try read("server.pub")!
    let server = CurveKeyPair(publicKey: serverPublic, secretKey: try read("server.secret", required: false) ?? "")
    let client = CurveKeyPair(publicKey: try read("client.pub")!, secretKey: try read("client.secret")!)
    let list = (try? String(contentsOfFile: dir + "/authorized_clients", encoding: .utf8)) ?? ""
    let authorized = Set(list.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") })
    return ClusterKeys(server: server, client: client, authorizedClients: authorized)
  }
}

struct Keys: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Make CURVE keys for a cluster.", subcommands: [Generate.self])

  struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a server key pair and a client key pair into DIR, the client authorized.",
      discussion: """
        Servers (replay, learner) read server.pub, server.secret and authorized_clients; clients
        (actors, learner, evaluator) read client.pub, client.secret and server.pub. Copy server.pub and
        a client pair to another machine; add more clients' public keys to authorized_clients.
        """
    )
    @Argument(help: "The directory to write (created; existing keys are never overwritten).")
    var directory: String

    func run() throws {
      let fm = FileManager.default
      try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
      for name in ["server.pub", "server.secret", "client.pub", "client.secret"] where fm.fileExists(atPath: "\(directory)/\(name)") {
        throw CommandError("\(directory)/\(name) exists: keys are never overwritten")
      }
      let server = try CurveKeyPair.generate(), client = try CurveKeyPair.generate()
      for (name, key, mode) in [("server.pub", server.publicKey, 0o644), ("server.secret", server.secretKey, 0o600),
                                ("client.pub", client.publicKey, 0o644), ("client.secret", client.secretKey, 0o600)] {
        try (key + "\n").write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: "\(directory)/\(name)")
      }
      try "# client public keys the servers accept, one per line\n\(client.publicKey)\n"
        .write(toFile: directory + "/authorized_clients", atomically: true, encoding: .utf8)
      print("wrote \(directory)/{server,client}.{pub,secret} and authorized_clients (client \(client.publicKey))")
    }
  }
}

/// Loads or creates a run directory's config.toml.
func runConfig(run: String, game: String?, config: String?) throws -> GameConfig {
  let path = run + "/config.toml"
  if FileManager.default.fileExists(atPath: path) {
    let c = try GameConfig.load(path: path)
    if let game, try parseGame(game).name != c.game.name { throw CommandError("\(run) trains \(c.game.name), not \(game)") }
    return c
  }
  guard let game else { throw CommandError("\(run) is not a run directory yet: name the game") }
  let g = try parseGame(game)
  let c = try config.map { try GameConfig.load(path: $0) } ?? GameConfig.forGame(g)
  try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
  try ("# The effective configuration of this run (every default written out).\n" + c.toml).write(toFile: path, atomically: true, encoding: .utf8)
  return c
}

struct Replay: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve a run's replay store over ZeroMQ: actors submit games, the learner samples.",
    discussion: """
      Every game is replayed under the rules before it is stored (RUN/run.sqlite, WAL) and
      acknowledged; a bad game is refused with the reason, a malformed message gets an error reply.
      Restarting it on the same RUN continues with every acknowledged game.
      """
  )
  @Argument(help: "The game (needed for a new run directory).", completion: .games)
  var game: String?
  @Option(name: .customLong("run"), help: "The run directory.") var directory: String
  @Option(help: "A config file for a new run (default games/<game>/config.toml).") var config: String?
  @Option(help: "Where to listen.") var bind = "tcp://127.0.0.1:5555"
  @Option(help: "Replay tables, comma-separated (one per learning agent, each with its own window and rate limiter).")
  var tables = "main"
  @OptionGroup var cluster: ClusterOptions

  func run() throws {
    let settings = try runConfig(run: directory, game: game, config: config)
    let names = tables.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty }), Set(names).count == names.count else {
      throw CommandError("--tables '\(tables)': give distinct, non-empty names")
    }
    stopOnSignals()
    let role = ReplayRole(directory: directory, settings: settings.runSettings, tables: names, bind: bind, statusEvery: cluster.statusEvery)
    try RunRole(role: role, cluster: cluster, logFile: directory + "/replay.log", name: "replay", runDirectory: directory)(settings.game).get()
  }
}

/// Runs a cluster role for its game with this command's transport, the process's stop token and a
/// log (`RUN/logs`-style file when `logFile` is given, else standard output with the role's name).
struct RunRole: GameTask {
  let role: any ClusterRole
  let cluster: ClusterOptions
  let logFile: String?
  var name = ""
  /// The run or league directory, for the log's metadata.
  var runDirectory: String? = nil

  func run<G: Game>(_ game: G) -> Result<Void, Error> {
    Result {
      // A role's log: its file under RUN/logs when a supervisor started it, else the terminal alone,
      // each line prefixed with the role's name (several roles may share one terminal).
      let file = RunLog(path: logFile, role: name.isEmpty ? "role" : name, run: runDirectory, options: cluster.logging,
                        terminalPrefix: logFile == nil && !name.isEmpty ? "\(name): " : "")
      let log = file.roleLog
      if let keys = cluster.keys { log("CURVE on: keys from \(keys)") }
      if let address = cluster.metrics { log("metrics: http://\(try MetricsServer.start(address).address)/metrics") }
      try role.run(game, transport: cluster.transport(log: file), stop: processStop, log: log)
    }
  }
}

struct LearnerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "learner",
    abstract: "Train from a replay server; write checkpoints and announce each to the actors.",
    discussion: "Resumes from RUN's newest checkpoint. Models are served at --models and announced at --announce."
  )
  @Argument(help: "The game (needed for a new run directory).", completion: .games) var game: String?
  @Option(name: .customLong("run"), help: "The run directory (its config.toml and checkpoints).") var directory: String
  @Option(help: "A config file for a new run (default games/<game>/config.toml).") var config: String?
  @Option(help: "The replay server.") var replay = "tcp://127.0.0.1:5555"
  @Option(help: "The replay table to learn from (default: the server's first).") var table = ""
  @Option(help: "Where actors fetch models.") var models = "tcp://127.0.0.1:5556"
  @Option(help: "Where new models are announced.") var announce = "tcp://127.0.0.1:5557"
  @Option(help: "Stop after this many optimizer steps in all (0: until Ctrl-C).") var steps = 0
  @Option(help: "Seed of a new network.") var seed: UInt64 = 1
  @OptionGroup var cluster: ClusterOptions

  func run() throws {
    let settings = try runConfig(run: directory, game: game, config: config)
    stopOnSignals()
    let role = LearnerRole(directory: directory, settings: settings.runSettings, replay: replay, table: table, models: models, announce: announce,
                           steps: steps, seed: seed, statusEvery: cluster.statusEvery)
    try RunRole(role: role, cluster: cluster, logFile: directory + "/learner.log", name: "learner", runDirectory: directory)(settings.game).get()
  }
}

struct ActorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "actor",
    abstract: "Play self-play games for a cluster: games to its replay server, models from its learner.",
    discussion: """
      On another machine: dojo actor connect_four --connect tcp://HOST:5555 --announce tcp://HOST:5557 --keys KEYS.
      A game is kept until the replay server acknowledges it (retrying through timeouts and "busy").
      """
  )
  @Argument(help: "The game (its network and self-play settings from games/<game>/config.toml or --config).", completion: .games)
  var game: String
  @Option(help: "A config file instead of games/<game>/config.toml.") var config: String?
  @Option(help: "The replay server.") var connect = "tcp://127.0.0.1:5555"
  @Option(help: "The replay table to write to (default: the server's first).") var table = ""
  @Option(help: "Where the learner announces models.") var announce = "tcp://127.0.0.1:5557"
  @Option(help: "This actor's name in the game records.") var name = "actor-\(ProcessInfo.processInfo.hostName)-\(getpid())"
  @Option(help: "Where fetched models are kept.") var cache = NSTemporaryDirectory() + "dojo-models-\(getpid())"
  @Option(help: "Stop after this many games (0: until Ctrl-C).") var games = 0
  @Option(help: "Seconds to wait for the replay server's reply before resending.") var timeout: Double = 10
  @Option(help: "Append each acknowledged game's id to this file (for audits and tests).") var ackLog: String?
  @Option(help: "Seed.") var seed: UInt64 = UInt64(getpid())
  @OptionGroup var cluster: ClusterOptions

  func run() throws {
    let g = try parseGame(game)
    let settings = try config.map { try GameConfig.load(path: $0) } ?? GameConfig.forGame(g)
    guard settings.game.name == g.name else { throw CommandError("\(config!) configures \(settings.game.name), not \(g.name)") }
    stopOnSignals()
    let role = ActorRole(name: name, settings: settings.runSettings, connect: connect, table: table, announce: announce, cache: cache,
                         games: games, timeout: timeout, ackLog: ackLog, seed: seed, statusEvery: cluster.statusEvery)
    try RunRole(role: role, cluster: cluster, logFile: nil, name: name)(g).get()
  }
}

struct EvaluatorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluator",
    abstract: "Gate the learner's checkpoints against the best (the run's [gating]); announce the winners to the actors.",
    discussion: "Hears the learner at --learner, plays gating games, records verdicts in RUN/run.sqlite, announces accepted models at --announce."
  )
  @Option(name: .customLong("run"), help: "The run directory (config.toml; verdicts go to run.sqlite).") var directory: String
  @Option(help: "Where the learner announces checkpoints.") var learner = "tcp://127.0.0.1:5557"
  @Option(help: "Where actors fetch accepted models.") var models = "tcp://127.0.0.1:5558"
  @Option(help: "Where accepted models are announced (actors' --announce).") var announce = "tcp://127.0.0.1:5559"
  @OptionGroup var cluster: ClusterOptions

  func run() throws {
    let settings = try runConfig(run: directory, game: nil, config: nil)
    stopOnSignals()
    let role = EvaluatorRole(directory: directory, settings: settings.runSettings, learner: learner, models: models, announce: announce)
    try RunRole(role: role, cluster: cluster, logFile: directory + "/evaluator.log", name: "evaluator", runDirectory: directory)(settings.game).get()
  }
}
