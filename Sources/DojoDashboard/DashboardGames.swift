// The games a directory stored, for the games page: a filtered list, and one game replayed under
// the rules into a board per ply with what the search thought at each move (its value and its
// top moves, where the move had a full search), and its SGF where the game has an SGF number.
// Run and league games are the protobuf records the replay store kept (a league's in games.sqlite,
// a table per learning agent); tournament games are their moves in notation.

import DojoArena
import DojoGames
import DojoWire
import Foundation
import GRDB

/// A page of stored games, newest first, and the values the filters can take.
struct GameList: Codable {
  struct Entry: Codable {
    var id: Int64
    /// The replay table (a league's learning agent; "main" in a run), or the tournament round.
    var table: String
    var generation: Int?
    var first: String?
    var second: String?
    var plies: Int
    /// "1-0" (the first player won), "0-1" or "½-½".
    var result: String
    var how: String
    var at: Double?
  }
  var kind: String
  var total: Int
  var offset: Int
  var games: [Entry]
  var tables: [String]
  var generations: [Int]
  /// The players of a tournament (the agent filter there).
  var players: [String]
}

/// The filters of the games page: generation, agent (replay table or tournament player), result.
struct GameFilter {
  var generation: Int?
  var agent: String?
  /// "first", "second" or "draw": who won.
  var result: String?
  var offset = 0
  var limit = 50

  init(query: [String: String]) {
    generation = query["generation"].flatMap { Int($0) }
    agent = query["agent"].flatMap { $0.isEmpty ? nil : $0 }
    result = query["result"].flatMap { ["first", "second", "draw"].contains($0) ? $0 : nil }
    offset = max(0, query["offset"].flatMap { Int($0) } ?? 0)
    limit = min(500, max(1, query["limit"].flatMap { Int($0) } ?? 50))
  }
}

func resultText(_ outcomeForFirst: Double) -> String { outcomeForFirst > 0 ? "1-0" : outcomeForFirst < 0 ? "0-1" : "½-½" }

extension DashboardSource {
  /// The database holding this directory's games, read-only: a league keeps them in games.sqlite.
  func gamesDatabase() throws -> DatabaseQueue? {
    guard kind == .league else { return try database() }
    let file = path + "/games.sqlite"
    guard FileManager.default.fileExists(atPath: file) else { return nil }
    var configuration = Configuration()
    configuration.readonly = true
    configuration.busyMode = .timeout(10)
    do { return try DatabaseQueue(path: file, configuration: configuration) } catch { throw DashboardError("\(file): cannot open (\(error))") }
  }
}

extension GameList {
  /// No games (none stored yet).
  static func empty(_ source: DashboardSource) -> GameList {
    GameList(kind: source.kind.rawValue, total: 0, offset: 0, games: [], tables: [], generations: [], players: [])
  }

  static func read(_ source: DashboardSource, _ filter: GameFilter) throws -> GameList {
    guard let db = try source.gamesDatabase() else {
      return .empty(source)
    }
    return try db.read { db in
      if source.kind == .tournament { return try tournament(db, source, filter) }
      var conditions: [String] = [], arguments: [any DatabaseValueConvertible] = []
      if let g = filter.generation { conditions.append("generation = ?"); arguments.append(g) }
      if let a = filter.agent { conditions.append("table_name = ?"); arguments.append(a) }
      switch filter.result {
      case "first": conditions.append("outcome > 0")
      case "second": conditions.append("outcome < 0")
      case "draw": conditions.append("outcome = 0")
      default: break
      }
      let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
      let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM games \(whereClause)", arguments: StatementArguments(arguments)) ?? 0
      let rows = try Row.fetchAll(db, sql: """
        SELECT id, table_name, generation, actor, plies, outcome, resigned, finished_at FROM games \(whereClause) ORDER BY id DESC LIMIT ? OFFSET ?
        """, arguments: StatementArguments(arguments + [filter.limit, filter.offset]))
      let games = rows.map { r in
        let resigned: Int = r["resigned"]
        return Entry(id: r["id"], table: r["table_name"], generation: r["generation"], first: nil, second: nil, plies: r["plies"],
                     result: resultText(r["outcome"]), how: resigned == 1 ? "second resigned" : resigned == 2 ? "first resigned" : "rules",
                     at: r["finished_at"])
      }
      return GameList(kind: source.kind.rawValue, total: total, offset: filter.offset, games: games,
                      tables: try String.fetchAll(db, sql: "SELECT DISTINCT table_name FROM games ORDER BY table_name"),
                      generations: try Int.fetchAll(db, sql: "SELECT DISTINCT generation FROM games ORDER BY generation"), players: [])
    }
  }

