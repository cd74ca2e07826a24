import DojoCluster
import DojoNN
import DojoTelemetry
import DojoTestSupport
import DojoTraining
import DojoTransport
import Foundation
import Testing

@Test func actorsFetchAnnouncedModelsAndRefuseABadHash() throws {
  let dir = temporaryDirectory("models")
  let t = InProcessTransport()
  let log = Log()
  let hub = try ModelHub(transport: t, fetch: "models", announce: "announce", every: 0.1, log: RoleLog { log.add($0) })
  defer { hub.stop() }
  let feed = try RemoteModelFeed(transport: t, announce: "announce", cache: dir + "/cache", log: RoleLog { log.add($0) })
  defer { feed.stop() }
  func model(_ g: Int, bytes: Data) throws -> String {
    let path = "\(dir)/m\(g)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    try bytes.write(to: URL(fileURLWithPath: path + "/model.safetensors"))
    try Data("{\"generation\":\(g)}".utf8).write(to: URL(fileURLWithPath: path + "/meta.json"))
    return path
  }
  // Announced with another hash than the files have: never handed to the actor.
  let a = Data(repeating: 1, count: 1000), b = Data((0..<5000).map { UInt8($0 % 251) })
  hub.publish(CheckpointReference(generation: 1, path: try model(1, bytes: a), sha256: Checkpoint.sha256(b)))
  for _ in 0..<100 where !log.lines.contains(where: { $0.contains("discarded") }) { usleep(20_000) }
  #expect(feed.latest == nil)
  #expect(log.lines.contains { $0.contains("model 1") && $0.contains("discarded") })
  // A good one: fetched, checked, in the cache, announced to the actor.
  hub.publish(CheckpointReference(generation: 2, path: try model(2, bytes: b), sha256: Checkpoint.sha256(b)))
  for _ in 0..<100 where feed.latest == nil { usleep(20_000) }
  let latest = try #require(feed.latest)
  #expect(latest.generation == 2 && latest.sha256 == Checkpoint.sha256(b))
  #expect(FileManager.default.contents(atPath: latest.path + "/model.safetensors") == b)
}
