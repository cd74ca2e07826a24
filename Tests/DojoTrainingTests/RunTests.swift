import DojoGames
import DojoNN
import DojoSearch
import DojoTelemetry
import DojoTestSupport
import DojoWire
import Foundation
import Testing
@testable import DojoTraining

@Test func aGameSurvivesTheWireAndValidates() throws {
  let game = TicTacToe()
  for (i, record) in selfPlayRecords(8, seed: 21).enumerated() {
    let message = Dojo_GameRecord(record, game: game.name, generation: 3, actor: "actor-\(i)")
    let decoded = try Dojo_GameRecord.decode(message.encoded())
    #expect(decoded == message && decoded.generation == 3 && decoded.actor == "actor-\(i)")
    let back = try decoded.record()
    #expect(back.moves.map(\.action) == record.moves.map(\.action) && back.moves.map(\.player) == record.moves.map(\.player))
    #expect(back.moves.map(\.policyTarget) == record.moves.map(\.policyTarget) && back.moves.map(\.fullSearch) == record.moves.map(\.fullSearch))
    #expect(back.outcomeForFirst == record.outcomeForFirst && back.resignAllowed == record.resignAllowed)
    try validate(back, in: game)
  }
}

@Test func badGamesAreRefusedWithTheReason() throws {
  let game = TicTacToe()
  let good = selfPlayRecords(1, seed: 5)[0]
  let fullIndex = good.moves.firstIndex { $0.fullSearch }
  let full = try #require(fullIndex, "seed 5: no full search in the game")
  func reason(_ change: (inout GameRecord) -> Void) -> String {
    var r = good
    change(&r)
    do { try validate(r, in: game); return "accepted" } catch { return error.reason }
  }
  #expect(reason { _ in } == "accepted")
  #expect(reason { $0.moves[1].action = $0.moves[0].action }.contains("move 2: action \(good.moves[0].action) is illegal"))
  #expect(reason { $0.moves[full].policyTarget = $0.moves[full].policyTarget.map { $0 * 2 } }.contains("sums to 2"))
  #expect(reason { $0.moves[0].rootValue = 3 }.contains("root value 3.0 outside [-1, 1]"))
  #expect(reason { $0.moves[0].player = .second }.contains("recorded for second"))
  #expect(reason { $0.moves.removeLast() }.contains("not over"))
  #expect(reason { $0.outcomeForFirst = $0.outcomeForFirst == 1 ? -1 : 1 }.contains("the rules say"))
  #expect(reason { $0.moves[full].actions.removeLast(); $0.moves[full].policyTarget.removeLast() }.contains("not the legal actions"))
  // Bytes that are no message, and a message with a broken shape.
  #expect(throws: WireError.self) { try Dojo_GameRecord.decode(Data([0xFF, 0xFF, 0xFF, 0x07])) }
  var message = Dojo_GameRecord(good, game: game.name, generation: 0, actor: "x")
  message.moves[full].policy.removeLast()
  #expect(throws: WireError.self) { try message.record() }
}

@Test func theReplayStoreKeepsAcknowledgedGamesAndRefusesBadOnes() throws {
  let game = TicTacToe()
  let dir = temporaryDirectory("replay")
  var config = TrainingConfig()
  config.minReplaySize = 20
  config.samplesPerInsert = 1_000  // the learner is never held back by the ratio here
  config.rateErrorBuffer = 1e9
  let store = try RunStore(path: dir + "/run.sqlite")
  let replay = ReplayStore(game: game, config: config, store: store, seed: 1)
  let records = selfPlayRecords(10, seed: 9)
  var ids: [Int64] = []
  for r in records { ids.append(try replay.submit(r, origin: GameOrigin(game: game.name, generation: 0, actor: "t"))) }
  var bad = records[0]
  bad.moves.removeLast()
  #expect(throws: InvalidGame.self) { try replay.submit(bad, origin: GameOrigin(game: game.name, generation: 0, actor: "t")) }
  #expect(throws: InvalidGame.self) { try replay.submit(records[0], origin: GameOrigin(game: "connect_four(rows=6,columns=7)", generation: 0, actor: "t")) }
  let samples = records.reduce(0) { $0 + $1.moves.filter(\.fullSearch).count }
  #expect(ids == Array(1...10) && replay.statistics.gamesRejected == 2)
  #expect(try store.gameCounts() == RunStore.GameCounts(games: 10, samples: samples))
  #expect(replay.sample(8)?.count == 8)
  // A second store on the same database (a restart) sees the same window and counters.
  let reopened = ReplayStore(game: game, config: config, store: try RunStore(path: dir + "/run.sqlite"), seed: 2)
  try reopened.restore(sampled: 8)
  #expect(reopened.statistics.windowSize == samples && reopened.statistics.samplesInserted == samples && reopened.statistics.samplesDrawn == 8)
  // Stopped, the store answers the learner with nil instead of waiting.
  reopened.stop()
  #expect(reopened.sample(8) == nil)
}

