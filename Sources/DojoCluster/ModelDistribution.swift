// Model distribution: the learner (or evaluator) announces each new model on a PUB socket, again
// every few seconds for late joiners, and serves its files on request. An actor's RemoteModelFeed
// hears the announcements on a thread of its own, fetches the files, checks their SHA-256, keeps
// them in a local cache, and only then tells the actor; the actor never stops playing meanwhile.

import DojoConcurrency
import DojoNN
import DojoTelemetry
import DojoTraining
import DojoTransport
import DojoWire
import Foundation

/// Announces models and serves their files.
public final class ModelHub: @unchecked Sendable {
  let publisher: any Publisher
  let server: any TransportServer
  /// The newest announcement, and whether the hub stopped.
  let state = Locked<(latest: Dojo_ModelAnnouncement?, stopped: Bool)>((nil, false))
  public var fetchEndpoint: String { server.endpoint }
  public var announceEndpoint: String { publisher.endpoint }

  /// Serves files at `fetch`, announces at `announce` (re-announcing every `every` seconds).
  public init(transport: any Transport, fetch: String, announce: String, every: Double = 2, log: RoleLog) throws {
    publisher = try transport.publisher(announce)
    let box = HubFiles()
    server = try transport.serve(fetch) { request in
      let envelope: Dojo_Envelope
      do { envelope = try Dojo_Envelope.open(request) } catch let e as WireError {
        log.warning("refused a request: \(e)")
        return Dojo_Envelope.error(e.reason).encoded()
      } catch { return Dojo_Envelope.error("\(error)").encoded() }
      guard case .fetchModel(let f) = envelope.body else { return Dojo_Envelope.error("the model server answers FetchModel only").encoded() }
      guard let (generation, path) = box.find(f.generation) else { return Dojo_Envelope.error("no model of generation \(f.generation)").encoded() }
      guard let model = FileManager.default.contents(atPath: path + "/model.safetensors"),
        let meta = FileManager.default.contents(atPath: path + "/meta.json")
      else { return Dojo_Envelope.error("the files of generation \(generation) are gone").encoded() }
      var files = Dojo_ModelFiles()
      files.generation = generation
      files.model = model
      files.meta = meta
      return Dojo_Envelope(.modelFiles(files)).encoded()
    }
    files = box
    let thread = Thread { [weak self] in
      while let self, !self.state.withLock({ $0.stopped }) {
        self.reannounce()
        Thread.sleep(forTimeInterval: every)
      }
    }
    thread.name = "announce"
    thread.start()
  }

  let files: HubFiles

  /// Announces `model` as the actors' model (its files are served from here).
  public func publish(_ model: CheckpointReference) {
    var a = Dojo_ModelAnnouncement()
    a.generation = UInt32(model.generation)
    a.sha256 = model.sha256
    a.endpoint = server.endpoint
    files.add(UInt32(model.generation), model.path)
    state.withLock { $0.latest = a }
    reannounce()
  }

  func reannounce() {
    guard let a = state.withLock({ $0.latest }) else { return }
    try? publisher.publish(Dojo_Envelope(.model(a)).encoded())
  }

  public func stop() {
    state.withLock { $0.stopped = true }
    server.stop()
  }
}

final class HubFiles: Sendable {
  let paths = Locked<[UInt32: String]>([:])
  func add(_ g: UInt32, _ p: String) { paths.withLock { $0[g] = p } }
  /// Generation 0 asks for the newest.
  func find(_ g: UInt32) -> (UInt32, String)? {
    paths.withLock { paths in
      if g == 0 { return paths.max { $0.key < $1.key }.map { ($0.key, $0.value) } }
      return paths[g].map { (g, $0) }
    }
  }
}

/// An actor's view of the models announced in a cluster (a ModelFeed).
public final class RemoteModelFeed: ModelFeed, @unchecked Sendable {
  /// The newest model fetched and checked, and whether the feed stopped.
  let state = Locked<(current: CheckpointReference?, stopped: Bool)>((nil, false))
  let cache: String
  let transport: any Transport
  let log: RoleLog

  /// Listens at `announce`; fetched models go to `cache` (a directory of this machine's).
  public init(transport: any Transport, announce: String, cache: String, log: RoleLog) throws {
    self.cache = cache
    self.transport = transport
    self.log = log
    try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
    let subscriber = UncheckedSendable(try transport.subscriber(announce))
    let thread = Thread { [self] in
      let subscriber = subscriber.value
      var clients: [String: any RequestClient] = [:]
      while !state.withLock({ $0.stopped }) {
        guard let data = try? subscriber.receive(timeout: 0.5), let e = try? Dojo_Envelope.open(data), case .model(let a) = e.body else { continue }
        if let have = latest, have.generation >= Int(a.generation) { continue }
        do {
          if clients[a.endpoint] == nil { clients[a.endpoint] = try transport.connect(a.endpoint) }
          try fetch(a, client: clients[a.endpoint]!)
        } catch {
          log.warning("model \(a.generation) from \(a.endpoint): \(error)")
        }
      }
    }
    thread.name = "models"
    thread.start()
  }

  public var latest: CheckpointReference? { state.withLock { $0.current } }

  public func stop() { state.withLock { $0.stopped = true } }

  func fetch(_ a: Dojo_ModelAnnouncement, client: any RequestClient) throws {
    var f = Dojo_FetchModel()
    f.generation = a.generation
    let reply = try Dojo_Envelope.open(try client.request(Dojo_Envelope(.fetchModel(f)).encoded(), timeout: 30))
    guard case .modelFiles(let files) = reply.body else {
      if case .error(let e) = reply.body { throw RemoteError(e.reason) }
      throw RemoteError("unexpected reply to FetchModel")
    }
    let hash = Checkpoint.sha256(files.model)
    guard hash == a.sha256 else { throw RemoteError("the fetched weights hash to \(hash), announced \(a.sha256): discarded") }
    let path = "\(cache)/" + String(format: "%06d", a.generation)
    let temp = path + ".partial"
    try? FileManager.default.removeItem(atPath: temp)
    try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
    try files.model.write(to: URL(fileURLWithPath: temp + "/model.safetensors"))
    try files.meta.write(to: URL(fileURLWithPath: temp + "/meta.json"))
    try? FileManager.default.removeItem(atPath: path)
    try FileManager.default.moveItem(atPath: temp, toPath: path)
    state.withLock { $0.current = CheckpointReference(generation: Int(a.generation), path: path, sha256: a.sha256) }
    log("model \(a.generation) fetched and checked")
  }
}
