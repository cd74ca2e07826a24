// A self-play game record to and from its wire and storage form (dojo.proto's GameRecord). Decoding
// checks the message's own shape (sides, matching lengths); whether the moves are legal in the game
// is the replay store's check (DojoTraining's validation), which knows the rules.

import DojoGames
import DojoSearch
import Foundation
import SwiftProtobuf

/// A message that is not a well-formed Dojo message, and why.
public struct WireError: Error, Equatable, CustomStringConvertible {
  public var reason: String
  public init(_ reason: String) { self.reason = reason }
  public var description: String { reason }
}

extension Dojo_Side {
  init(_ player: Player?) {
    switch player {
    case .first: self = .first
    case .second: self = .second
    case nil: self = .nobody
    }
  }

  func player(field: String) throws(WireError) -> Player? {
    switch self {
    case .nobody: return nil
    case .first: return .first
    case .second: return .second
    case .UNRECOGNIZED(let v): throw WireError("\(field): unknown side \(v)")
    }
  }
}

extension Dojo_GameRecord {
  /// The wire form of `record`, played by model `generation` of `game` (the registry name), with a
  /// new unique id (resending this message resends the id, so the store keeps it once).
  public init(_ record: GameRecord, game: String, generation: Int, actor: String) {
    self.init()
    uid = UUID().uuidString
    self.game = game
    self.generation = UInt32(generation)
    self.actor = actor
    outcomeForFirst = record.outcomeForFirst
    resigned = Dojo_Side(record.resigned)
    wouldHaveResigned = Dojo_Side(record.wouldHaveResigned)
    resignAllowed = record.resignAllowed
    moves = record.moves.map { m in
      var move = Dojo_Move()
      move.action = UInt32(m.action)
      move.player = Dojo_Side(m.player)
      move.fullSearch = m.fullSearch
      move.actions = m.actions.map { UInt32($0) }
      move.policy = m.policyTarget
      move.rootValue = m.rootValue
      move.simulations = UInt32(m.simulations)
      return move
    }
  }

  /// The game record this message carries; an error names the first malformed field.
  public func record() throws(WireError) -> GameRecord {
    var out: [MoveRecord] = []
    out.reserveCapacity(moves.count)
    for (ply, m) in moves.enumerated() {
      guard let player = try m.player.player(field: "moves[\(ply)].player") else {
        throw WireError("moves[\(ply)].player: missing")
      }
      guard m.actions.count == m.policy.count else {
        throw WireError("moves[\(ply)]: \(m.actions.count) actions but \(m.policy.count) policy entries")
      }
      guard m.fullSearch || m.actions.isEmpty else { throw WireError("moves[\(ply)]: a policy target on a move without a full search") }
      out.append(MoveRecord(action: Int(m.action), player: player, fullSearch: m.fullSearch, actions: m.actions.map { Int($0) },
                            policyTarget: m.policy, rootValue: m.rootValue, simulations: Int(m.simulations)))
    }
    return GameRecord(moves: out, outcomeForFirst: outcomeForFirst, resigned: try resigned.player(field: "resigned"),
                      wouldHaveResigned: try wouldHaveResigned.player(field: "would_have_resigned"), resignAllowed: resignAllowed)
  }

  /// Decodes the serialized form; an error says what was wrong.
  public static func decode(_ bytes: Data) throws(WireError) -> Dojo_GameRecord {
    do { return try Dojo_GameRecord(serializedBytes: bytes) } catch { throw WireError("not a GameRecord message: \(error)") }
  }

  /// The serialized form.
  public func encoded() -> Data {
    // Serializing a message with no unknown required fields cannot fail (proto3 has none).
    (try? serializedData()) ?? Data()
  }
}