@Test func theReplayStoreCountsHowGamesEndedAndFalseResignations() throws {
  let game = TicTacToe()
  var config = TrainingConfig()
  config.samplesPerInsert = 1_000
  config.rateErrorBuffer = 1e9
  let replay = ReplayStore(game: game, config: config, store: try RunStore(path: temporaryDirectory("outcomes") + "/run.sqlite"), seed: 1)
  let seed: UInt64 = 13
  var records = selfPlayRecords(12, seed: seed)
  // No-resign games in which a side would have resigned: against the winner a true resignation,
  // against the loser or in a draw a false one.
  for i in 0..<6 {
    records[i].resignAllowed = false
    let loser: Player = records[i].outcomeForFirst > 0 ? .second : .first
    records[i].wouldHaveResigned = i % 2 == 0 ? loser : loser.opponent
  }
  records.append(GameRecord(moves: [], outcomeForFirst: -1, resigned: .first, wouldHaveResigned: nil, resignAllowed: true))
  let messages = records.map { Dojo_GameRecord($0, game: game.name, generation: 0, actor: "t") }
  _ = try replay.submit(Array(messages.prefix(7)), waitForRoom: true)
  let before = replay.statistics.outcomes
  // The rest, and the first seven again (their acknowledgements lost): stored and counted once.
  _ = try replay.submit(Array(messages.suffix(6)) + Array(messages.prefix(7)), waitForRoom: true)
  let o = replay.statistics.outcomes
  let draws = records.filter { $0.outcomeForFirst == 0 }.count
  let falseOnes = records.prefix(6).filter(\.isFalseResignation).count
  #expect(o.games == 13 && o.draws == draws && o.resigned == 1 && o.noResignGames == 6 && o.wouldHaveResigned == 6, "seed \(seed): \(o)")
  #expect(falseOnes >= 3 && o.falseResignations == falseOnes && o.falseResignationRate == Float(falseOnes) / 6, "seed \(seed): \(o)")
  let later = o.since(before)
  #expect(later.games == 6 && later.resigned == 1 && later.noResignGames == 0 && later.draws == records.suffix(6).filter { $0.outcomeForFirst == 0 }.count)
  #expect(o.endings == String(format: "draws %.0f %%, resigned %.0f %%", 100 * Double(draws) / 13, 100.0 / 13))
  #expect(o.falseResignationSummary == String(format: "false resignations %d of 6 (%.0f %%)", falseOnes, 100 * Double(falseOnes) / 6))
}

@Test func theLearnerWaitsForTheMinimumWindow() throws {
  let game = TicTacToe()
  var config = TrainingConfig()
  config.minReplaySize = 1_000_000
  let replay = ReplayStore(game: game, config: config, store: nil, seed: 1)
  for r in selfPlayRecords(4, seed: 3) { _ = try replay.submit(r, origin: GameOrigin(game: game.name, generation: 0, actor: "t")) }
  let got = Locked<TrainingBatch?>(nil)
  let done = DispatchSemaphore(value: 0)
  Thread.detachNewThread {
    got.value = replay.sample(4)
    done.signal()
  }
  #expect(done.wait(timeout: .now() + 0.3) == .timedOut, "sampled before the window reached its minimum")
  replay.stop()
  #expect(done.wait(timeout: .now() + 5) == .success)
  #expect(got.value == nil)
}

