import ArgumentParser
import DojoCluster
import DojoGames
import DojoNN
import DojoSearch
import DojoTelemetry
import DojoTraining
import DojoTransport
import DojoWire
import Foundation

/// `dojo bench cluster`: replay ingest from separate pusher processes over ZeroMQ (positions
/// acknowledged per second, validated and stored), against the same messages answered without
/// validation or storage (the transport's ceiling, measured in the same run); and a checkpoint
/// fanned out to many subscriber processes (seconds until the last has it, hash checked).
struct BenchCluster: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "cluster", abstract: "Replay ingest and model fan-out across processes.")

  @Option(help: "Pusher processes.") var pushers = 8
  @Option(help: "Seconds of pushing per measurement.") var seconds = 5.0
  @Option(help: "Games per SubmitGames message.") var batch = 64
  @Option(help: "Subscriber processes for the fan-out.") var subscribers = 32
  @Option(help: "Size of the fanned-out model file, in MB.") var modelMB = 10

  func run() throws {
    let dir = NSTemporaryDirectory() + "dojo-bench-cluster-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let transport = try ZeroMQTransport()

    // Ingest into a real replay store (connect_four, validation, SQLite WAL), the rate limiter open.
    let game = ConnectFour<UInt64>(rows: 6, columns: 7)
    var config = TrainingConfig()
    config.samplesPerInsert = 1
    config.rateErrorBuffer = 1e12
    config.windowSize = 200_000
    let store = try RunStore(path: dir + "/run.sqlite")
    let service = ReplayService(replay: ReplayStore(game: game, config: config, store: store, seed: 1), log: RoleLog { _ in })
    let server = try transport.serve("tcp://127.0.0.1:*") { service.handle($0) }
    let stored = try pushFrom(server.endpoint)
    server.stop()
    let counts = try store.gameCounts()
    print(String(format: "ingest: %.0f positions/s (%.0f games/s) validated and stored, %d pushers; %d games in the database",
                 stored.positions, stored.games, pushers, counts.games))

    // The same messages answered at once, unread: what the transport itself carries.
    let ack = { () -> Data in
      var a = Dojo_Accepted()
      a.gameIds = Array(repeating: 1, count: batch)
      return Dojo_Envelope(.accepted(a)).encoded()
    }()
    let raw = try transport.serve("tcp://127.0.0.1:*") { _ in ack }
    let wire = try pushFrom(raw.endpoint)
    raw.stop()
    print(String(format: "transport ceiling: %.0f positions/s (%.0f games/s) answered unread", wire.positions, wire.games))

    let fanout = try fanOut(dir: dir, transport: transport)
    print(String(format: "fan-out: a %d MB model to %d subscriber processes in %.2f s (hash checked by each)", modelMB, subscribers, fanout))
    print(String(format: "{\"bench\":\"cluster\",\"ingest_positions_per_s\":%.0f,\"fanout_s\":%.3f,\"ingest_games_per_s\":%.0f,"
                 + "\"transport_ceiling_positions_per_s\":%.0f,\"ingest_vs_ceiling\":%.2f,\"pushers\":%d,\"subscribers\":%d,\"model_mb\":%d}",
                 stored.positions, fanout, stored.games, wire.positions, stored.positions / wire.positions, pushers, subscribers, modelMB))
  }

  /// Starts the pushers together and sums what they had acknowledged per second.
  func pushFrom(_ endpoint: String) throws -> (positions: Double, games: Double) {
    let startAt = Date().timeIntervalSince1970 + 2
    let children = try (0..<pushers).map { i in
      try child(["bench", "cluster-push", "--connect", endpoint, "--seed", "\(i + 1)", "--batch", "\(batch)",
                 "--start-at", "\(startAt)", "--seconds", "\(seconds)"])
    }
    var positions = 0.0, games = 0.0
    for (p, out) in children {
      p.waitUntilExit()
      let line = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").last ?? ""
      let parts = line.split(separator: " ").compactMap { Double($0) }
      guard parts.count == 2 else { throw CommandError("a pusher failed: \(line)") }
      positions += parts[0]
      games += parts[1]
    }
    return (positions / seconds, games / seconds)
  }

  func fanOut(dir: String, transport: ZeroMQTransport) throws -> Double {
    let model = dir + "/model"
    try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
    var rng = SplitMix64(seed: 3)
    let bytes = Data((0..<(modelMB << 20)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    try bytes.write(to: URL(fileURLWithPath: model + "/model.safetensors"))
    try Data("{}".utf8).write(to: URL(fileURLWithPath: model + "/meta.json"))
    let hub = try ModelHub(transport: transport, fetch: "tcp://127.0.0.1:*", announce: "tcp://127.0.0.1:*", every: 3600, log: RoleLog { _ in })
    defer { hub.stop() }
    let children = try (0..<subscribers).map { i in
      try child(["bench", "cluster-subscribe", "--announce", hub.announceEndpoint, "--cache", "\(dir)/cache-\(i)"])
    }
    // Wait until every subscriber is connected, then announce.
    for (_, out) in children {
      var seen = Data()
      while !String(decoding: seen, as: UTF8.self).contains("ready") { seen += out.fileHandleForReading.availableData }
    }
    Thread.sleep(forTimeInterval: 1)
    let t0 = Date().timeIntervalSince1970
    hub.publish(CheckpointReference(generation: 1, path: model, sha256: Checkpoint.sha256(bytes)))
    var last = t0
    for (p, out) in children {
      p.waitUntilExit()
      let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      guard let at = text.split(separator: "\n").last.flatMap({ Double($0) }) else { throw CommandError("a subscriber failed: \(text)") }
      last = max(last, at)
    }
    return last - t0
  }

  func child(_ arguments: [String]) throws -> (Process, Pipe) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    return (p, out)
  }
}

