// The transport between processes and machines: a ROUTER socket per server on its own thread,
// REQ clients (relaxed and correlated, so a request after a timeout works without a new socket),
// PUB/SUB for announcements. With keys, every socket uses CURVE: servers encrypt and check each
// client's public key against the authorized list (ZAP), clients check the server's key.

import DojoConcurrency
import CZeroMQ
import Foundation

/// The keys of a secured cluster: the servers' pair, this client's pair, and the client keys a
/// server accepts.
public struct ClusterKeys: Sendable, Equatable {
  public var server: CurveKeyPair
  public var client: CurveKeyPair
  public var authorizedClients: Set<String>

  public init(server: CurveKeyPair, client: CurveKeyPair, authorizedClients: Set<String>) {
    self.server = server
    self.client = client
    self.authorizedClients = authorizedClients
  }
}

public final class ZeroMQTransport: Transport, @unchecked Sendable {
  public let keys: ClusterKeys?
  let context: ZMQContext
  /// Called with each refused connection ("refused client key ... from ADDRESS").
  let onRefusal: @Sendable (String) -> Void
  /// The largest message any socket accepts (ZMQ_MAXMSGSIZE): a peer sending more is disconnected
  /// before the message is held in memory, so no peer can exhaust a role's memory with one message.
  public let maxMessageBytes: Int64

  /// 256 MiB by default: far above any message Dojo sends (a model's files, a training batch).
  public static let defaultMaxMessageBytes: Int64 = 256 << 20

  public init(keys: ClusterKeys? = nil, context: ZMQContext = .shared, maxMessageBytes: Int64 = ZeroMQTransport.defaultMaxMessageBytes,
              onRefusal: @escaping @Sendable (String) -> Void = { _ in }) throws {
    self.keys = keys
    self.context = context
    self.onRefusal = onRefusal
    self.maxMessageBytes = maxMessageBytes
    if let keys { try ZAPAuthenticator.start(context: context, authorized: keys.authorizedClients, onRefusal: onRefusal) }
  }

  func socket(_ type: Int32, _ endpoint: String, server: Bool) throws -> ZMQSocket {
    let s = try ZMQSocket(type, endpoint: endpoint, context: context)
    try s.set(ZMQ_MAXMSGSIZE, int64: maxMessageBytes)
    if let keys {
      try s.secure(server ? CurveSecurity(keys: keys.server) : CurveSecurity(keys: keys.client, serverKey: keys.server.publicKey))
    }
    return s
  }

  /// Requests one peer may have queued at a server (ZMQ_RCVHWM, per connection on a ROUTER
  /// socket): a request-reply client has one in flight, so a peer can hold at most this many
  /// messages of at most `maxMessageBytes` in a server's memory; more wait in its own queue.
  public static let queuedRequestsPerPeer: Int32 = 4

  public func serve(_ endpoint: String, handler: @escaping @Sendable (Data) -> Data) throws -> any TransportServer {
    let s = try socket(ZMQ_ROUTER, endpoint, server: true)
    try s.set(ZMQ_RCVHWM, Self.queuedRequestsPerPeer)
    try s.bind()
    return ZeroMQServer(socket: s, handler: handler)
  }

  public func connect(_ endpoint: String) throws -> any RequestClient {
    let s = try socket(ZMQ_REQ, endpoint, server: false)
    try s.set(ZMQ_REQ_RELAXED, 1)
    try s.set(ZMQ_REQ_CORRELATE, 1)
    try s.connect()
    return ZeroMQClient(socket: s)
  }

  public func publisher(_ endpoint: String) throws -> any Publisher {
    let s = try socket(ZMQ_PUB, endpoint, server: true)
    try s.bind()
    return ZeroMQPublisher(socket: s)
  }

  public func subscriber(_ endpoint: String) throws -> any Subscriber {
    let s = try socket(ZMQ_SUB, endpoint, server: false)
    try s.set(ZMQ_SUBSCRIBE, "")
    try s.connect()
    return ZeroMQSubscriber(socket: s)
  }
}

