// Limits checked on a message's raw bytes before it is decoded. Decoding builds an object per
// repeated element: a 256 MiB message of empty moves would become tens of gigabytes of Swift
// arrays. So a server first walks the protobuf wire format (tags and lengths only, nothing
// allocated) and refuses a message whose counts or sizes exceed what its game can produce.
// SwiftProtobuf decodes whole messages only, so this walk is written here; it follows the wire
// format's specification (varint tags, wire types 0, 1, 2 and 5) and nothing else.

import DojoGames
import Foundation

/// What one message may hold. The defaults fit any game Dojo plays; a server derives the game
/// bounds from its game (`init(game:)`).
public struct MessageLimits: Sendable, Equatable {
  /// Games in one SubmitGames (actors send one at a time).
  public var gamesPerMessage: Int
  /// Moves in one game: the game's `maxLength`.
  public var movesPerGame: Int
  /// One encoded game record: every move with a full policy over every action, and slack.
  public var recordBytes: Int
  /// Results in one LeagueResults.
  public var resultsPerMessage: Int

  public init(gamesPerMessage: Int = 256, movesPerGame: Int, recordBytes: Int, resultsPerMessage: Int = 65_536) {
    self.gamesPerMessage = gamesPerMessage
    self.movesPerGame = movesPerGame
    self.recordBytes = recordBytes
    self.resultsPerMessage = resultsPerMessage
  }

  /// The bounds `game` implies: at most `maxLength` moves, each at most its actions as varints
  /// (5 bytes), their probabilities (4 bytes), and 64 bytes of fields and tags.
  public init<G: Game>(game: G, gamesPerMessage: Int = 256) {
    self.init(gamesPerMessage: gamesPerMessage, movesPerGame: game.maxLength,
              recordBytes: 4096 + game.maxLength * (64 + 9 * game.actionCount))
  }

  /// Checks `bytes`, an Envelope, without decoding it: an error names the count or size that is
  /// too large. Malformed bytes pass (decoding reports them with SwiftProtobuf's own reason).
  public func check(_ bytes: Data) throws(WireError) {
    let problem: WireError? = bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> WireError? in
      do throws(WireError) { try checkEnvelope(WireReader(raw)) } catch { return error.reason == WireReader.malformed ? nil : error }
      return nil
    }
    if let problem { throw problem }
  }

  func checkEnvelope(_ envelope: WireReader) throws(WireError) {
    try envelope.forEachField { field, value throws(WireError) in
      switch (field, value) {
      case (10, .bytes(let submit)): try checkSubmission(submit)
      case (32, .bytes(let results)):
        var count = 0
        try results.forEachField { field, _ throws(WireError) in
          if field == 1 { count += 1 }
          if count > resultsPerMessage { throw WireError("league results: more than \(resultsPerMessage) results in one message") }
        }
      default: break
      }
    }
  }

  func checkSubmission(_ submit: WireReader) throws(WireError) {
    var games = 0
    try submit.forEachField { field, value throws(WireError) in
      guard field == 1, case .bytes(let record) = value else { return }
      games += 1
      if games > gamesPerMessage { throw WireError("submit games: more than \(gamesPerMessage) games in one message") }
      if record.count > recordBytes {
        throw WireError("submit games: game \(games - 1) is \(record.count) bytes, more than this game's largest record (\(recordBytes) bytes)")
      }
      var moves = 0
      try record.forEachField { field, _ throws(WireError) in
        if field == 3 { moves += 1 }
        if moves > movesPerGame { throw WireError("submit games: game \(games - 1) has more than \(movesPerGame) moves, this game's maximum length") }
      }
    }
  }
}

/// Protobuf's wire format, read in place: fields as (number, value) with length-delimited values
/// as nested readers over the same bytes.
struct WireReader {
  static let malformed = "malformed protobuf"
  let bytes: UnsafeRawBufferPointer

  init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  var count: Int { bytes.count }

  enum Value {
    case varint(UInt64)
    case fixed
    case bytes(WireReader)
  }

  func forEachField(_ body: (Int, Value) throws(WireError) -> Void) throws(WireError) {
    var i = 0
    while i < bytes.count {
      let key = try varint(&i)
      let field = Int(key >> 3)
      guard field > 0 else { throw WireError(Self.malformed) }
      switch key & 7 {
      case 0: try body(field, .varint(try varint(&i)))
      case 1:
        guard bytes.count - i >= 8 else { throw WireError(Self.malformed) }
        i += 8
        try body(field, .fixed)
      case 5:
        guard bytes.count - i >= 4 else { throw WireError(Self.malformed) }
        i += 4
        try body(field, .fixed)
      case 2:
        let length = try varint(&i)
        guard length <= UInt64(bytes.count - i) else { throw WireError(Self.malformed) }
        let end = i + Int(length)
        try body(field, .bytes(WireReader(UnsafeRawBufferPointer(rebasing: bytes[i..<end]))))
        i = end
      default: throw WireError(Self.malformed)
      }
    }
  }

  func varint(_ i: inout Int) throws(WireError) -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while i < bytes.count, shift < 64 {
      let b = bytes[i]
      i += 1
      value |= UInt64(b & 0x7f) << shift
      if b & 0x80 == 0 { return value }
      shift += 7
    }
    throw WireError(Self.malformed)
  }
}

extension Dojo_Envelope {
  /// `open`, after checking `limits` on the raw bytes.
  public static func open(_ bytes: Data, limits: MessageLimits) throws(WireError) -> Dojo_Envelope {
    try limits.check(bytes)
    return try open(bytes)
  }
}
