// Finding a league member's model in a league's run directory, for `dojo play --checkpoint
// DIR:MEMBER` and `dojo tournament --league DIR`: a learning agent's current model or a historical
// player's frozen one.

import DojoTraining
import Foundation

public enum LeagueDirectory {
  /// Whether `path` is a league's run directory.
  public static func isLeague(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path + "/league.sqlite") }

  /// The learning agents' and historical players' names, in league order.
  public static func members(_ directory: String) throws -> (agents: [String], historical: [String]) {
    let store = try LeagueStore(path: directory + "/league.sqlite")
    return (try store.agents().map(\.name), try store.historical().map(\.player.name))
  }

  /// The model `member` plays with now: a learning agent's current checkpoint or a historical player's.
  public static func model(_ directory: String, member: String) throws -> CheckpointReference {
    guard isLeague(directory) else { throw InvalidRun("\(directory) is not a league run: no league.sqlite") }
    let store = try LeagueStore(path: directory + "/league.sqlite")
    if let a = try store.agents().first(where: { $0.name == member }) { return a.model }
    if let h = try store.historical().first(where: { $0.player.name == member }) { return h.model }
    let (agents, historical) = try members(directory)
    throw InvalidRun("\(directory) has no member \(member); its agents: \(agents.joined(separator: ", "))"
      + (historical.isEmpty ? "" : "; historical players: \(historical.suffix(8).joined(separator: ", "))\(historical.count > 8 ? ", …" : "")"))
  }

  /// `DIR:MEMBER` → the member's checkpoint path, when DIR is a league; nil for anything else.
  public static func checkpoint(fromReference text: String) throws -> String? {
    guard let colon = text.lastIndex(of: ":") else { return nil }
    let directory = String(text[..<colon]), member = String(text[text.index(after: colon)...])
    guard isLeague(directory), !member.isEmpty else { return nil }
    return try model(directory, member: member).path
  }
}