final class ZeroMQServer: TransportServer, @unchecked Sendable {
  let socket: ZMQSocket
  let handler: @Sendable (Data) -> Data
  let stopped = Locked(false)
  let done = DispatchSemaphore(value: 0)
  var endpoint: String { socket.endpoint }

  init(socket: ZMQSocket, handler: @escaping @Sendable (Data) -> Data) {
    self.socket = socket
    self.handler = handler
    let thread = Thread { [self] in loop() }
    thread.name = "serve \(socket.endpoint)"
    thread.start()
  }

  func loop() {
    while !stopped.withLock({ $0 }) {
      // [peer identity, empty delimiter, request]
      guard let frames = try? socket.receive(timeout: 100), frames.count >= 3 else { continue }
      let reply = handler(frames[frames.count - 1])
      try? socket.send(Array(frames.dropLast()) + [reply])
    }
    socket.close()
    done.signal()
  }

  func stop() {
    let first = stopped.withLock { s in
      defer { s = true }
      return !s
    }
    if first { done.wait() }
  }
}

final class ZeroMQClient: RequestClient {
  let socket: ZMQSocket
  init(socket: ZMQSocket) { self.socket = socket }
  func request(_ message: Data, timeout: Double) throws -> Data {
    try socket.send([message])
    guard let frames = try socket.receive(timeout: Int32(timeout * 1000)) else { throw TransportError.timeout(socket.endpoint) }
    return frames.last ?? Data()
  }
}

final class ZeroMQPublisher: Publisher {
  let socket: ZMQSocket
  init(socket: ZMQSocket) { self.socket = socket }
  var endpoint: String { socket.endpoint }
  func publish(_ message: Data) throws { try socket.send([message]) }
}

final class ZeroMQSubscriber: Subscriber {
  let socket: ZMQSocket
  init(socket: ZMQSocket) { self.socket = socket }
  func receive(timeout: Double) throws -> Data? { try socket.receive(timeout: Int32(timeout * 1000))?.last }
}

/// ZeroMQ's authentication protocol (ZAP, RFC 27) for CURVE servers: one handler per context,
/// accepting the client keys on its list and refusing (and reporting) every other.
enum ZAPAuthenticator {
  /// Contexts with a handler thread, the keys accepted, and who hears of refusals.
  struct State {
    var started: Set<ObjectIdentifier> = []
    var authorized: Set<String> = []
    var listeners: [@Sendable (String) -> Void] = []
  }
  static let state = Locked(State())

  static func start(context: ZMQContext, authorized keys: Set<String>, onRefusal: @escaping @Sendable (String) -> Void) throws {
    let needsThread: Bool = state.withLock { s in
      s.authorized.formUnion(keys)
      s.listeners.append(onRefusal)
      return s.started.insert(ObjectIdentifier(context)).inserted
    }
    guard needsThread else { return }
    let socket = try ZMQSocket(ZMQ_REP, endpoint: "inproc://zeromq.zap.01", context: context)
    try socket.bind()
    let thread = Thread {
      while true {
        guard let f = try? socket.receive(timeout: -1), f.count >= 6 else { continue }
        let requestID = f[1], address = String(decoding: f[3], as: UTF8.self)
        var key = "?"
        if f.count >= 7, f[6].count == 32 {
          var z85 = [CChar](repeating: 0, count: 41)
          f[6].withUnsafeBytes { _ = zmq_z85_encode(&z85, $0.bindMemory(to: UInt8.self).baseAddress, 32) }
          key = String(nulTerminated: z85)
        }
        let ok = state.withLock { $0.authorized.contains(key) }
        if !ok { for l in state.withLock({ $0.listeners }) { l("refused a client with key \(key) from \(address)") } }
        try? socket.send([Data("1.0".utf8), requestID, Data((ok ? "200" : "400").utf8), Data((ok ? "OK" : "unknown client key").utf8),
                          Data((ok ? key : "").utf8), Data()])
      }
    }
    thread.name = "zap"
    thread.start()
  }
}