/// Random Connect Four games in which every move is a sample with a uniform policy: valid games
/// of typical length for the replay store to check and store.
func recordedGames(_ n: Int, seed: UInt64) -> [Dojo_GameRecord] {
  let game = ConnectFour<UInt64>(rows: 6, columns: 7)
  var rng = SplitMix64(seed: seed)
  return (0..<n).map { _ in
    var state = game.initialState()
    var moves: [MoveRecord] = []
    while !state.isTerminal {
      let legal = state.legalActions
      let a = legal[rng.next(below: legal.count)]
      moves.append(MoveRecord(action: a, player: state.currentPlayer, fullSearch: true, actions: legal,
                              policyTarget: Array(repeating: 1 / Float(legal.count), count: legal.count), rootValue: 0, simulations: 1))
      state.apply(a)
    }
    let record = GameRecord(moves: moves, outcomeForFirst: state.outcome(for: .first)!, resigned: nil, wouldHaveResigned: nil, resignAllowed: true)
    return Dojo_GameRecord(record, game: game.name, generation: 0, actor: "bench")
  }
}

struct BenchClusterPush: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "cluster-push", abstract: "(used by bench cluster) Pushes recorded games.",
                                                  shouldDisplay: false)
  @Option var connect: String
  @Option var seed: UInt64 = 1
  @Option var batch = 64
  @Option var startAt: Double
  @Option var seconds: Double

  func run() throws {
    let games = recordedGames(batch * 8, seed: seed)
    let messages = (0..<8).map { k in
      var s = Dojo_SubmitGames()
      s.games = Array(games[(k * batch)..<((k + 1) * batch)])
      return (Dojo_Envelope(.submitGames(s)).encoded(), s.games.reduce(0) { $0 + $1.moves.count })
    }
    let client = try ZeroMQTransport().connect(connect)
    Thread.sleep(forTimeInterval: max(0, startAt - Date().timeIntervalSince1970))
    let end = startAt + seconds
    var positions = 0, acknowledged = 0, k = 0
    while Date().timeIntervalSince1970 < end {
      let (message, plies) = messages[k % messages.count]
      k += 1
      guard case .accepted(let a) = try Dojo_Envelope.open(try client.request(message, timeout: 30)).body, !a.busy else {
        throw CommandError("the replay store did not accept the games")
      }
      guard Date().timeIntervalSince1970 <= end else { break }
      positions += plies
      acknowledged += a.gameIds.count
    }
    print("\(positions) \(acknowledged)")
  }
}

struct BenchClusterSubscribe: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "cluster-subscribe", abstract: "(used by bench cluster) Waits for a model.",
                                                  shouldDisplay: false)
  @Option var announce: String
  @Option var cache: String

  func run() throws {
    let feed = try RemoteModelFeed(transport: try ZeroMQTransport(), announce: announce, cache: cache, log: RoleLog { _ in })
    Thread.sleep(forTimeInterval: 0.3)
    print("ready")
    fflush(nil)
    while feed.latest == nil { usleep(1000) }
    print(Date().timeIntervalSince1970)
    feed.stop()
  }
}