final class Locked<T>: @unchecked Sendable {
  let lock = NSLock()
  var stored: T
  init(_ v: T) { stored = v }
  var value: T {
    get { lock.withLock { stored } }
    set { lock.withLock { stored = newValue } }
  }
}

@Test func chartsDrawEverySeriesOnRoundTicks() {
  #expect(LineChart.ticks(0, 1) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1].map { ($0 * 10).rounded() / 10 } || LineChart.ticks(0, 1).count == 6)
  #expect(LineChart.ticks(0, 1000).first == 0 && LineChart.ticks(0, 1000).last == 1000)
  let chart = LineChart(title: "loss <a&b>", xLabel: "steps", yLabel: "loss", series: [
    ChartSeries(name: "policy", color: "#00f", points: [(0, 2), (10, 1.5), (20, 1)]),
    ChartSeries(name: "value", color: "#f00", points: [(0, 1), (20, 0.5)], errors: [0.1, 0.2]),
  ])
  let svg = chart.svg
  #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
  #expect(svg.components(separatedBy: "<polyline").count == 3 && svg.contains(">policy<") && svg.contains(">value<"))
  #expect(svg.contains("loss &lt;a&amp;b>") && svg.components(separatedBy: "stroke-opacity").count == 3)
}

/// The tiny run the kill test trains: a small tic-tac-toe net, frequent checkpoints, quick gates.

