import DojoCluster
import DojoGames
import DojoSearch
import DojoTelemetry
import DojoTestSupport
import DojoTraining
import DojoTransport
import DojoWire
import Foundation
import Testing

/// Tic-tac-toe self-play games (a fake network), as actors would send them.
func games(_ n: Int, seed: UInt64) -> [Dojo_GameRecord] {
  var config = SelfPlayConfig()
  config.search.simulations = 8
  config.fullSearchProbability = 0.5
  config.resignThreshold = -2
  var out: [Dojo_GameRecord] = []
  SelfPlay(game: TicTacToe(), evaluator: HashEvaluator<TicTacToeState>(), config: config, parallelGames: 4, seed: seed).play(games: n) {
    out.append(Dojo_GameRecord($0, game: TicTacToe().name, generation: 0, actor: "test"))
  }
  return out
}

enum Kind: String, CaseIterable, CustomStringConvertible {
  case inProcess, zeroMQ
  var description: String { rawValue }
  func make() throws -> any Transport { self == .inProcess ? InProcessTransport() : try ZeroMQTransport() }
  var endpoint: String { self == .inProcess ? "replay" : "tcp://127.0.0.1:*" }
}

func service(_ dir: String, minSize: Int = 10, samplesPerInsert: Double = 1000) throws -> (ReplayService<TicTacToe>, RunStore, Log) {
  var config = TrainingConfig()
  config.minReplaySize = minSize
  config.samplesPerInsert = samplesPerInsert
  config.rateErrorBuffer = 20
  let store = try RunStore(path: dir + "/run.sqlite")
  let log = Log()
  return (ReplayService(replay: ReplayStore(game: TicTacToe(), config: config, store: store, seed: 1), log: RoleLog { log.add($0) }), store, log)
}

@Test("the replay service stores good games, refuses bad ones with reasons, and survives garbage", arguments: Kind.allCases)
func replayServiceContract(kind: Kind) throws {
  let dir = temporaryDirectory("replay-service")
  let (svc, store, log) = try service(dir)
  let t = try kind.make()
  let server = try t.serve(kind.endpoint) { svc.handle($0) }
  defer { server.stop() }
  let remote = try RemoteReplay(transport: t, endpoint: server.endpoint, timeout: 5)
  var batch = games(6, seed: 3)
  var bad = batch[2]
  bad.moves[1].action = bad.moves[0].action
  batch[2] = bad
  let results = try remote.submit(batch)
  #expect(results.count == 6)
  #expect(results.compactMap { try? $0.get() } == [1, 2, 3, 4, 5])
  guard case .failure(let refusal) = results[2] else { Issue.record("the illegal game was stored"); return }
  #expect(refusal.reason.contains("move 2: action \(batch[0].moves[0].action) is illegal") || refusal.reason.contains("is illegal"))
  #expect(try store.gameCounts().games == 5)
  // A refusal is logged as a warning (RoleLog's plain-closure form writes the level before it).
  #expect(log.lines.contains { $0.hasPrefix("warning: refused game 2 from test") }, "\(log.lines)")
  // Garbage and a wrong version get error replies; the server goes on.
  let client = try t.connect(server.endpoint)
  let garbage = try Dojo_Envelope.open(try client.request(Data([0x0A, 0xFF, 0xFF]), timeout: 5))
  guard case .error(let e1) = garbage.body else { Issue.record("no error reply to garbage"); return }
  #expect(e1.reason.hasPrefix("malformed message"))
  var future = Dojo_Envelope(.statsRequest(Dojo_StatsRequest()))
  future.version = 99
  guard case .error(let e2) = try Dojo_Envelope.open(try client.request(future.encoded(), timeout: 5)).body else { Issue.record("no error reply to version 99"); return }
  #expect(e2.reason == "protocol version 99, but this server speaks version 1")
  #expect(log.lines.contains { $0.hasPrefix("warning: refused a request") && $0.contains("protocol version 99") })
  let stats = try remote.statistics()
  #expect(stats.games == 5 && stats.gamesRefused == 1)
  // The learner's side: a batch of the requested size.
  let sample = try remote.sample(8)
  #expect(sample?.count == 8 && sample?.valueTargets.count == 8)
}

