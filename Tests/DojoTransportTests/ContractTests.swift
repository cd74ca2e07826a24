// The transport contract: every implementation passes the same tests.

import DojoConcurrency
import DojoTestSupport
import DojoTransport
import Foundation
import Testing

enum Kind: String, CaseIterable, CustomStringConvertible {
  case inProcess, zeroMQ, zeroMQCurve
  var description: String { rawValue }

  static let keys: ClusterKeys = {
    let client = try! CurveKeyPair.generate()
    return ClusterKeys(server: try! CurveKeyPair.generate(), client: client, authorizedClients: [client.publicKey])
  }()

  func make() throws -> any Transport {
    switch self {
    case .inProcess: InProcessTransport()
    case .zeroMQ: try ZeroMQTransport()
    case .zeroMQCurve: try ZeroMQTransport(keys: Kind.keys)
    }
  }

  /// An endpoint to serve at: a name in process, a free loopback port for ZeroMQ.
  var endpoint: String { self == .inProcess ? "replay-\(UInt32.random(in: 0...UInt32.max))" : "tcp://127.0.0.1:*" }
}

@Test("requests get their own replies, large ones too", arguments: Kind.allCases)
func requestReply(kind: Kind) throws {
  let t = try kind.make()
  let server = try t.serve(kind.endpoint) { Data("re:".utf8) + $0 }
  defer { server.stop() }
  let client = try t.connect(server.endpoint)
  for i in 0..<100 {
    #expect(try client.request(Data("\(i)".utf8), timeout: 5) == Data("re:\(i)".utf8))
  }
  let big = Data((0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
  #expect(try client.request(big, timeout: 10) == Data("re:".utf8) + big)
}

@Test("several clients on their own threads each get their replies", arguments: Kind.allCases)
func concurrentClients(kind: Kind) throws {
  let t = try kind.make()
  let server = try t.serve(kind.endpoint) { $0 + $0 }
  defer { server.stop() }
  let failures = Counter()
  let group = DispatchGroup()
  for c in 0..<6 {
    group.enter()
    let endpoint = server.endpoint
    Thread.detachNewThread {
      defer { group.leave() }
      guard let client = try? t.connect(endpoint) else { failures.add(); return }
      for i in 0..<50 {
        let m = Data("\(c)-\(i)".utf8)
        if (try? client.request(m, timeout: 5)) != m + m { failures.add() }
      }
    }
  }
  #expect(group.wait(timeout: .now() + 60) == .success)
  #expect(failures.value == 0)
}

@Test("a request to a missing server times out, naming it; it succeeds once the server is up", arguments: [Kind.inProcess, .zeroMQ])
func missingServerTimesOut(kind: Kind) throws {
  let t = try kind.make()
  // A port that was free a moment ago (ZeroMQ), or a name nobody serves.
  let endpoint: String
  if kind == .inProcess {
    endpoint = "nobody"
  } else {
    let probe = try t.serve("tcp://127.0.0.1:*") { $0 }
    endpoint = probe.endpoint
    probe.stop()
  }
  let client = try t.connect(endpoint)
  #expect(throws: TransportError.timeout(endpoint)) { try client.request(Data("hello".utf8), timeout: 0.3) }
  let server = try t.serve(endpoint) { Data("up:".utf8) + $0 }
  defer { server.stop() }
  #expect(try client.request(Data("again".utf8), timeout: 5) == Data("up:again".utf8))
}

@Test("subscribers hear what is published", arguments: Kind.allCases)
func publishSubscribe(kind: Kind) throws {
  let t = try kind.make()
  let pub = try t.publisher(kind.endpoint)
  let subs = try (0..<3).map { _ in try t.subscriber(pub.endpoint) }
  // Subscriptions take a moment to reach a ZeroMQ publisher ("slow joiner"): publish until heard.
  for s in subs {
    var got: Data?
    for _ in 0..<50 where got == nil {
      try pub.publish(Data("model 7".utf8))
      got = try s.receive(timeout: 0.1)
    }
    #expect(got == Data("model 7".utf8))
  }
}

@Test func aClientWithAWrongKeyIsRefusedAndLogged() throws {
  let refusals = Log()
  let good = try ZeroMQTransport(keys: Kind.keys, onRefusal: { refusals.add($0) })
  let server = try good.serve("tcp://127.0.0.1:*") { $0 }
  defer { server.stop() }
  // Right server key, but a client key the server does not know.
  var stranger = Kind.keys
  stranger.client = try CurveKeyPair.generate()
  let client = try ZeroMQTransport(keys: stranger).connect(server.endpoint)
  #expect(throws: TransportError.timeout(server.endpoint)) { try client.request(Data("let me in".utf8), timeout: 0.5) }
  #expect(refusals.lines.contains { $0.contains("refused a client with key \(stranger.client.publicKey)") })
  // Without CURVE at all, the secured server never answers either.
  let plain = try ZeroMQTransport().connect(server.endpoint)
  #expect(throws: TransportError.timeout(server.endpoint)) { try plain.request(Data("hello".utf8), timeout: 0.5) }
  // The authorized client still gets through.
  #expect(try good.connect(server.endpoint).request(Data("ok".utf8), timeout: 5) == Data("ok".utf8))
}

@Test func keysAreWellFormedZ85() throws {
  let k = try CurveKeyPair.generate()
  #expect(CurveKeyPair.isValid(k.publicKey) && CurveKeyPair.isValid(k.secretKey) && k.publicKey != k.secretKey)
  #expect(!CurveKeyPair.isValid("short") && !CurveKeyPair.isValid(String(repeating: "~", count: 40)))
}

final class Counter: @unchecked Sendable {
  let lock = NSLock()
  var n = 0
  func add() { lock.withLock { n += 1 } }
  var value: Int { lock.withLock { n } }
}

@Test func aMessageOverTheSizeLimitIsDroppedBeforeItIsHeld() throws {
  // A server that takes at most 1 MiB: a 4 MiB request never reaches the handler (ZeroMQ drops the
  // connection while reading it), and the server goes on answering others.
  let t = try ZeroMQTransport(maxMessageBytes: 1 << 20)
  let seen = Locked(0)
  let server = try t.serve("tcp://127.0.0.1:*") { request in
    seen.withLock { $0 = max($0, request.count) }
    return Data("ok".utf8)
  }
  defer { server.stop() }
  let client = try t.connect(server.endpoint)
  #expect(throws: TransportError.self) { try client.request(Data(count: 4 << 20), timeout: 1.5) }
  #expect(seen.withLock { $0 } == 0)
  let other = try t.connect(server.endpoint)
  #expect(try other.request(Data(count: 1000), timeout: 5) == Data("ok".utf8))
  #expect(seen.withLock { $0 } == 1000)
  #expect(ZeroMQTransport.defaultMaxMessageBytes == 256 << 20)
}
