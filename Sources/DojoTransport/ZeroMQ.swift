// A thin, safe layer over libzmq (CZeroMQ): a context, sockets that send and receive multipart
// messages with timeouts, the options Dojo sets (high-water marks, linger, CURVE), and key
// generation. A socket is used by one thread at a time (ZeroMQ's rule); the types are marked
// @unchecked Sendable only so that a socket can be handed to the thread that owns it.

import CZeroMQ
import Foundation

extension String {
  /// The text of a C character buffer that libzmq filled, up to its first NUL.
  init(nulTerminated buffer: [CChar]) {
    self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}

/// The linked libzmq's version (`4.3.4`).
public var zeroMQVersion: String {
  var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
  zmq_version(&major, &minor, &patch)
  return "\(major).\(minor).\(patch)"
}

/// What went wrong in the transport, naming the endpoint.
public enum TransportError: Error, Equatable, CustomStringConvertible {
  /// No reply within the timeout (the peer is dead, slow, or refused us).
  case timeout(String)
  /// A ZeroMQ call failed.
  case zmq(String, String)
  /// Nothing listens at this in-process endpoint, or it is already taken.
  case endpoint(String, String)
  case closed(String)

  public var description: String {
    switch self {
    case let .timeout(e): "no reply from \(e) in time (is the server running, and does it accept our key?)"
    case let .zmq(what, e): "\(e): \(what)"
    case let .endpoint(e, why): "\(e): \(why)"
    case let .closed(e): "\(e): the connection is closed"
    }
  }

  static func last(_ what: String, _ endpoint: String) -> TransportError {
    .zmq("\(what) failed: \(String(cString: zmq_strerror(zmq_errno())))", endpoint)
  }
}

/// CURVE keys, Z85-encoded (40 characters each).
public struct CurveKeyPair: Sendable, Equatable, Codable {
  public var publicKey: String
  public var secretKey: String

  public init(publicKey: String, secretKey: String) {
    self.publicKey = publicKey
    self.secretKey = secretKey
  }

  /// A fresh key pair from libzmq (libsodium's curve25519).
  public static func generate() throws -> CurveKeyPair {
    var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
    guard zmq_curve_keypair(&pub, &sec) == 0 else { throw TransportError.last("zmq_curve_keypair", "keys") }
    return CurveKeyPair(publicKey: String(nulTerminated: pub), secretKey: String(nulTerminated: sec))
  }

  /// Whether `key` is a well-formed Z85 CURVE key.
  public static func isValid(_ key: String) -> Bool {
    guard key.utf8.count == 40 else { return false }
    var out = [UInt8](repeating: 0, count: 32)
    return zmq_z85_decode(&out, key) != nil
  }
}

/// CURVE settings of one socket: a server has its key pair; a client has its own and the server's public key.
public struct CurveSecurity: Sendable, Equatable {
  public var keys: CurveKeyPair
  /// Set on clients: the server's public key.
  public var serverKey: String?

  public init(keys: CurveKeyPair, serverKey: String? = nil) {
    self.keys = keys
    self.serverKey = serverKey
  }
}

/// The process's ZeroMQ context (one I/O thread; Dojo's messages are few and large).
public final class ZMQContext: @unchecked Sendable {
  public static let shared = ZMQContext()
  let handle: UnsafeMutableRawPointer

  init() {
    handle = zmq_ctx_new()
    zmq_ctx_set(handle, ZMQ_BLOCKY, 0)  // sockets closing never block the process's exit
  }
}

public final class ZMQSocket: @unchecked Sendable {
  let handle: UnsafeMutableRawPointer
  /// The address given, or after `bind` to a wildcard port ("tcp://127.0.0.1:*") the one bound.
  public private(set) var endpoint: String
  var open = true