@Test func aRunKilledWithSIGKILLResumesWithItsGamesWeightsAndCounters() throws {
  let dir = temporaryDirectory("train-kill")
  // A small rate-limiter buffer bounds how far the learner may run ahead of the stored games after
  // the resume (8 draws per insert: at most 8 × (50 + 50) draws, plus the steps since the newest
  // checkpoint), so the 80 steps asked of the resumed run need new games.
  // Every accepted checkpoint also plays a fixed benchmark opponent (2 games against random).
  let config = tinyRunConfig.replacingOccurrences(of: "[training]\n", with: "[training]\nrate_error_buffer = 50.0\n")
    .replacingOccurrences(of: "[gating]\n", with: "[gating]\nbenchmark = \"random\"\nbenchmark_games = 2\n")
  try #require(config.contains("rate_error_buffer = 50.0") && config.contains("benchmark_games = 2"))
  try config.write(toFile: dir + "/tiny.toml", atomically: true, encoding: .utf8)
  let run = dir + "/run"
  let first = try dojo(["train", "tic_tac_toe", "--config", dir + "/tiny.toml", "--run", run, "--status-every", "1"], output: dir + "/first.log")
  var acknowledged = 0
  for _ in 0..<1200 where first.isRunning {
    usleep(50_000)
    acknowledged = (try? RunStore(path: run + "/run.sqlite").gameCounts().games) ?? 0
    if FileManager.default.fileExists(atPath: run + "/checkpoints/000002/meta.json") { break }
  }
  kill(first.processIdentifier, SIGKILL)
  first.waitUntilExit()
  let firstLog = (try? String(contentsOfFile: dir + "/first.log", encoding: .utf8)) ?? ""
  try #require(first.terminationReason == .uncaughtSignal, "the first run ended by itself: \(firstLog)")
  let store = try RunStore(path: run + "/run.sqlite")
  let survivors = try store.gameCounts()
  #expect(survivors.games >= acknowledged && acknowledged > 0, "acknowledged \(acknowledged), found \(survivors.games)")
  let newest = try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints").filter { Int($0) != nil }.sorted().last!
  let before = try Checkpoint.read(run + "/checkpoints/" + newest)
  #expect(before.metadata.generation >= 2 && before.optimizer != nil)

  let second = try dojo(["train", "--resume", run, "--steps", "\(before.metadata.trainingSteps + 80)", "--status-every", "1", "--log-format", "json"],
                        output: dir + "/second.log")
  second.waitUntilExit()
  let log = try String(contentsOfFile: dir + "/second.log", encoding: .utf8)
  try #require(second.terminationStatus == 0, "resume failed:\n\(log)")
  #expect(log.contains("resumed from generation \(before.metadata.generation) (\(before.metadata.trainingSteps) steps), \(survivors.games) games stored"))
  // --log-format json: every line on the terminal and in train.log is an object naming the role and the run.
  let trainLog = try String(contentsOfFile: run + "/train.log", encoding: .utf8).split(separator: "\n")
  let jsonLines = log.split(separator: "\n").map(String.init)
  #expect(!jsonLines.isEmpty && trainLog.suffix(jsonLines.count).map(String.init) == jsonLines)
  for line in jsonLines {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    #expect(object?["role"] as? String == "train" && object?["run"] as? String == run && object?["level"] as? String == "info", "\(line)")
  }
  let after = try store.gameCounts()
  #expect(after.games > survivors.games, "no new games after the resume")
  // On stopping, how this start's games ended, counted by the replay store (every one of them).
  #expect(log.contains("the \(after.games - survivors.games) games stored since this start: draws "), "\(log)")
  // Every game acknowledged before the kill is still there, unchanged in number and order.
  let ids = try store.gameIDs()
  #expect(Array(ids.prefix(survivors.games)) == Array(1...Int64(survivors.games)))
  let last = try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints").filter { Int($0) != nil }.sorted().last!
  let final = try Checkpoint.read(run + "/checkpoints/" + last)
  #expect(final.metadata.generation > before.metadata.generation)
  #expect(final.metadata.trainingSteps >= before.metadata.trainingSteps + 80 && final.metadata.samplesSeen > before.metadata.samplesSeen)
  #expect(final.optimizer?.step == final.metadata.trainingSteps)
  // The run directory holds its effective config, curves and log.
  for file in ["config.toml", "loss.svg", "rating.svg", "benchmark.svg", "train.log"] {
    #expect(FileManager.default.fileExists(atPath: "\(run)/\(file)"), "\(file) missing")
  }
  let benchmarks = try store.benchmarks()
  #expect(!benchmarks.isEmpty && benchmarks.allSatisfy { $0.opponent == "random" && $0.games == 2 }, "\(benchmarks)")
  #expect(try store.gates().contains { $0.candidate == 1 && $0.accepted })
  // TensorBoard, reading RUN/tensorboard (one event file per start), finds every loss the database
  // holds once, with the database's value (after the kill, the resumed run's), and the other scalars.
  let board = try readTensorBoard(run + "/tensorboard")
  for tag in ["loss/policy", "loss/value", "learning_rate", "throughput/games_per_s", "throughput/samples_trained_per_s", "replay/window", "rating/elo",
              "selfplay/draws", "selfplay/resigned"] {
    #expect(!(board[tag] ?? []).isEmpty, "TensorBoard has no \(tag): \(board.keys.sorted())")
  }
  let curve = try store.trainingCurve()
  let policy = board["loss/policy"] ?? []
  #expect(policy.map(\.step) == curve.map(\.step))
  for (p, c) in zip(policy, curve) { #expect(abs(p.value - c.policyLoss) < 1e-5, "step \(c.step)") }
}

@Test func playAgainstARunsBestModelWithHints() throws {
  // A run directory with two checkpoints, the first accepted by the evaluator: play uses that one.
  let run = temporaryDirectory("play-run")
  let game = TicTacToe()
  var net = NetworkConfig.defaults(for: game)
  net.blocks = 1
  net.channels = 8
  for g in 1...2 {
    _ = try Checkpoint.write(PolicyValueNet(config: net, seed: UInt64(g)), optimizer: nil,
                             metadata: CheckpointMetadata(game: game.name, architecture: net, generation: g), to: "\(run)/checkpoints/00000\(g)")
  }
  let store = try RunStore(path: run + "/run.sqlite")
  try store.recordGate(RunStore.GateRecord(candidate: 1, best: 0, accepted: true, wins: 0, draws: 0, losses: 0, elo: 0, eloError: 0, rating: 0, reason: "first"))
  try store.recordGate(RunStore.GateRecord(candidate: 2, best: 1, accepted: false, wins: 0, draws: 0, losses: 4, elo: -400, eloError: 0, rating: -400, reason: "lost"))
  #expect(try RunDirectory.checkpoint(run) == run + "/checkpoints/000001")
  #expect(try RunDirectory.checkpoint(run + "/checkpoints/000002") == run + "/checkpoints/000002")
  #expect(throws: InvalidRun.self) { try RunDirectory.checkpoint(run + "/nothing") }

  let input = Pipe(), output = run + "/play.txt"
  let binary = repositoryRoot + "/.build/debug/dojo"
  let p = Process()
  p.executableURL = URL(fileURLWithPath: binary)
  p.arguments = ["play", "tic_tac_toe", "--checkpoint", run, "--sims", "16", "--second", "--no-color"]
  p.standardInput = input
  _ = FileManager.default.createFile(atPath: output, contents: nil)
  p.standardOutput = FileHandle(forWritingAtPath: output)
  try p.run()
  input.fileHandleForWriting.write(Data("hint\nz9\nquit\n".utf8))
  try input.fileHandleForWriting.close()
  p.waitUntilExit()
  let text = try String(contentsOfFile: output, encoding: .utf8)
  #expect(p.terminationStatus == 0)
  #expect(text.contains("playing against ckpt:\(run)/checkpoints/000001:sims=16"))
  #expect(text.contains("ckpt:") && text.contains(" plays ") && text.contains("(for it)"), "the engine's move, value and top moves:\n\(text)")
  #expect(text.contains("hint: ") && text.contains("(for you)   top: "), "no hint:\n\(text)")
  #expect(text.contains("'z9' is not a move in tic_tac_toe"))
}

/// /metrics at `port`, parsed by Prometheus's own Python client (prometheus_client, in tools/.venv):
/// family name → (type, [sample name, labels, value]).
func scrapeMetrics(port: Int) throws -> [String: (type: String, samples: [(name: String, labels: [String: String], value: Double)])] {
  let data = try runPython("""
    import json, sys, urllib.request
    from prometheus_client.parser import text_string_to_metric_families
    text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=10).read().decode()
    print(json.dumps({f.name: {"type": f.type, "samples": [[s.name, s.labels, s.value] for s in f.samples]}
                      for f in text_string_to_metric_families(text)}))
    """, ["\(port)"])
  guard let json = try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] else {
    throw PythonError(description: "no metrics parsed from :\(port)")
  }
  return json.mapValues { f in
    (f["type"] as? String ?? "", ((f["samples"] as? [[Any]]) ?? []).map { s in
      (s[0] as? String ?? "", s[1] as? [String: String] ?? [:], (s[2] as? Double) ?? Double((s[2] as? Int) ?? -1))
    })
  }
}

