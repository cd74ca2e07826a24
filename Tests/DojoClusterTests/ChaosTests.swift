// The chaos test: a tiny cluster of separate processes (replay store, learner, two actors), each
// role killed with SIGKILL at seeded random moments and restarted; afterwards every game an actor
// saw acknowledged must be in the database exactly once, and the learner must have gone on from its
// checkpoints.

import DojoGames
import DojoNN
import DojoSearch
import DojoTestSupport
import DojoTraining
import Foundation
import Testing

@Test(.tags(.multiProcess, .slow)) func killingEachRoleLosesNoAcknowledgedGame() throws {
  let seed: UInt64 = UInt64(ProcessInfo.processInfo.environment["DOJO_CHAOS_SEED"] ?? "") ?? 7
  var rng = SplitMix64(seed: seed)
  let dir = temporaryDirectory("chaos")
  try tinyClusterConfig.write(toFile: dir + "/tiny.toml", atomically: true, encoding: .utf8)
  let run = dir + "/run"
  let base = freePorts(3)
  let replayAt = "tcp://127.0.0.1:\(base)", modelsAt = "tcp://127.0.0.1:\(base + 1)", announceAt = "tcp://127.0.0.1:\(base + 2)"
  let roles: [String: [String]] = [
    "replay": ["replay", "tic_tac_toe", "--run", run, "--config", dir + "/tiny.toml", "--bind", replayAt, "--status-every", "1"],
    "learner": ["learner", "tic_tac_toe", "--run", run, "--config", dir + "/tiny.toml", "--replay", replayAt, "--models", modelsAt,
                "--announce", announceAt, "--status-every", "1"],
    "actor-0": ["actor", "tic_tac_toe", "--config", dir + "/tiny.toml", "--connect", replayAt, "--announce", announceAt, "--name", "actor-0",
                "--ack-log", dir + "/acks-0", "--timeout", "1", "--seed", "1"],
    "actor-1": ["actor", "tic_tac_toe", "--config", dir + "/tiny.toml", "--connect", replayAt, "--announce", announceAt, "--name", "actor-1",
                "--ack-log", dir + "/acks-1", "--timeout", "1", "--seed", "2"],
  ]
  var processes: [String: Process] = [:]
  var starts: [String: Int] = [:]
  func start(_ role: String) throws {
    starts[role, default: 0] += 1
    processes[role] = try dojo(roles[role]!, output: "\(dir)/\(role)-\(starts[role]!).log")
  }
  try start("replay")
  usleep(300_000)  // the replay store writes the run's config.toml
  for r in ["learner", "actor-0", "actor-1"] { try start(r) }
  var kills: [String] = []
  let order = ["replay", "learner", "actor-0", "actor-1", "replay", "learner"]
  for role in order {
    usleep(UInt32(1_500_000 + rng.next(below: 1_500_000)))
    let p = processes[role]!
    #expect(p.isRunning, "seed \(seed): \(role) died by itself before its kill")
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    kills.append(role)
    try start(role)
  }
  usleep(2_000_000)
  for r in ["actor-0", "actor-1", "learner", "replay"] {
    kill(processes[r]!.processIdentifier, SIGINT)
    processes[r]!.waitUntilExit()
  }
  let acknowledged = (0..<2).flatMap { i in
    ((try? String(contentsOfFile: "\(dir)/acks-\(i)", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int64($0) }
  }
  let stored = Set(try RunStore(path: run + "/run.sqlite").gameIDs())
  let lost = acknowledged.filter { !stored.contains($0) }
  print("chaos seed \(seed): kills \(kills.joined(separator: ", ")); games acknowledged \(acknowledged.count), stored \(stored.count), lost \(lost.count)")
  #expect(acknowledged.count > 50, "seed \(seed): only \(acknowledged.count) games acknowledged")
  #expect(lost.isEmpty, "seed \(seed): acknowledged but missing: \(lost.prefix(10))")
  // Exactly once: no game is acknowledged under two ids or stored twice (an actor resending after a
  // replay store's restart gets the stored id back). Stored but never acknowledged: at most the one
  // game each killed or stopped actor was waiting on.
  #expect(Set(acknowledged).count == acknowledged.count, "seed \(seed): a game acknowledged twice")
  let uids = try RunStore(path: run + "/run.sqlite").uidCounts()
  #expect(uids.rows == uids.distinct && uids.none == 0, "seed \(seed): \(uids.rows) games stored, \(uids.distinct) distinct")
  let actorStops = kills.filter { $0.hasPrefix("actor") }.count + 2
  #expect(stored.count - acknowledged.count <= actorStops, "seed \(seed): \(stored.count) stored, \(acknowledged.count) acknowledged")
  // The learner went on from its checkpoints: each restart logs the generation it resumed, never
  // less than the one before.
  var generations: [Int] = []
  for k in 1...starts["learner"]! {
    let text = (try? String(contentsOfFile: "\(dir)/learner-\(k).log", encoding: .utf8)) ?? ""
    if let line = text.split(separator: "\n").first(where: { $0.contains("learner for") }),
      let g = line.split(separator: " ").firstIndex(of: "generation").map({ Int(line.split(separator: " ")[$0 + 1].dropLast())! }) {
      generations.append(g)
    }
  }
  #expect(generations.count == starts["learner"]! && generations == generations.sorted() && (generations.last ?? 0) > 0,
          "seed \(seed): learner generations at each start \(generations)")
  let newest = try RunDirectory.newestCheckpoint(run)
  #expect(try Checkpoint.read(newest).metadata.generation >= generations.last!)
}