  /// A socket of `type` (ZMQ_ROUTER, ZMQ_REQ, ...) with Dojo's defaults: no linger on close,
  /// bounded queues (back-pressure instead of unbounded memory).
  public init(_ type: Int32, endpoint: String, highWaterMark: Int32 = 1000, context: ZMQContext = .shared) throws {
    guard let h = zmq_socket(context.handle, type) else { throw TransportError.last("zmq_socket", endpoint) }
    handle = h
    self.endpoint = endpoint
    try set(ZMQ_LINGER, 0)
    try set(ZMQ_SNDHWM, highWaterMark)
    try set(ZMQ_RCVHWM, highWaterMark)
    // ZMTP heartbeats: a peer silent for 6 s (dead machine, cut cable) is dropped and reconnected
    // instead of holding queued messages forever.
    try set(ZMQ_HEARTBEAT_IVL, 2000)
    try set(ZMQ_HEARTBEAT_TIMEOUT, 6000)
    try set(ZMQ_HEARTBEAT_TTL, 6000)
  }

  deinit { close() }

  public func close() {
    if open { zmq_close(handle) }
    open = false
  }

  public func set(_ option: Int32, _ value: Int32) throws {
    var v = value
    guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size) == 0 else { throw TransportError.last("zmq_setsockopt(\(option))", endpoint) }
  }

  public func set(_ option: Int32, int64 value: Int64) throws {
    var v = value
    guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int64>.size) == 0 else { throw TransportError.last("zmq_setsockopt(\(option))", endpoint) }
  }

  public func set(_ option: Int32, _ value: String) throws {
    let bytes = Array(value.utf8)
    guard zmq_setsockopt(handle, option, bytes, bytes.count) == 0 else { throw TransportError.last("zmq_setsockopt(\(option))", endpoint) }
  }

  /// CURVE as a server (`serverKey` nil) or as a client of the server with that public key.
  public func secure(_ curve: CurveSecurity) throws {
    if let server = curve.serverKey {
      try set(ZMQ_CURVE_SERVERKEY, server)
      try set(ZMQ_CURVE_PUBLICKEY, curve.keys.publicKey)
      try set(ZMQ_CURVE_SECRETKEY, curve.keys.secretKey)
    } else {
      try set(ZMQ_CURVE_SERVER, 1)
      try set(ZMQ_CURVE_SECRETKEY, curve.keys.secretKey)
      try set(ZMQ_ZAP_DOMAIN, "dojo")
    }
  }

  public func bind() throws {
    guard zmq_bind(handle, endpoint) == 0 else { throw TransportError.last("bind", endpoint) }
    var buffer = [CChar](repeating: 0, count: 256)
    var size = buffer.count
    if zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 { endpoint = String(nulTerminated: buffer) }
  }

  public func connect() throws {
    guard zmq_connect(handle, endpoint) == 0 else { throw TransportError.last("connect", endpoint) }
  }

  /// Sends the frames of one message.
  public func send(_ frames: [Data]) throws {
    for (i, frame) in frames.enumerated() {
      let flags = i < frames.count - 1 ? ZMQ_SNDMORE : 0
      let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, frame.count, flags) }
      guard rc >= 0 else { throw TransportError.last("send", endpoint) }
    }
  }

  /// The frames of the next message, or nil if none came within `timeout` milliseconds (-1: wait).
  public func receive(timeout: Int32) throws -> [Data]? {
    var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
    let ready = zmq_poll(&item, 1, Int(timeout))
    if ready < 0 {
      if zmq_errno() == EINTR { return nil }
      throw TransportError.last("poll", endpoint)
    }
    if ready == 0 { return nil }
    var frames: [Data] = []
    repeat {
      var msg = zmq_msg_t()
      zmq_msg_init(&msg)
      defer { zmq_msg_close(&msg) }
      guard zmq_msg_recv(&msg, handle, 0) >= 0 else { throw TransportError.last("receive", endpoint) }
      frames.append(Data(bytes: zmq_msg_data(&msg), count: zmq_msg_size(&msg)))
    } while more()
    return frames
  }

  func more() -> Bool {
    var v: Int32 = 0
    var size = MemoryLayout<Int32>.size
    zmq_getsockopt(handle, ZMQ_RCVMORE, &v, &size)
    return v != 0
  }
}
