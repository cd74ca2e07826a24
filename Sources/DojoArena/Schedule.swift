// Who plays whom: round robin or gauntlet, in colour-swapped pairs that share an opening.

/// One scheduled game.
public struct ScheduledGame: Sendable, Equatable, Codable {
  /// Position in the schedule (also what the game's seed derives from).
  public var index: Int
  public var round: Int
  /// The player (index) moving first and second.
  public var first: Int
  public var second: Int
  /// The opening, shared by the two games of a colour-swapped pair.
  public var opening: Int

  public init(index: Int, round: Int, first: Int, second: Int, opening: Int) {
    self.index = index
    self.round = round
    self.first = first
    self.second = second
    self.opening = opening
  }
}

public enum TournamentFormat: String, Sendable, Codable, CaseIterable {
  /// Every player against every other.
  case roundRobin = "round_robin"
  /// The first player against each of the others.
  case gauntlet
}

public enum Schedule {
  /// `rounds` rounds; in each, every pairing plays `gamesPerPairing` games (even: colour-swapped pairs).
  public static func make(format: TournamentFormat, players: Int, rounds: Int, gamesPerPairing: Int) -> [ScheduledGame] {
    precondition(gamesPerPairing % 2 == 0, "games per pairing must be even (colour-swapped pairs)")
    var pairings: [(Int, Int)] = []
    switch format {
    case .roundRobin:
      for a in 0..<players { for b in (a + 1)..<max(players, a + 1) where b < players { pairings.append((a, b)) } }
    case .gauntlet:
      for b in 1..<max(players, 1) { pairings.append((0, b)) }
    }
    var games: [ScheduledGame] = []
    var opening = 0
    for round in 0..<rounds {
      for (a, b) in pairings {
        for _ in 0..<(gamesPerPairing / 2) {
          games.append(ScheduledGame(index: games.count, round: round, first: a, second: b, opening: opening))
          games.append(ScheduledGame(index: games.count, round: round, first: b, second: a, opening: opening))
          opening += 1
        }
      }
    }
    return games
  }
}
