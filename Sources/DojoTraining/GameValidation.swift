// The replay store's check on every incoming game, before anything is stored: the moves are legal
// and replay to a finished game (or a resignation), the recorded players are the ones to move,
// policy targets are distributions over the root's legal actions, values are in range.

import DojoGames
import DojoSearch

/// Why a game was refused.
public struct InvalidGame: Error, Equatable, CustomStringConvertible {
  public var reason: String
  public init(_ reason: String) { self.reason = reason }
  public var description: String { reason }
}

/// Replays `record` in `game`, throwing the first thing that is wrong with it.
public func validate<G: Game>(_ record: GameRecord, in game: G) throws(InvalidGame) {
  var state = game.initialState()
  guard !record.moves.isEmpty || record.resigned != nil else { throw InvalidGame("a game with no moves and no resignation") }
  for (ply, move) in record.moves.enumerated() {
    guard !state.isTerminal else { throw InvalidGame("move \(ply + 1): the game was already over") }
    guard move.player == state.currentPlayer else { throw InvalidGame("move \(ply + 1): recorded for \(move.player), but \(state.currentPlayer) is to move") }
    guard state.isLegal(move.action) else {
      throw InvalidGame("move \(ply + 1): action \(move.action) is illegal (legal: \(state.legalActions.map(String.init).joined(separator: " ")))")
    }
    guard move.rootValue.isFinite, abs(move.rootValue) <= 1.0001 else { throw InvalidGame("move \(ply + 1): root value \(move.rootValue) outside [-1, 1]") }
    if move.fullSearch {
      guard move.actions == state.legalActions else { throw InvalidGame("move \(ply + 1): the policy target's actions are not the legal actions") }
      guard move.policyTarget.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw InvalidGame("move \(ply + 1): a negative or non-finite policy entry") }
      let sum = move.policyTarget.reduce(0, +)
      guard abs(sum - 1) < 1e-3 else { throw InvalidGame("move \(ply + 1): the policy target sums to \(sum), not 1") }
    }
    state.apply(move.action)
  }
  guard [-1, 0, 1].contains(record.outcomeForFirst) else { throw InvalidGame("outcome \(record.outcomeForFirst) is not -1, 0 or 1") }
  if let loser = record.resigned {
    guard !state.isTerminal else { throw InvalidGame("a resignation after the game was over") }
    guard loser == state.currentPlayer else { throw InvalidGame("\(loser) resigned, but \(state.currentPlayer) was to move") }
    guard record.outcome(for: loser) == -1 else { throw InvalidGame("the resigning side does not lose") }
  } else {
    guard state.isTerminal else { throw InvalidGame("the game is not over after \(record.moves.count) moves and nobody resigned") }
    guard state.outcome(for: .first) == record.outcomeForFirst else {
      throw InvalidGame("outcome \(record.outcomeForFirst) for the first player, but the rules say \(state.outcome(for: .first) ?? 0)")
    }
  }
}
