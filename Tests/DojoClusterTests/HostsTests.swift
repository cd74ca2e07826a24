// Processes as a cluster: `dojo cluster up` restarting a killed role, and actors on other "hosts"
// (network namespaces joined to this one by veth pairs) reaching the replay store over TCP.

import DojoTestSupport
import DojoTraining
import Foundation
import Testing

let tinyClusterConfig = """
  game = "tic_tac_toe"
  [network]
  blocks = 1
  channels = 8
  [search]
  simulations = 8
  [training]
  parallel_games = 8
  min_replay_size = 100
  batch_size = 32
  checkpoint_steps = 25
  [gating]
  games = 4
  simulations = 4
  """

func pids(_ path: String) -> [String: Int32] {
  let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
  var out: [String: Int32] = [:]
  for line in text.split(separator: "\n") {
    let parts = line.split(separator: " ")
    if parts.count == 2, let pid = Int32(parts[1]) { out[String(parts[0])] = pid }
  }
  return out
}

@Test(.tags(.multiProcess)) func clusterUpRestartsAKilledRoleAndStopsEverythingOnSIGINT() throws {
  let dir = temporaryDirectory("cluster-up")
  try tinyClusterConfig.write(toFile: dir + "/tiny.toml", atomically: true, encoding: .utf8)
  let run = dir + "/run"
  let port = freePorts(5)
  let up = try dojo(["cluster", "up", "tic_tac_toe", "--run", run, "--config", dir + "/tiny.toml", "--actors", "2", "--base-port", "\(port)",
                     "--status-every", "2"], output: dir + "/up.log")
  var first: [String: Int32] = [:]
  for _ in 0..<200 where first.count < 5 {
    usleep(50_000)
    first = pids(run + "/logs/cluster.pids")
  }
  try #require(Set(first.keys) == ["replay", "learner", "evaluator", "actor-0", "actor-1"], "roles started: \(first)")
  usleep(1_500_000)
  // The replay store running now (should it have exited on its own, cluster up restarted it: the logs say why).
  let victim = pids(run + "/logs/cluster.pids")["replay"]!
  let roleLogs = { ["replay", "learner"].map { "--- \($0).log:\n" + ((try? String(contentsOfFile: run + "/logs/\($0).log", encoding: .utf8)) ?? "") }.joined(separator: "\n") }
  #expect(victim == first["replay"], "the replay store restarted before it was killed:\n\(roleLogs())")
  kill(victim, SIGKILL)
  var restarted: Int32?
  for _ in 0..<200 {
    usleep(50_000)
    if let p = pids(run + "/logs/cluster.pids")["replay"], p != victim { restarted = p; break }
  }
  #expect(restarted != nil, "the killed replay store was not restarted")
  usleep(2_000_000)
  kill(up.processIdentifier, SIGINT)
  up.waitUntilExit()
  let log = (try? String(contentsOfFile: dir + "/up.log", encoding: .utf8)) ?? ""
  #expect(up.terminationStatus == 0, "cluster up failed:\n\(log)")
  #expect(log.contains("replay killed by signal 9; restarting in 1 s"), "cluster up's log:\n\(log)\n\(roleLogs())")
  for (role, pid) in pids(run + "/logs/cluster.pids") {
    #expect(kill(pid, 0) != 0, "\(role) (pid \(pid)) still running after the cluster stopped")
  }
  #expect(try RunStore(path: run + "/run.sqlite").gameCounts().games > 0)
}

/// Runs a shell command as root; its exit status and output.
@discardableResult
func sh(_ command: String) -> (Int32, String) {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/bin/sh")
  p.arguments = ["-c", command]
  let pipe = Pipe()
  p.standardOutput = pipe
  p.standardError = pipe
  try? p.run()
  let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  p.waitUntilExit()
  return (p.terminationStatus, out)
}

/// Whether this system lets the tests make network namespaces and veth pairs (root, iproute2).
let networkNamespacesAvailable: Bool = {
  let probe = "djprobe\(getpid() % 100_000)"
  let (status, _) = sh("""
    ip netns add \(probe) && ip link add \(probe)a type veth peer name \(probe)b; s=$?; \
    ip link del \(probe)a 2>/dev/null; ip netns del \(probe) 2>/dev/null; exit $s
    """)
  return status == 0
}()