  static func tournament(_ db: Database, _ source: DashboardSource, _ filter: GameFilter) throws -> GameList {
    guard let definition = try ResultStore.definition(in: db) else {
      return .empty(source)
    }
    let names = definition.names
    var games = try ResultStore.games(in: db).reversed().filter { g in
      if let a = filter.agent, names[g.game.first] != a, names[g.game.second] != a { return false }
      switch filter.result {
      case "first": return g.scoreForFirst > 0.5
      case "second": return g.scoreForFirst < 0.5
      case "draw": return g.scoreForFirst == 0.5
      default: return true
      }
    }.map { g in
      Entry(id: Int64(g.game.index), table: "round \(g.game.round + 1)", generation: nil, first: names[g.game.first], second: names[g.game.second],
            plies: g.moves.count, result: resultText(g.scoreForFirst - 0.5), how: g.reason, at: nil)
    }
    let total = games.count
    games = Array(games.dropFirst(filter.offset).prefix(filter.limit))
    return GameList(kind: source.kind.rawValue, total: total, offset: filter.offset, games: games, tables: [], generations: [], players: names)
  }
}

/// One game, replayed: a board per ply (0: the start) and the search at each position.
struct GameView: Codable {
  struct Top: Codable { var move: String, share: Double }
  struct Frame: Codable {
    /// 0 empty, 1 the first player's stone, 2 the second's; top row first.
    var cells: [[Int]]
    var last: [Int]?
    var caption: String
    /// The move played from this position (nil at the end), by whom (1 first, 2 second).
    var next: String?
    var mover: Int?
    /// The search at this position (full searches only): its value for the side to move, and for the
    /// first player; simulations; its top moves by share of the policy target.
    var value: Double?
    var valueForFirst: Double?
    var simulations: Int?
    var top: [Top]
  }
  var id: Int64
  var game: String
  var title: String
  var columnLabels: [String]
  var rowLabels: [String]
  var indent: Int
  var glyphs: [String]
  var result: String
  var how: String
  var frames: [Frame]
  /// The SGF download's address, where the game has an SGF number.
  var sgf: String?
}

/// A stored game's moves and what is known about each.
struct StoredGameRecord {
  var game: any Game
  var moves: [Dojo_Move]
  var first: String
  var second: String
  var outcomeForFirst: Double
  var resigned: Player?
  var how: String
  var title: String
  var finished: Date?
}

extension StoredGameRecord {
  static func load(_ source: DashboardSource, id: Int64) throws -> StoredGameRecord {
    guard let db = try source.gamesDatabase() else { throw DashboardError("\(source.path): no games stored yet") }
    return try db.read { db in
      if source.kind == .tournament {
        guard let definition = try ResultStore.definition(in: db),
          let g = try ResultStore.games(in: db).first(where: { $0.game.index == Int(id) })
        else { throw DashboardError("no game \(id) in \(source.name)") }
        let game = try GameRegistry.make(definition.game)
        var state = game.initialState() as any GameState
        var moves: [Dojo_Move] = []
        for text in g.moves {
          guard let action = game.action(fromNotation: text) else { throw DashboardError("game \(id): '\(text)' is not a move of \(game.name)") }
          var m = Dojo_Move()
          m.action = UInt32(action)
          m.player = state.currentPlayer == .first ? .first : .second
          moves.append(m)
          state = apply(state, action)
        }
        let (a, b) = (definition.names[g.game.first], definition.names[g.game.second])
        return StoredGameRecord(game: game, moves: moves, first: a, second: b, outcomeForFirst: g.scoreForFirst * 2 - 1, resigned: nil, how: g.reason,
                                title: "\(source.name): game \(g.game.index + 1), round \(g.game.round + 1), \(a) vs \(b)", finished: nil)
      }
      guard let row = try Row.fetchOne(db, sql: "SELECT table_name, actor, record, finished_at FROM games WHERE id = ?", arguments: [id]) else {
        throw DashboardError("no game \(id) in \(source.name)")
      }
      let record = try Dojo_GameRecord.decode(row["record"])
      let game = try GameRegistry.make(record.game)
      let table: String = row["table_name"]
      let resigned: Player? = record.resigned == .first ? .first : record.resigned == .second ? .second : nil
      let player = table == "main" ? "generation \(record.generation)" : "\(table) (generation \(record.generation))"
      return StoredGameRecord(
        game: game, moves: record.moves, first: player, second: player, outcomeForFirst: Double(record.outcomeForFirst), resigned: resigned,
        how: resigned.map { "\($0) resigned" } ?? "rules", title: "\(source.name): game \(id), \(player), by \(row["actor"] as String)",
        finished: Date(timeIntervalSince1970: row["finished_at"]))
    }
  }