@Test func trainingServesPrometheusMetricsThatMatchItsDatabase() throws {
  let dir = temporaryDirectory("metrics")
  try tinyRunConfig.write(toFile: dir + "/tiny.toml", atomically: true, encoding: .utf8)
  let run = dir + "/run", port = freePorts(1)
  let train = try dojo(["train", "tic_tac_toe", "--config", dir + "/tiny.toml", "--run", run, "--steps", "400", "--status-every", "1",
                        "--metrics", "127.0.0.1:\(port)"], output: dir + "/train.log")
  defer { if train.isRunning { kill(train.processIdentifier, SIGKILL) } }
  var families: [String: (type: String, samples: [(name: String, labels: [String: String], value: Double)])] = [:]
  var before = 0, after = 0
  func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
    families.values.lazy.flatMap(\.samples).first { $0.name == name && $0.labels == labels }?.value
  }
  for _ in 0..<600 where train.isRunning {
    usleep(100_000)
    before = (try? RunStore(path: run + "/run.sqlite").gameCounts().games) ?? 0
    guard let scraped = try? scrapeMetrics(port: port) else { continue }
    families = scraped
    after = (try? RunStore(path: run + "/run.sqlite").gameCounts().games) ?? 0
    if (value("dojo_learner_steps_total") ?? 0) >= 100 && (value("dojo_evaluator_gates_total", ["verdict": "accepted"]) ?? 0) >= 1 { break }
  }
  let log = (try? String(contentsOfFile: dir + "/train.log", encoding: .utf8)) ?? ""
  try #require(!families.isEmpty, "no scrape succeeded:\n\(log)")
  // Every metric the README lists, but the league's (a league run's), with its type.
  for (name, type) in DojoMetrics.catalogue where name != "dojo_league_games_total" {
    let family = families.first { f in f.value.samples.contains { $0.name == name || $0.name.hasPrefix(name + "_") } }
    #expect(family?.value.type == type, "\(name): \(family.map { "\($0.key) \($0.value.type)" } ?? "missing")")
  }
  // Counters agree with the database: games are counted once committed, so the count read from the
  // scrape lies between the database's counts before and after it (less the games in flight).
  let games = try #require(value("dojo_replay_games_stored_total"))
  #expect(Double(before) - 16 <= games && games <= Double(after), "stored \(games), database \(before)...\(after)")
  #expect(try #require(value("dojo_selfplay_games_total")) <= games)
  #expect((value("dojo_learner_steps_total") ?? 0) >= 100)
  #expect((value("dojo_replay_samples_drawn_total") ?? 0) >= 100 * 32)
  #expect((value("dojo_network_batch_seconds_count") ?? 0) > 0)
  train.waitUntilExit()
  #expect(train.terminationStatus == 0, "\(log)")
  // A port in use is a clear error.
  let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  var one: Int32 = 1
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
  var addr = sockaddr_in()
  addr.sin_family = sa_family_t(AF_INET)
  addr.sin_port = in_port_t(UInt16(port).bigEndian)
  addr.sin_addr.s_addr = inet_addr("127.0.0.1")
  let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
  defer { close(listener) }
  try #require(bound == 0 && listen(listener, 1) == 0)
  let busy = try dojo(["train", "tic_tac_toe", "--config", dir + "/tiny.toml", "--run", dir + "/other", "--metrics", "127.0.0.1:\(port)"],
                      output: dir + "/busy.log")
  busy.waitUntilExit()
  let busyLog = (try? String(contentsOfFile: dir + "/busy.log", encoding: .utf8)) ?? ""
  #expect(busy.terminationStatus != 0 && busyLog.contains("--metrics 127.0.0.1:\(port): cannot serve there"), "\(busyLog)")
}

@Test func dojoStartedOutsideTheRepositoryStillReadsTheGamesConfig() throws {
  // `dojo config` from an unrelated working directory, through a symlink with no repository near
  // it: the games folder is found beside the real binary, so the tuned file is read, not Dojo's
  // built-in defaults (which `value_target_mix = 0.0` would betray).
  let dir = temporaryDirectory("outside")
  try FileManager.default.createSymbolicLink(atPath: dir + "/dojo", withDestinationPath: repositoryRoot + "/.build/debug/dojo")
  let p = try dojo(["config", "connect_four"], output: dir + "/out.txt", executable: dir + "/dojo", directory: dir)
  p.waitUntilExit()
  let out = try String(contentsOfFile: dir + "/out.txt", encoding: .utf8)
  #expect(p.terminationStatus == 0, "\(out)")
  #expect(out.hasPrefix("# \(repositoryRoot)/games/connect_four/config.toml: OK"), "\(out.prefix(300))")
  let shipped = try String(contentsOfFile: repositoryRoot + "/games/connect_four/config.toml", encoding: .utf8)
  let mix = try #require(shipped.split(separator: "\n").first { $0.hasPrefix("value_target_mix") })
  #expect(out.contains(mix), "the effective config should carry the file's \(mix)")
}