@Test("a game resent after a lost acknowledgement is stored once and acknowledged with the same id", arguments: Kind.allCases)
func resentGamesAreStoredOnce(kind: Kind) throws {
  let dir = temporaryDirectory("replay-once")
  let (svc, store, _) = try service(dir)
  let t = try kind.make()
  let server = try t.serve(kind.endpoint) { svc.handle($0) }
  defer { server.stop() }
  let remote = try RemoteReplay(transport: t, endpoint: server.endpoint, timeout: 5)
  let batch = games(4, seed: 21)
  #expect(Set(batch.map(\.uid)).count == 4 && !batch[0].uid.isEmpty)
  let first = try remote.submit(batch).map { try $0.get() }
  // The same games again (the store's reply was lost), one of them twice in one message.
  let again = try remote.submit([batch[2], batch[0], batch[1], batch[3], batch[3]]).map { try $0.get() }
  #expect(again == [first[2], first[0], first[1], first[3], first[3]])
  #expect(try store.gameCounts().games == 4)
  let s = svc.replay.statistics
  #expect(s.gamesAccepted == 4 && s.duplicates == 5)
  // Samples were added once per game.
  let samples = batch.map { $0.moves.filter(\.fullSearch).count }.reduce(0, +)
  #expect(s.samplesInserted == samples)
  let uids = try store.uidCounts()
  #expect(uids.rows == 4 && uids.distinct == 4 && uids.none == 0)
}

@Test func aBusyStoreStoresNothingAndTheActorWaits() throws {
  let dir = temporaryDirectory("replay-busy")
  // One sample drawn per sample inserted, with little slack: the store fills up until sampled.
  let (svc, store, _) = try service(dir, minSize: 1, samplesPerInsert: 1)
  let t = InProcessTransport()
  let server = try t.serve("replay") { svc.handle($0) }
  defer { server.stop() }
  let remote = try RemoteReplay(transport: t, endpoint: "replay", timeout: 5)
  var submitted = 0
  for g in games(20, seed: 5) {
    if store.gameCounts_() > 0 && !svc.replay.canInsertNow { break }
    _ = try remote.submit([g])
    submitted += 1
  }
  #expect(!svc.replay.canInsertNow, "never busy after \(submitted) games")
  // A submission now waits for the learner: it completes only after samples are drawn.
  let done = DispatchSemaphore(value: 0)
  let extra = games(1, seed: 99)[0]
  Thread.detachNewThread {
    _ = try? remote.submit([extra])
    done.signal()
  }
  #expect(done.wait(timeout: .now() + 0.5) == .timedOut)
  let before = try store.gameCounts().games
  #expect(before == submitted, "a busy store stored a game")
  while svc.replay.trySample(16) != nil {}
  #expect(done.wait(timeout: .now() + 5) == .success)
  #expect(try store.gameCounts().games == submitted + 1)
}

extension RunStore {
  func gameCounts_() -> Int { (try? gameCounts().games) ?? 0 }
}


@Test(.tags(.multiProcess)) func aPythonClientSpeaksTheProtocol() throws {
  let python = repositoryRoot + "/tools/.venv/bin/python"
  let check = Process()
  check.executableURL = URL(fileURLWithPath: python)
  check.arguments = ["-c", "import zmq, google.protobuf"]
  try check.run()
  check.waitUntilExit()
  try #require(check.terminationStatus == 0, "tools/.venv lacks pyzmq or protobuf: run tools/setup")
  let dir = temporaryDirectory("foreign")
  let (svc, store, log) = try service(dir)
  let client = try CurveKeyPair.generate()
  let keys = ClusterKeys(server: try CurveKeyPair.generate(), client: client, authorizedClients: [client.publicKey])
  let server = try ZeroMQTransport(keys: keys, onRefusal: { log.add($0) }).serve("tcp://127.0.0.1:*") { svc.handle($0) }
  defer { server.stop() }
  let p = Process()
  p.executableURL = URL(fileURLWithPath: python)
  p.arguments = [repositoryRoot + "/Tests/DojoClusterTests/foreign_client.py", server.endpoint, keys.server.publicKey, client.publicKey,
                 client.secretKey, repositoryRoot + "/Sources/DojoWire/Schema"]
  let pipe = Pipe()
  p.standardOutput = pipe
  try p.run()
  let output = pipe.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  try #require(p.terminationStatus == 0, "the Python client failed")
  let r = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
  let valid = try #require(r["valid"] as? [String: Any]), bad = try #require(r["bad_policy"] as? [String: Any])
  #expect((valid["ids"] as? [Int]) == [1] && (valid["refused"] as? [String]) == [])
  #expect((bad["ids"] as? [Int]) == [] && ((bad["refused"] as? [String])?.first ?? "").contains("the policy target sums to 2"))
  #expect((r["garbage"] as? String)?.hasPrefix("malformed message") == true)
  #expect(r["wrong_key"] as? String == "timeout")
  #expect(log.lines.contains { $0.contains("refused a client with key") })
  #expect(try store.gameCounts().games == 1)
}