  static func apply(_ state: any GameState, _ action: Action) -> any GameState {
    func open<S: GameState>(_ s: S) -> any GameState { s.applying(action) }
    return open(state)
  }

  /// The game replayed into frames; an illegal stored move is an error naming it.
  func view(id: Int64, sgfAddress: String) throws -> GameView {
    try frames(game, id: id, sgfAddress: sgfAddress)
  }

  private func frames<G: Game>(_ game: G, id: Int64, sgfAddress: String) throws -> GameView {
    var state = game.initialState()
    var frames: [GameView.Frame] = []
    func frame(_ s: G.State, _ move: Dojo_Move?) -> GameView.Frame {
      let d = game.drawing(of: s)
      let cells = d.cells.map { row in
        row.map { mark -> Int in
          switch mark {
          case .empty: 0
          case .stone(let p): p == .first ? 1 : 2
          }
        }
      }
      var f = GameView.Frame(cells: cells, last: d.lastMove.map { [$0.row, $0.column] }, caption: d.caption, top: [])
      if let move {
        f.next = game.notation(of: Action(move.action))
        f.mover = s.currentPlayer == .first ? 1 : 2
        if move.fullSearch {
          f.value = Double(move.rootValue)
          f.valueForFirst = s.currentPlayer == .first ? f.value : -Double(move.rootValue)
          f.simulations = Int(move.simulations)
          f.top = zip(move.actions, move.policy).sorted { $0.1 > $1.1 }.prefix(5).map {
            GameView.Top(move: game.notation(of: Action($0.0)), share: Double($0.1))
          }
        }
      }
      return f
    }
    for (ply, move) in moves.enumerated() {
      let action = Action(move.action)
      guard state.isLegal(action) else { throw DashboardError("game \(id): move \(ply + 1) (\(game.notation(of: action))) is illegal there") }
      frames.append(frame(state, move))
      state.apply(action)
    }
    frames.append(frame(state, nil))
    let first = game.drawing(of: game.initialState())
    return GameView(
      id: id, game: game.name, title: title, columnLabels: first.columnLabels, rowLabels: first.rowLabels, indent: first.indentPerRow,
      glyphs: first.glyphs, result: resultText(outcomeForFirst), how: how, frames: frames, sgf: SGF.gameNumber(game) == nil ? nil : sgfAddress)
  }

  /// The game as SGF (nil when its game has no SGF number), with each full search's value and top
  /// moves in the move's comment.
  func sgf() -> String? {
    func open<G: Game>(_ game: G) -> String? {
      var out: [SGF.Move] = []
      for m in moves {
        var comment: String?
        if m.fullSearch {
          let top = zip(m.actions, m.policy).sorted { $0.1 > $1.1 }.prefix(3)
            .map { "\(game.notation(of: Action($0.0))) \(Int(($0.1 * 100).rounded())) %" }.joined(separator: ", ")
          comment = String(format: "value %+.2f for the side to move, %d simulations; top: ", m.rootValue, m.simulations) + top
        }
        out.append(SGF.Move(action: Action(m.action), comment: comment))
      }
      return SGF.record(game: game, moves: out, black: first, white: second,
                        result: SGF.Result(outcomeForFirst: Float(outcomeForFirst), resigned: resigned), date: finished, event: title)
    }
    return open(game)
  }
}
