// A run directory on a small filesystem of its own that fills up: the replay store answers "disk
// full" and stores nothing, the actor keeps its game and retries, acknowledged games stay intact,
// a checkpoint write fails leaving nothing half-written and the previous one loadable, and all of
// it resumes once space is freed.

import DojoCluster
import DojoConcurrency
import DojoGames
import DojoNN
import DojoTelemetry
import DojoTestSupport
import DojoTraining
import DojoTransport
import DojoWire
import Foundation
import Testing

/// A tmpfs of `bytes` mounted at a new directory (needs root, as in CI; elsewhere `mount` fails
/// and the test is skipped with the reason).
final class SmallDisk {
  let path: String
  var ballast: String { path + "/ballast" }

  static let canMount: Bool = {
    guard let disk = SmallDisk(bytes: 1 << 20) else { return false }
    disk.unmount()
    return true
  }()

  init?(bytes: Int) {
    path = temporaryDirectory("small-disk")
    guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes)", "dojo-small-disk", path]) else { return nil }
  }

  static func run(_ tool: String, _ arguments: [String]) -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = arguments
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
  }

  /// Writes a ballast file until the filesystem refuses more; returns the bytes written.
  func fill() -> Int {
    let fd = open(ballast, O_WRONLY | O_CREAT | O_APPEND, 0o600)
    defer { close(fd) }
    let block = [UInt8](repeating: 0x5a, count: 4096)
    var written = 0
    while true {
      let n = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      written += n
    }
    return written
  }

  func free() { unlink(ballast) }

  func unmount() { _ = Self.run("/bin/umount", ["-l", path]) }

  deinit { unmount() }
}

@Test(.enabled(if: SmallDisk.canMount, "mounting a small tmpfs needs root"))
func aFullDiskLosesNothingAndEverythingResumesWhenSpaceIsFreed() throws {
  let seed: UInt64 = 11
  guard let disk = SmallDisk(bytes: 8 << 20) else { Issue.record("could not mount the small disk"); return }
  let (svc, store, log) = try service(disk.path, minSize: 1_000_000)
  let transport = InProcessTransport()
  let server = try transport.serve("replay") { svc.handle($0) }
  defer { server.stop() }
  let clientLog = Log()
  let remote = try RemoteReplay(transport: transport, endpoint: server.endpoint, timeout: 5, log: RoleLog { clientLog.add($0) })
  var pending = games(80, seed: seed)[...]
  var acknowledged: [Int64] = []
  for _ in 0..<10 { acknowledged.append(try remote.submit([pending.removeFirst()])[0].get()) }

  let architecture = NetworkConfig(inputPlanes: 3, height: 3, width: 3, actionCount: 9, blocks: 1, channels: 8,
                                   policyChannels: 2, valueChannels: 2, valueHidden: 8)
  let net = PolicyValueNet(config: architecture, seed: seed)
  let first = disk.path + "/checkpoints/000001", second = disk.path + "/checkpoints/000002"
  try Checkpoint.write(net, optimizer: nil, metadata: CheckpointMetadata(game: "tic_tac_toe", architecture: architecture, generation: 1), to: first)

  let ballast = disk.fill()
  #expect(ballast > 0, "seed \(seed)")
  // Until SQLite needs a page it does not have, games may still be stored (and are durable);
  // then the store answers busy, "disk full", and stores nothing.
  var full: Dojo_Accepted?
  while full == nil, let game = pending.first {
    var submit = Dojo_SubmitGames()
    submit.games = [game]
    guard case .accepted(let a) = try Dojo_Envelope.open(svc.handle(Dojo_Envelope(.submitGames(submit)).encoded())).body else {
      Issue.record("no Accepted reply on a full disk (seed \(seed))")
      return
    }
    if a.busy { full = a } else {
      acknowledged += a.gameIds
      pending.removeFirst()
    }
  }
  guard let full else { Issue.record("the store never reported a full disk after \(acknowledged.count) games (seed \(seed))"); return }
  #expect(full.busyReason.hasPrefix("disk full"), "\(full.busyReason)")
  #expect(full.gameIds.isEmpty && full.retryAfterMs > 0)
  #expect(log.lines.contains { $0.contains("disk full") })
  // In the same process (dojo train): the store throws StorageFull, which actors retry.
  let record = try pending.first!.record()
  #expect(throws: StorageFull.self) { try svc.replay.submit(record, origin: GameOrigin(game: "tic_tac_toe", generation: 0, actor: "t")) }

  // A checkpoint write fails whole: no directory, no temporary left, the previous one loads.
  do {
    try Checkpoint.write(net, optimizer: nil, metadata: CheckpointMetadata(game: "tic_tac_toe", architecture: architecture, generation: 2), to: second)
    Issue.record("a checkpoint was written to a full disk")
  } catch {
    #expect("\(error)".contains("disk full"), "\(error)")
  }
  let leftovers = try FileManager.default.contentsOfDirectory(atPath: disk.path + "/checkpoints")
  #expect(leftovers == ["000001"])
  #expect(try Checkpoint.read(first, game: "tic_tac_toe").metadata.generation == 1)

  // An actor's submission waits through "disk full" and is stored once space is freed.
  let waiting = pending.removeFirst()
  let result = Locked<Result<Int64, InvalidGame>?>(nil)
  let thread = Thread {
    let r = try? remote.submit([waiting])[0]
    result.withLock { $0 = r }
  }
  thread.start()
  Thread.sleep(forTimeInterval: 2.5)
  #expect(result.withLock { $0 } == nil, "a game was acknowledged while the disk was full")
  #expect(clientLog.lines.contains { $0.contains("cannot store games now (disk full") }, "\(clientLog.lines)")
  disk.free()
  var waited = 0.0
  while result.withLock({ $0 }) == nil && waited < 20 {
    Thread.sleep(forTimeInterval: 0.1)
    waited += 0.1
  }
  guard let stored = result.withLock({ $0 }) else { Issue.record("the waiting game was not stored after space was freed"); return }
  acknowledged.append(try stored.get())
  #expect(clientLog.lines.contains { $0.contains("stores games again") })
  for game in pending.prefix(5) { acknowledged.append(try remote.submit([game])[0].get()) }

  // Nothing acknowledged was lost, nothing stored twice, and the database is sound.
  #expect(Set(acknowledged).count == acknowledged.count)
  #expect(try store.gameCounts().games == acknowledged.count)
  let uids = try store.uidCounts()
  #expect(uids.rows == uids.distinct && uids.none == 0)
  #expect(RunCheck.games(store.path, game: TicTacToe()).isEmpty)
  try Checkpoint.write(net, optimizer: nil, metadata: CheckpointMetadata(game: "tic_tac_toe", architecture: architecture, generation: 2), to: second)
  #expect(try Checkpoint.read(second, game: "tic_tac_toe").metadata.generation == 2)
}