@Test(.tags(.multiProcess), .enabled(if: networkNamespacesAvailable, "this system forbids network namespaces and veth pairs (needs root and iproute2)"))
func actorsOnOtherHostsReachTheReplayStoreOverTCP() throws {
  // Two "hosts": network namespaces, each joined to this one by a veth pair on its own subnet.
  let tag = String(getpid() % 100_000)
  let hosts = (1...2).map { (ns: "dojo\(tag)h\($0)", link: "dj\(tag)h\($0)", net: "10.\(200 + $0).\(getpid() % 200).") }
  defer { for h in hosts { sh("ip netns del \(h.ns) 2>/dev/null; ip link del \(h.link)a 2>/dev/null") } }
  for h in hosts {
    let (status, out) = sh("""
      ip netns add \(h.ns) && ip link add \(h.link)a type veth peer name \(h.link)b && ip link set \(h.link)b netns \(h.ns) && \
      ip addr add \(h.net)1/24 dev \(h.link)a && ip link set \(h.link)a up && \
      ip netns exec \(h.ns) ip addr add \(h.net)2/24 dev \(h.link)b && ip netns exec \(h.ns) ip link set \(h.link)b up && \
      ip netns exec \(h.ns) ip link set lo up
      """)
    if status != 0 {
      Issue.record("network namespaces worked for the probe but not here: \(out.trimmingCharacters(in: .whitespacesAndNewlines))")
      return
    }
  }
  let dir = temporaryDirectory("hosts")
  try tinyClusterConfig.write(toFile: dir + "/tiny.toml", atomically: true, encoding: .utf8)
  let port = freePorts(1)
  // The replay store listens on every interface of this host; each actor knows it by its own link's address.
  let replay = try dojo(["replay", "tic_tac_toe", "--run", dir + "/run", "--config", dir + "/tiny.toml", "--bind", "tcp://0.0.0.0:\(port)"],
                        output: dir + "/replay.log")
  defer { kill(replay.processIdentifier, SIGINT); replay.waitUntilExit() }
  usleep(500_000)
  let binary = repositoryRoot + "/.build/debug/dojo"
  let actors = try hosts.enumerated().map { i, h in
    try dojo(["netns", "exec", h.ns, binary, "actor", "tic_tac_toe", "--config", dir + "/tiny.toml", "--connect",
              "tcp://\(h.net)1:\(port)", "--name", "remote-\(i)", "--games", "30", "--ack-log", "\(dir)/acks-\(i)", "--timeout", "2"]
             , output: "\(dir)/actor-\(i).log", executable: "/usr/sbin/ip")
  }
  for a in actors { a.waitUntilExit() }
  for (i, a) in actors.enumerated() {
    let log = (try? String(contentsOfFile: "\(dir)/actor-\(i).log", encoding: .utf8)) ?? ""
    #expect(a.terminationStatus == 0, "actor \(i) in \(hosts[i].ns) failed:\n\(log)")
  }
  let acked = (0..<2).flatMap { i in ((try? String(contentsOfFile: "\(dir)/acks-\(i)", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int64($0) } }
  let stored = Set(try RunStore(path: dir + "/run/run.sqlite").gameIDs())
  #expect(acked.count >= 60 && acked.allSatisfy(stored.contains), "acknowledged \(acked.count), stored \(stored.count)")
}

/// A secret key file that others may read is refused at start, naming the file and the fix.
@Test(.tags(.multiProcess)) func aSecretKeyReadableByOthersIsRefused() throws {
  let dir = temporaryDirectory("keys")
  defer { try? FileManager.default.removeItem(atPath: dir) }
  let keys = dir + "/keys"
  let gen = try dojo(["keys", "generate", keys])
  gen.waitUntilExit()
  try #require(gen.terminationStatus == 0)
  try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keys + "/server.secret")
  let output = dir + "/out.txt"
  try tinyClusterConfig.write(toFile: dir + "/tiny.toml", atomically: true, encoding: .utf8)
  let replay = try dojo(["replay", "tic_tac_toe", "--run", dir + "/run", "--config", dir + "/tiny.toml", "--bind", "tcp://127.0.0.1:\(freePorts(1))",
                         "--keys", keys], output: output)
  replay.waitUntilExit()
  let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
  #expect(replay.terminationStatus != 0 && text.contains("server.secret is readable by others (mode 644): chmod 600 it"), "\(text)")
}
