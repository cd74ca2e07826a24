// Helpers shared by Dojo's test targets: where the repository is, scratch directories, and a
// deterministic stand-in for a network.

import DojoConcurrency
import DojoGames
import DojoSearch
import Foundation

/// The repository's root.
public let repositoryRoot = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")

/// A fresh, empty directory under the system's temporary directory.
public func temporaryDirectory(_ label: String) -> String {
  let dir = NSTemporaryDirectory() + "dojo-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  return dir
}

/// A deterministic stand-in for a network: priors and value derived from the position hash.
/// Counts its calls and leaves.
public struct HashEvaluator<S: GameState>: Evaluator {
  public var calls = 0
  public var leaves = 0
  public init() {}
  public mutating func evaluate(_ batch: inout LeafBatch<S>) {
    calls += 1
    leaves += batch.count
    for i in 0..<batch.count {
      let h = batch.states[i].positionHash
      let r = batch.range(of: i)
      var sum: Float = 0
      for j in r {
        let w = Float(SplitMix64.mix(h ^ UInt64(batch.actions[j])) % 1000 + 1)
        batch.priors[j] = w
        sum += w
      }
      for j in r { batch.priors[j] /= sum }
      batch.values[i] = Float(h % 2001) / 1000 - 1
    }
  }
}

public struct MissingBinary: Error, CustomStringConvertible {
  public var description: String
}

/// Starts the debug `dojo` binary with `arguments` in the repository root; output goes to
/// `output` (a file path) or nowhere.
/// With `executable`, runs that program instead (e.g. `ip netns exec NS dojo ...`); with
/// `directory`, starts it there instead of the repository root.
public func dojo(_ arguments: [String], output: String? = nil, executable: String? = nil, directory: String? = nil) throws -> Process {
  let binary = repositoryRoot + "/.build/debug/dojo"
  guard FileManager.default.isExecutableFile(atPath: binary) else {
    throw MissingBinary(description: "\(binary) is missing: build the dojo binary first (swift build, or tools/test)")
  }
  let p = Process()
  p.executableURL = URL(fileURLWithPath: executable ?? binary)
  p.arguments = arguments
  if let output {
    _ = FileManager.default.createFile(atPath: output, contents: nil)
    p.standardOutput = FileHandle(forWritingAtPath: output)
  } else {
    p.standardOutput = FileHandle.nullDevice
  }
  p.standardError = p.standardOutput
  p.currentDirectoryURL = URL(fileURLWithPath: directory ?? repositoryRoot)
  try p.run()
  return p
}

/// The first of `count` consecutive TCP ports on 127.0.0.1 that are free now (checked by binding
/// each), from a random start, so that concurrent test runs do not collide. The ports lie below the
/// kernel's ephemeral range (ip_local_port_range), so an outgoing connection of another test cannot
/// take one between this check and the role's bind, and no two calls in this process share a port.
public func freePorts(_ count: Int) -> Int {
  func free(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
  }
  let ephemeralStart = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
    .flatMap { $0.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } } ?? 32_768
  let top = max(ephemeralStart, 12_000) - count - 1
  return reservedPorts.withLock { reserved in
    while true {
      let base = Int.random(in: 10_000...top)
      let range = base..<(base + count)
      if range.allSatisfy({ !reserved.contains($0) && free($0) }) {
        reserved.formUnion(range)
        return base
      }
    }
  }
}

private let reservedPorts = Locked<Set<Int>>([])

/// Lines logged from any thread (a role's log callback in tests).
public final class Log: Sendable {
  let items = Locked<[String]>([])
  public init() {}
  public func add(_ s: String) { items.withLock { $0.append(s) } }
  public var lines: [String] { items.withLock { $0 } }
}

/// Runs `script` with tools/.venv's Python (the cross-checks' peers, installed by tools/setup) and
/// returns its standard output; a failure throws with its standard error.
public func runPython(_ script: String, _ arguments: [String]) throws -> Data {
  let python = repositoryRoot + "/tools/.venv/bin/python"
  guard FileManager.default.isExecutableFile(atPath: python) else {
    throw PythonError(description: "\(python) is missing: tools/test makes it (DOJO_SETUP_TESTS=1 tools/setup installs the cross-checks' packages)")
  }
  let p = Process()
  p.executableURL = URL(fileURLWithPath: python)
  p.arguments = ["-c", script] + arguments
  let out = Pipe(), err = Pipe()
  p.standardOutput = out
  p.standardError = err
  try p.run()
  let data = out.fileHandleForReading.readDataToEndOfFile()
  let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  p.waitUntilExit()
  guard p.terminationStatus == 0 else { throw PythonError(description: "python failed (tools/setup installs the packages): \(errors)") }
  return data
}

public struct PythonError: Error, CustomStringConvertible {
  public var description: String
  public init(description: String) { self.description = description }
}

/// The scalars in a TensorBoard log directory as TensorBoard itself reads them (its
/// EventAccumulator): tag → [(step, value)] in step order.
public func readTensorBoard(_ directory: String) throws -> [String: [(step: Int, value: Double)]] {
  let data = try runPython("""
    import json, sys
    from tensorboard.backend.event_processing import event_accumulator
    acc = event_accumulator.EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
    acc.Reload()
    print(json.dumps({tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}))
    """, [directory])
  guard let json = try JSONSerialization.jsonObject(with: data) as? [String: [[Double]]] else {
    throw PythonError(description: "TensorBoard's reader printed no scalars for \(directory)")
  }
  return json.mapValues { $0.map { (Int($0[0]), $0[1]) } }
}

/// A tic-tac-toe run small enough for tests: one actor, a 1×8 network, checkpoints every 20 steps.
public let tinyRunConfig = """
  game = "tic_tac_toe"
  [network]
  blocks = 1
  channels = 8
  [search]
  simulations = 8
  [training]
  actors = 1
  parallel_games = 16
  window_size = 5000
  min_replay_size = 100
  batch_size = 32
  checkpoint_steps = 20
  [gating]
  games = 4
  simulations = 4
  """

/// This process's threads as the kernel lists them (/proc/self/task): name and nice value each
/// (empty where there is no /proc).
public func kernelThreads() -> [(tid: Int, name: String, nice: Int)] {
  let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
  return tasks.compactMap { tid -> (Int, String, Int)? in
    guard let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")"), let open = stat.firstIndex(of: "(") else { return nil }
    // After "pid (comm)": state is field 3, nice field 19.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 16, let nice = Int(fields[16]), let id = Int(tid) else { return nil }
    return (id, String(stat[stat.index(after: open)..<close]), nice)
  }
}
