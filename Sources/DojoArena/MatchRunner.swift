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
  /// SGF records (file name, text), each record's main line an opening, in file-name order; read
  /// into `list` once the game is known.
  case sgf([SGFFile])

  public struct SGFFile: Sendable, Equatable {
    public var name: String
    public var text: String
  }

  /// `random:K`; an `.sgf` file or a folder of them (each record's main line one opening); or a file
  /// of openings (one per line, moves separated by spaces; # starts a comment).
  public init(parsing text: String) throws {
    if text.hasPrefix("random:"), let k = Int(text.dropFirst(7)), k >= 0 {
      self = .random(plies: k)
      return
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory), isDirectory.boolValue {
      let names = ((try? FileManager.default.contentsOfDirectory(atPath: text)) ?? []).filter { $0.lowercased().hasSuffix(".sgf") }.sorted()
      guard !names.isEmpty else { throw ArenaError.badInput("openings folder '\(text)' has no .sgf files") }
      self = .sgf(try names.map { name in
        guard let body = try? String(contentsOfFile: text + "/" + name, encoding: .utf8) else { throw ArenaError.badInput("openings: cannot read \(text)/\(name)") }
        return SGFFile(name: text + "/" + name, text: body)
      })
      return
    }
    guard let body = try? String(contentsOfFile: text, encoding: .utf8) else {
      throw ArenaError.badInput("openings '\(text)': not random:K and not a readable file or folder")
    }
    if text.lowercased().hasSuffix(".sgf") {
      self = .sgf([SGFFile(name: text, text: body)])
      return
    }
    let lines = body.split(separator: "\n").map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0] }
      .map { $0.split(separator: " ").map(String.init) }.filter { !$0.isEmpty }
    guard !lines.isEmpty else { throw ArenaError.badInput("openings file '\(text)' has no openings") }
    self = .list(lines)
  }

  /// SGF records read for `game` as lines of moves; other sources as they are. A record that is not
  /// `game`'s, or has an illegal move, is an error naming the file, line and property.
  public func resolved<G: Game>(for game: G) throws -> OpeningSource {
    guard case let .sgf(files) = self else { return self }
    return .list(try files.map { file in
      do { return try SGF.moves(file.text, game: game).map(game.notation(of:)) } catch {
        throw ArenaError.badInput("openings \(file.name): \(error)")
      }
    })
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
  /// Why it ended: "first wins", "second wins", "draw", "adjudicated draw (length limit)", or a win
  /// by forfeit with its reason ("second wins (first forfeits: black resigned)").
  public var reason: String
}

public final class MatchRunner<G: Game> {
  public let game: G
  public let players: [PlayerSpec]
  public let seed: UInt64
  public let openings: OpeningSource
  /// Games still going after this many plies are adjudicated draws.
  public let maxPlies: Int
  /// The precision checkpoint players' networks run in (int8 calibrated on random positions of the game).
  public let precision: InferencePrecision
  /// Loaded checkpoints, by player, shared by that player's bots.
  var engines: [Int: any PolicyValueFunction] = [:]

  /// Checks every player at once (a missing or wrong checkpoint fails here, naming it).
  /// `shared` gives checkpoint players a network shared with other runners (evaluated in one batch).
  /// `precision`: fp32 (the networks as trained) unless asked; gating asks the actors' precision.
  public init(game: G, players: [PlayerSpec], seed: UInt64, openings: OpeningSource, maxPlies: Int? = nil,
              shared: [Int: SharedInference] = [:], precision: InferencePrecision = .fp32) throws {
    self.game = game
    self.players = players
    self.seed = seed
    self.openings = try openings.resolved(for: game)
    self.maxPlies = maxPlies ?? game.maxLength
    self.precision = precision
    let calibration = precision == .fp32 ? nil : game.randomPositionObservations(count: 256, seed: seed)
    for (i, p) in players.enumerated() {
      if case .human = p { throw ArenaError.badInput("player \(i + 1): human players cannot play in tournaments") }
      if let network = shared[i] {
        engines[i] = network
      } else if case let .checkpoint(path, _) = p {
        do {
          engines[i] = InferenceEngine(network: try Checkpoint.read(path, game: game.name).network, precision: precision, calibration: calibration)
        } catch {
          throw ArenaError.badInput("player \(i + 1) (\(p)): \(error)")
        }
      }
    }
    if case let .list(lines) = self.openings {
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
    case .sgf:
      preconditionFailure("SGF openings are read in init")
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
    var forfeit: (side: Player, reason: String)?
    while !state.isTerminal && moves.count < maxPlies {
      let m = state.currentPlayer == .first ? first.choose(state) : second.choose(state)
      if let reason = m.forfeit {
        forfeit = (state.currentPlayer, reason)
        break
      }
      precondition(state.isLegal(m.action), "a bot chose an illegal move")
      state.apply(m.action)
      moves.append(m.action)
    }
    let score: Double, reason: String
    if let forfeit {
      // An outside engine that resigned, hung, died or answered nonsense loses the game.
      score = forfeit.side == .first ? 0 : 1
      reason = (forfeit.side == .first ? "second wins" : "first wins") + " (\(forfeit.side == .first ? "first" : "second") forfeits: \(forfeit.reason))"
    } else if let o = state.outcome(for: .first) {
      score = Double(o + 1) / 2
      reason = o > 0 ? "first wins" : o < 0 ? "second wins" : "draw"
    } else {
      score = 0.5
      reason = "adjudicated draw (length limit \(maxPlies))"
    }
    return PlayedGame(game: g, moves: moves.map(game.notation(of:)), openingLength: open.count, scoreForFirst: score, reason: reason)
  }
}
