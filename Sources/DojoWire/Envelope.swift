// Envelopes: the protocol version, and decoding that turns any bad input into a reason.

import Foundation
import SwiftProtobuf

public enum ProtocolVersion {
  /// Raised when a change cannot be ignored by older readers.
  public static let current: UInt32 = 1
}

extension Dojo_Envelope {
  /// An envelope of the current version around `body`.
  public init(_ body: Dojo_Envelope.OneOf_Body) {
    self.init()
    version = ProtocolVersion.current
    self.body = body
  }

  /// An error reply.
  public static func error(_ reason: String) -> Dojo_Envelope {
    var e = Dojo_Error()
    e.reason = reason
    return Dojo_Envelope(.error(e))
  }

  /// The envelope in `bytes`, of the current version with a body; else an error naming the problem.
  public static func open(_ bytes: Data) throws(WireError) -> Dojo_Envelope {
    let e: Dojo_Envelope
    do { e = try Dojo_Envelope(serializedBytes: bytes) } catch { throw WireError("malformed message (\(bytes.count) bytes): \(error)") }
    guard e.version == ProtocolVersion.current else {
      throw WireError("protocol version \(e.version), but this server speaks version \(ProtocolVersion.current)")
    }
    guard e.body != nil else { throw WireError("a message with no body") }
    return e
  }

  public func encoded() -> Data { (try? serializedData()) ?? Data() }
}
