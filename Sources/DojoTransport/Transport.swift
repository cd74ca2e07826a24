// How Dojo's roles exchange bytes: request/reply (an actor submits games, a learner asks for a
// batch) and publish/subscribe (a new model is announced). One protocol, two implementations:
// ZeroMQTransport between processes and machines, InProcessTransport inside one process and in
// tests. The contract tests in Tests/DojoTransportTests run against both.

import DojoConcurrency
import Foundation

public protocol Transport: Sendable {
  /// Answers each request at `endpoint` with `handler`'s reply, one request at a time, until the
  /// server is stopped.
  func serve(_ endpoint: String, handler: @escaping @Sendable (Data) -> Data) throws -> any TransportServer
  /// A client of the server at `endpoint` (connecting never fails for a missing server: a request
  /// times out instead, and succeeds once the server is up).
  func connect(_ endpoint: String) throws -> any RequestClient
  /// Sends each published message to every subscriber connected at that moment.
  func publisher(_ endpoint: String) throws -> any Publisher
  func subscriber(_ endpoint: String) throws -> any Subscriber
}

public protocol TransportServer: AnyObject, Sendable {
  var endpoint: String { get }
  func stop()
}

/// Used by one thread at a time.
public protocol RequestClient: AnyObject {
  /// The server's reply, or `TransportError.timeout` after `timeout` seconds without one.
  func request(_ message: Data, timeout: Double) throws -> Data
}

public protocol Publisher: AnyObject {
  /// Where subscribers connect (for ZeroMQ, the address actually bound).
  var endpoint: String { get }
  func publish(_ message: Data) throws
}

public protocol Subscriber: AnyObject {
  /// The next published message, or nil after `timeout` seconds without one.
  func receive(timeout: Double) throws -> Data?
}

/// Hands a thread-confined object (a socket, a file handle) to the one thread that will use it.
public struct UncheckedSendable<T>: @unchecked Sendable {
  public let value: T
  public init(_ value: T) { self.value = value }
}

// MARK: - In process

/// Endpoints are names in this transport's own registry; handlers run on the caller's thread,
/// one request at a time per server, as a ZeroMQ server runs them on its thread.
public final class InProcessTransport: Transport, @unchecked Sendable {
  /// The servers by endpoint, and the subscribers' queues by publishing endpoint.
  struct Registry {
    var servers: [String: InProcessServer] = [:]
    var channels: [String: [WeakQueue]] = [:]
  }
  let registry = Locked(Registry())

  public init() {}

  public func serve(_ endpoint: String, handler: @escaping @Sendable (Data) -> Data) throws -> any TransportServer {
    let s = InProcessServer(endpoint: endpoint, handler: handler, transport: self)
    let taken = registry.withLock { r in
      if r.servers[endpoint] != nil { return true }
      r.servers[endpoint] = s
      return false
    }
    if taken { throw TransportError.endpoint(endpoint, "already served") }
    return s
  }

  public func connect(_ endpoint: String) throws -> any RequestClient { InProcessClient(endpoint: endpoint, transport: self) }

  public func publisher(_ endpoint: String) throws -> any Publisher { InProcessPublisher(endpoint: endpoint, transport: self) }

  public func subscriber(_ endpoint: String) throws -> any Subscriber {
    let q = MessageQueue()
    registry.withLock { $0.channels[endpoint, default: []].append(WeakQueue(queue: q)) }
    return InProcessSubscriber(queue: q)
  }

  func server(_ endpoint: String) -> InProcessServer? { registry.withLock { $0.servers[endpoint] } }

  func remove(_ endpoint: String) { registry.withLock { $0.servers[endpoint] = nil } }

  func deliver(_ message: Data, to endpoint: String) {
    let queues = registry.withLock { r in
      r.channels[endpoint] = r.channels[endpoint]?.filter { $0.queue != nil }
      return r.channels[endpoint]?.compactMap(\.queue) ?? []
    }
    for q in queues { q.push(message) }
  }
}

final class InProcessServer: TransportServer, @unchecked Sendable {
  let endpoint: String
  let handler: @Sendable (Data) -> Data
  /// One request at a time, as a ZeroMQ server's single thread answers them.
  let serial = Serial()
  weak var transport: InProcessTransport?

  init(endpoint: String, handler: @escaping @Sendable (Data) -> Data, transport: InProcessTransport) {
    self.endpoint = endpoint
    self.handler = handler
    self.transport = transport
  }

  func stop() { transport?.remove(endpoint) }
}

final class InProcessClient: RequestClient {
  let endpoint: String
  let transport: InProcessTransport

  init(endpoint: String, transport: InProcessTransport) {
    self.endpoint = endpoint
    self.transport = transport
  }

  func request(_ message: Data, timeout: Double) throws -> Data {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if let s = transport.server(endpoint) { return s.serial.run { s.handler(message) } }
      Thread.sleep(forTimeInterval: min(0.01, max(0, deadline.timeIntervalSinceNow)))
    }
    throw TransportError.timeout(endpoint)
  }
}

final class InProcessPublisher: Publisher {
  let endpoint: String
  let transport: InProcessTransport
  init(endpoint: String, transport: InProcessTransport) {
    self.endpoint = endpoint
    self.transport = transport
  }
  func publish(_ message: Data) throws { transport.deliver(message, to: endpoint) }
}

final class MessageQueue: @unchecked Sendable {
  let condition = NSCondition()
  var items: [Data] = []
  func push(_ d: Data) {
    condition.withLock {
      items.append(d)
      condition.signal()
    }
  }
  func pop(timeout: Double) -> Data? {
    condition.lock()
    defer { condition.unlock() }
    let deadline = Date().addingTimeInterval(timeout)
    while items.isEmpty { if !condition.wait(until: deadline) { return nil } }
    return items.removeFirst()
  }
}

struct WeakQueue { weak var queue: MessageQueue? }

final class InProcessSubscriber: Subscriber {
  let queue: MessageQueue
  init(queue: MessageQueue) { self.queue = queue }
  func receive(timeout: Double) throws -> Data? { queue.pop(timeout: timeout) }
}