@Test func tablesKeepTheirOwnGamesWindowsAndLimits() throws {
  let dir = temporaryDirectory("replay-tables")
  var config = TrainingConfig()
  config.minReplaySize = 5
  config.samplesPerInsert = 1000
  config.rateErrorBuffer = 1e9
  let store = try RunStore(path: dir + "/run.sqlite")
  let tables = ["main", "agent_b"].map { ReplayStore(game: TicTacToe(), config: config, store: store, seed: 1, table: $0) }
  let svc = ReplayService(tables: tables, log: RoleLog { _ in })
  let t = InProcessTransport()
  let server = try t.serve("replay") { svc.handle($0) }
  defer { server.stop() }
  let a = try RemoteReplay(transport: t, endpoint: "replay", timeout: 5)
  let b = try RemoteReplay(transport: t, endpoint: "replay", table: "agent_b", timeout: 5)
  _ = try a.submit(games(3, seed: 1))
  _ = try b.submit(games(7, seed: 2))
  #expect(try a.statistics().games == 3 && b.statistics().games == 7)
  #expect(try store.gameCounts(table: "main").games == 3 && store.gameCounts(table: "agent_b").games == 7 && store.gameCounts().games == 10)
  let unknown = try RemoteReplay(transport: t, endpoint: "replay", table: "agent_c", timeout: 5)
  #expect(throws: RemoteError.self) { try unknown.submit(games(1, seed: 3)) }
  // A restarted store refills each table's window from that table's games only.
  let again = ReplayStore(game: TicTacToe(), config: config, store: store, seed: 1, table: "agent_b")
  try again.restore(sampled: 0)
  #expect(again.statistics.gamesAccepted == 7 && again.statistics.windowSize == tables[1].statistics.windowSize)
}

@Test("counts and sizes beyond the game's bounds are refused from the raw bytes, before decoding")
func oversizedSubmissionsAreRefusedBeforeDecoding() throws {
  let dir = temporaryDirectory("replay-limits")
  let (svc, store, log) = try service(dir)
  #expect(svc.limits.movesPerGame == 9)
  func reply(_ s: Dojo_SubmitGames) throws -> String? {
    guard case .error(let e) = try Dojo_Envelope.open(svc.handle(Dojo_Envelope(.submitGames(s)).encoded())).body else { return nil }
    return e.reason
  }
  var tooLong = Dojo_SubmitGames()
  var game = games(1, seed: 5)[0]
  game.moves += Array(repeating: Dojo_Move(), count: 10 - game.moves.count)
  tooLong.games = [game]
  #expect(try reply(tooLong) == "submit games: game 0 has more than 9 moves, this game's maximum length")
  var tooMany = Dojo_SubmitGames()
  tooMany.games = Array(repeating: games(1, seed: 6)[0], count: 257)
  #expect(try reply(tooMany) == "submit games: more than 256 games in one message")
  // Two million empty moves (4 MB on the wire, gigabytes once decoded): refused by its size.
  var record = Data()
  for _ in 0..<2_000_000 { record.append(contentsOf: [0x1a, 0x00]) }  // GameRecord field 3 (moves), empty
  let submit = Data([0x0a]) + varint(record.count) + record  // SubmitGames field 1 (games)
  let hostile = Data([0x08, 0x01, 0x52]) + varint(submit.count) + submit  // Envelope: version 1, field 10 (submit_games)
  let answer = try Dojo_Envelope.open(svc.handle(hostile))
  guard case .error(let e) = answer.body else { Issue.record("the hostile message was not refused"); return }
  #expect(e.reason.hasPrefix("submit games: game 0 is 4000000 bytes, more than this game's largest record"), "\(e.reason)")
  #expect(log.lines.contains { $0.contains("4000000 bytes") })
  #expect(try store.gameCounts().games == 0)
  // Malformed bytes still get SwiftProtobuf's own reason.
  guard case .error(let m) = try Dojo_Envelope.open(svc.handle(Data([0x52, 0xff]))).body else { Issue.record("no error for garbage"); return }
  #expect(m.reason.hasPrefix("malformed message"))
}

func varint(_ n: Int) -> Data {
  var out = Data()
  var v = UInt64(n)
  while v >= 0x80 {
    out.append(UInt8(v & 0x7f) | 0x80)
    v >>= 7
  }
  out.append(UInt8(v))
  return out
}
