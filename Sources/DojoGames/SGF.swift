// SGF (Smart Game Format, FF[4]) records of the games that SGF gives a game number: the format every
// board-game viewer reads. Go (GM[1]) writes KM, RU[Tromp-Taylor], RE with the area margin
// (B+3.5) and a pass as an empty move. Gomoku (GM[4]) and Othello (GM[2]) write points as Go does, column then
// row letters from the top-left ("ab"; an Othello pass is an empty move); Hex (GM[11]) writes cells
// as its specification says, column letter and row number from the top ("c4"), and the pie rule's
// swap as "swap-pieces". Tic-tac-toe and Connect Four have no SGF game number: no record.

import Foundation

public enum SGF {
  /// The SGF game number of `game`, or nil when SGF defines none.
  public static func gameNumber(_ game: any Game) -> Int? {
    switch game {
    case is Go: 1
    case is Othello: 2
    case is Gomoku: 4
    case is Hex: 11
    default: nil
    }
  }

  /// One move of a record, with the comment shown beside it (the search's value and top moves).
  public struct Move: Sendable {
    public var action: Action
    public var comment: String?
    public init(action: Action, comment: String? = nil) {
      self.action = action
      self.comment = comment
    }
  }

  /// How a game ended, for RE: the first player's (Black's) result, and who resigned.
  public struct Result: Sendable {
    public var outcomeForFirst: Float
    public var resigned: Player?
    public init(outcomeForFirst: Float, resigned: Player? = nil) {
      self.outcomeForFirst = outcomeForFirst
      self.resigned = resigned
    }
  }

  /// The game as an SGF file, or nil when the game has no SGF game number. The first player is Black.
  /// Moves must be legal in order from the initial position (they are replayed to find Othello's score).
  public static func record<G: Game>(
    game: G, moves: [Move], black: String, white: String, result: Result?, date: Date? = nil, event: String? = nil, comment: String? = nil
  ) -> String? {
    guard let number = gameNumber(game) else { return nil }
    let size = game.observationShape.rows
    var root = "FF[4]CA[UTF-8]GM[\(number)]AP[Dojo]SZ[\(size)]"
    root += "PB[\(escape(black))]PW[\(escape(white))]"
    if let date {
      let f = DateFormatter()
      f.locale = Locale(identifier: "en_US_POSIX")
      f.timeZone = TimeZone(identifier: "UTC")
      f.dateFormat = "yyyy-MM-dd"
      root += "DT[\(f.string(from: date))]"
    }
    if let event { root += "EV[\(escape(event))]" }
    if let gomoku = game as? Gomoku { root += "RU[\(gomoku.rule.rawValue)]" }
    if let go = game as? Go { root += "KM[\(Go.text(ofKomi: go.komi))]RU[Tromp-Taylor]" }
    if let hex = game as? Hex, hex.swapRule { root += "RU[swap]" }
    var state = game.initialState()
    var body = ""
    for move in moves {
      let colour = state.currentPlayer == .first ? "B" : "W"
      body += ";\(colour)[\(point(game, move.action))]"
      if let c = move.comment { body += "C[\(escape(c))]" }
      state.apply(move.action)
    }
    if let result { root += "RE[\(resultText(game, state, result))]" }
    if let comment { root += "GC[\(escape(comment))]" }
    return "(;\(root)\(body))\n"
  }

  /// RE's value: B+R / W+R for a resignation, Othello's disc margin (B+12), B+ / W+ for another win
  /// (no score), 0 for a draw.
  static func resultText<G: Game>(_ game: G, _ final: G.State, _ result: Result) -> String {
    if let r = result.resigned { return r == .first ? "W+R" : "B+R" }
    if result.outcomeForFirst == 0 { return "0" }
    let winner = result.outcomeForFirst > 0 ? "B" : "W"
    if let go = final as? Go.State, result.outcomeForFirst == go.outcome(for: .first) { return go.resultText }
    if let othello = final as? Othello.State {
      return winner + "+" + String(abs(othello.discCount(.first) - othello.discCount(.second)))
    }
    return winner + "+"
  }

  /// A move as SGF writes it for `game`.
  static func point<G: Game>(_ game: G, _ action: Action) -> String {
    if let hex = game as? Hex { return action == hex.size * hex.size ? "swap-pieces" : hex.notation(of: action) }
    if game is Othello, action == Othello.pass { return "" }
    if let go = game as? Go, action == go.pass { return "" }
    let columns = game.observationShape.columns
    return goLetter(action % columns) + goLetter(action / columns)
  }

  /// Go's coordinate letters: a–z, then A–Z for boards past 26.
  static func goLetter(_ i: Int) -> String {
    String(UnicodeScalar(UInt8(i < 26 ? 97 + i : 65 + i - 26)))
  }

  /// Text with SGF's escapes: `]` and `\` get a backslash.
  public static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "]", with: "\\]")
  }
}
