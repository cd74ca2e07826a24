// The Go Text Protocol (version 2) as text: reading a command line, framing a reply, and the
// protocol's colours and vertices. Shared by the engine (`dojo gtp`) and the client that drives
// outside engines (`gtp:COMMAND` players).

import DojoGames

/// One command: an optional numeric id, the command's name and its arguments.
public struct GTPCommand: Equatable, Sendable {
  public var id: Int?
  public var name: String
  public var arguments: [String]

  /// Reads a line as the specification's preprocessing says: control characters other than tab and
  /// newline are dropped, tabs become spaces, everything after `#` is a comment. Nil for a line with no command.
  public init?(line: String) {
    var text = String(line.unicodeScalars.filter { $0 == "\t" || $0.value >= 32 && $0.value != 127 }.map { $0 == "\t" ? " " : Character($0) })
    if let hash = text.firstIndex(of: "#") { text = String(text[..<hash]) }
    var words = text.split(separator: " ").map(String.init)
    guard !words.isEmpty else { return nil }
    if let id = Int(words[0]), id >= 0 {
      self.id = id
      words.removeFirst()
      guard !words.isEmpty else { return nil }
    }
    name = words[0]
    arguments = Array(words.dropFirst())
  }
}

public enum GTP {
  /// A success reply: `=id text`, ended by an empty line.
  public static func success(_ id: Int?, _ text: String = "") -> String {
    "=\(id.map(String.init) ?? "")" + (text.isEmpty ? "" : " " + text) + "\n\n"
  }

  /// A failure reply: `?id message`, ended by an empty line.
  public static func failure(_ id: Int?, _ message: String) -> String {
    "?\(id.map(String.init) ?? "") \(message)\n\n"
  }

  /// `b`, `black`, `w` or `white` in any case.
  public static func colour(_ text: String) -> Player? {
    switch text.lowercased() {
    case "b", "black": .first
    case "w", "white": .second
    default: nil
    }
  }

  public static func name(of player: Player) -> String { player == .first ? "black" : "white" }

  /// A vertex (`D4`, `pass`, any case) as an action of `game`; nil if it is not on the board.
  public static func action(_ text: String, in game: Go) -> Action? {
    game.action(fromNotation: text.lowercased())
  }

  /// An action as GTP writes a vertex: `D4`, or `pass`.
  public static func vertex(_ action: Action, in game: Go) -> String {
    action == game.pass ? "pass" : game.notation(of: action).uppercased()
  }
}

/// A reply read from an engine: success with its text, or failure with its message.
public struct GTPReply: Equatable, Sendable {
  public var success: Bool
  public var id: Int?
  public var text: String

  /// Parses a reply's lines (the empty line that ends it removed).
  public init?(_ text: String) {
    guard let first = text.first, first == "=" || first == "?" else { return nil }
    success = first == "="
    var rest = text.dropFirst()
    let digits = rest.prefix(while: \.isNumber)
    id = Int(digits)
    rest = rest.dropFirst(digits.count)
    self.text = rest.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
