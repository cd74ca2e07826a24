// Plays scheduled games between bots: from a shared opening, to the end or to the length limit
// (adjudicated a draw). A game's result depends only on the tournament's seed and the game's
// index, so a stopped tournament resumed later reaches the same results.

import DojoGames
import DojoNN
import DojoPlayers
import DojoSearch
import Foundation

/// Where openings come from.
public enum OpeningSource: Sendable, Equatable {
  /// `plies` uniformly random legal moves (never ending the game).
  case random(plies: Int)
  /// Lines of moves in the game's notation (one opening per line), used in order, cycling.
  case list([[String]])

  /// `random:K`, or a file of openings (one per line, moves separated by spaces; # starts a comment).
  public init(parsing text: String) throws {
    if text.hasPrefix("random:"), let k = Int(text.dropFirst(7)), k >= 0 {
      self = .random(plies: k)
      return
    }
    guard let body = try? String(contentsOfFile: text, encoding: .utf8) else {
      throw ArenaError.badInput("openings '\(text)': not random:K and not a readable file")
    }
    let lines = body.split(separator: "\n").map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0] }
      .map { $0.split(separator: " ").map(String.init) }.filter { !$0.isEmpty }
    guard !lines.isEmpty else { throw ArenaError.badInput("openings file '\(text)' has no openings") }
    self = .list(lines)
  }
}

public enum ArenaError: Error, Equatable, CustomStringConvertible {
  case badInput(String)
  public var description: String {
    switch self { case let .badInput(m): m }
  }
}

/// A finished game.
public struct PlayedGame: Sendable, Equatable, Codable {
  public var game: ScheduledGame
  /// Every move in the game's notation, the opening's included.
  public var moves: [String]
  public var openingLength: Int
  /// The first mover's score: 1, 0.5 or 0.
  public var scoreForFirst: Double
  /// Why it ended: "first wins", "second wins", "draw", or "adjudicated draw (length limit)".
  public var reason: String
}

public final class MatchRunner<G: Game> {
  public let game: G
  public let players: [PlayerSpec]
  public let seed: UInt64
  public let openings: OpeningSource
  /// Games still going after this many plies are adjudicated draws.
  public let maxPlies: Int
  /// Loaded checkpoints, by player, shared by that player's bots.
  var engines: [Int: any PolicyValueFunction] = [:]

  /// Checks every player at once (a missing or wrong checkpoint fails here, naming it).
  /// `shared` gives checkpoint players a network shared with other runners (evaluated in one batch).
  public init(game: G, players: [PlayerSpec], seed: UInt64, openings: OpeningSource, maxPlies: Int? = nil,
              shared: [Int: SharedInference] = [:]) throws {
    self.game = game
    self.players = players
    self.seed = seed
    self.openings = openings
    self.maxPlies = maxPlies ?? game.maxLength
    for (i, p) in players.enumerated() {
      if case .human = p { throw ArenaError.badInput("player \(i + 1): human players cannot play in tournaments") }
      if let network = shared[i] {
        engines[i] = network
      } else if case let .checkpoint(path, _) = p {
        do {
          engines[i] = InferenceEngine(network: try Checkpoint.read(path, game: game.name).network)
        } catch {
          throw ArenaError.badInput("player \(i + 1) (\(p)): \(error)")
        }
      }
    }
    if case let .list(lines) = openings {
      for (n, line) in lines.enumerated() {
        do { _ = try game.state(afterMoves: line) } catch {
          throw ArenaError.badInput("opening \(n + 1): \(error)")
        }
      }
    }
  }

  /// The opening for opening number `n`.
  public func opening(_ n: Int) -> [Action] {
    switch openings {
    case let .list(lines):
      let line = lines[n % lines.count]
      var s = game.initialState()
      return line.map { m in
        let a = game.action(fromNotation: m)!
        s.apply(a)
        return a
      }
    case let .random(plies):
      var rng = SplitMix64(seed: SplitMix64.mix(seed ^ 0x0BE9 ^ UInt64(n)))
      for _ in 0..<100 {
        var s = game.initialState()
        var moves: [Action] = []
        while moves.count < plies, !s.isTerminal {
          let legal = s.legalActions
          let a = legal[rng.next(below: legal.count)]
          s.apply(a)
          moves.append(a)
        }
        if !s.isTerminal { return moves }
      }
      return []
    }
  }

  func bot(_ player: Int, seed: UInt64) throws -> any Bot<G> {
    if let engine = engines[player], case let .checkpoint(_, sims) = players[player] {
      if sims == 0 { return PolicyBot(game: game, engine: engine) }
      return SearchBot(game: game, evaluator: NetworkEvaluator(game: game, engine: engine), config: SearchConfig(), simulations: sims, seed: seed)
    }
    return try makeBot(players[player], game: game, seed: seed)
  }

  /// Plays one scheduled game.
  public func play(_ g: ScheduledGame) throws -> PlayedGame {
    let gameSeed = SplitMix64.mix(seed ^ UInt64(g.index) &* 0x9E37_79B9)
    var first = try bot(g.first, seed: gameSeed), second = try bot(g.second, seed: gameSeed ^ 1)
    var state = game.initialState()
    let open = opening(g.opening)
    for a in open { state.apply(a) }
    var moves = open
    while !state.isTerminal && moves.count < maxPlies {
      let a = state.currentPlayer == .first ? first.choose(state).action : second.choose(state).action
      precondition(state.isLegal(a), "a bot chose an illegal move")
      state.apply(a)
      moves.append(a)
    }
    let score: Double, reason: String
    if let o = state.outcome(for: .first) {
      score = Double(o + 1) / 2
      reason = o > 0 ? "first wins" : o < 0 ? "second wins" : "draw"
    } else {
      score = 0.5
      reason = "adjudicated draw (length limit \(maxPlies))"
    }
    return PlayedGame(game: g, moves: moves.map(game.notation(of:)), openingLength: open.count, scoreForFirst: score, reason: reason)
  }
}
