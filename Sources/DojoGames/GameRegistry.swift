// Every game Dojo knows, by parameterised name: `connect_four(rows=6,columns=7)`, `hex(size=9)`.
// A game registered here is covered by the conformance check, the CLI and the tests at once.

/// A parameter a game accepts in its name.
public struct GameParameter: Sendable {
  public let name: String
  public let defaultValue: String
  public let help: String
}

/// A registered game: its name, what it takes, and how to make it.
public struct GameEntry: Sendable {
  public let name: String
  public let summary: String
  public let parameters: [GameParameter]
  let make: @Sendable (_ values: GameSpec.Values) throws -> any Game

  /// The entry's name with every parameter at its default, e.g. `hex(size=11,swap=false)`.
  public var defaultSpec: String {
    parameters.isEmpty ? name : "\(name)(" + parameters.map { "\($0.name)=\($0.defaultValue)" }.joined(separator: ",") + ")"
  }
}

public enum GameRegistry {
  public static let entries: [GameEntry] = [
    GameEntry(name: "tic_tac_toe", summary: "3×3 noughts and crosses", parameters: []) { _ in TicTacToe() },
    GameEntry(
      name: "connect_four", summary: "drop discs in columns, four in a row wins",
      parameters: [GameParameter(name: "rows", defaultValue: "6", help: "board height, 4...16"),
                   GameParameter(name: "columns", defaultValue: "7", help: "board width, 4...16; (rows+1)*columns <= 128")]
    ) { v in
      let rows = try v.int("rows", in: 4...16), columns = try v.int("columns", in: 4...16)
      if ConnectFour<UInt64>.fits(rows: rows, columns: columns) { return ConnectFour<UInt64>(rows: rows, columns: columns) }
      if ConnectFour<UInt128>.fits(rows: rows, columns: columns) { return ConnectFour<UInt128>(rows: rows, columns: columns) }
      throw GameSpecError.badValue(game: "connect_four", parameter: "rows×columns", value: "\(rows)×\(columns)",
                                   expected: "(rows+1)*columns <= 128")
    },
    GameEntry(name: "othello", summary: "8×8 Othello (Reversi), pass when no move", parameters: []) { _ in Othello() },
    GameEntry(
      name: "hex", summary: "connect your two edges of a rhombus",
      parameters: [GameParameter(name: "size", defaultValue: "11", help: "board size, 5...19"),
                   GameParameter(name: "swap", defaultValue: "false", help: "the swap (pie) rule: true or false")]
    ) { v in Hex(size: try v.int("size", in: 5...19), swapRule: try v.bool("swap")) },
    GameEntry(
      name: "gomoku", summary: "five in a row on a square board",
      parameters: [GameParameter(name: "size", defaultValue: "15", help: "board size, 9...19"),
                   GameParameter(name: "rule", defaultValue: "standard", help: "standard (exactly five) or freestyle (five or more)")]
    ) { v in
      let rule = try v.choice("rule", Gomoku.Rule.allCases.map(\.rawValue))
      return Gomoku(size: try v.int("size", in: 9...19), rule: Gomoku.Rule(rawValue: rule)!)
    },
    GameEntry(
      name: "go", summary: "Go with Tromp–Taylor rules: area scoring, positional superko, no suicide",
      parameters: [GameParameter(name: "size", defaultValue: "9", help: "board size, 5...19"),
                   GameParameter(name: "komi", defaultValue: "7", help: "White's compensation, a multiple of 0.5 from -100 to 100")]
    ) { v in Go(size: try v.int("size", in: 5...19), komi: try v.halves("komi", in: -100...100)) },
  ]

  /// The registered names, e.g. `["tic_tac_toe", "connect_four", ...]`.
  public static var names: [String] { entries.map(\.name) }

  /// Every registered game at its default parameters.
  public static var defaultGames: [any Game] {
    entries.map { entry in
      do { return try entry.make(GameSpec.Values(entry: entry, given: [:])) } catch {
        preconditionFailure("the registry's own defaults for \(entry.name) are invalid: \(error)")  // a bug in this file, not input
      }
    }
  }

  /// The game named by `spec`, e.g. `connect_four(rows=6,columns=7)` or `hex(size=9)`.
  public static func make(_ spec: String) throws(GameSpecError) -> any Game {
    let parsed = try GameSpec(parsing: spec)
    guard let entry = entries.first(where: { $0.name == parsed.name }) else {
      throw .unknownGame(parsed.name, known: entries.map(\.defaultSpec))
    }
    for key in parsed.values.keys where !entry.parameters.contains(where: { $0.name == key }) {
      throw .unknownParameter(game: entry.name, parameter: key,
                              known: entry.parameters.map { "\($0.name) (\($0.help), default \($0.defaultValue))" })
    }
    do {
      return try entry.make(GameSpec.Values(entry: entry, given: parsed.values))
    } catch let error as GameSpecError {
      throw error
    } catch {
      throw .malformed(spec, reason: "\(error)")
    }
  }
}

/// A game name as written: `name` or `name(key=value,...)`.
public struct GameSpec: Sendable, Equatable {
  public let name: String
  public let values: [String: String]

  public init(parsing text: String) throws(GameSpecError) {
    let t = text.filter { !$0.isWhitespace }
    guard let open = t.firstIndex(of: "(") else {
      guard !t.isEmpty, t.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
        throw .malformed(text, reason: "expected name or name(key=value,...)")
      }
      name = t
      values = [:]
      return
    }
    guard t.last == ")" else { throw .malformed(text, reason: "missing ')'") }
    name = String(t[..<open])
    var values: [String: String] = [:]
    let inside = t[t.index(after: open)..<t.index(before: t.endIndex)]
    for part in inside.split(separator: ",", omittingEmptySubsequences: false) {
      let kv = part.split(separator: "=", omittingEmptySubsequences: false)
      guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
        throw .malformed(text, reason: "'\(part)' is not key=value")
      }
      guard values.updateValue(String(kv[1]), forKey: String(kv[0])) == nil else {
        throw .malformed(text, reason: "'\(kv[0])' given twice")
      }
    }
    self.values = values
  }

  /// Parameter values with defaults filled in, read with range checks.
  public struct Values: Sendable {
    let game: String
    let all: [String: String]

    init(entry: GameEntry, given: [String: String]) {
      game = entry.name
      var all = given
      for p in entry.parameters where all[p.name] == nil { all[p.name] = p.defaultValue }
      self.all = all
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(GameSpecError) -> Int {
      guard let v = Int(all[key]!), range.contains(v) else {
        throw .badValue(game: game, parameter: key, value: all[key]!, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
      }
      return v
    }

    func halves(_ key: String, in range: ClosedRange<Double>) throws(GameSpecError) -> Double {
      guard let v = Double(all[key]!), range.contains(v), (v * 2).rounded() == v * 2 else {
        throw .badValue(game: game, parameter: key, value: all[key]!,
                        expected: "a multiple of 0.5 from \(Go.text(ofKomi: range.lowerBound)) to \(Go.text(ofKomi: range.upperBound))")
      }
      return v
    }

    func bool(_ key: String) throws(GameSpecError) -> Bool {
      switch all[key]! {
      case "true": return true
      case "false": return false
      case let v: throw .badValue(game: game, parameter: key, value: v, expected: "true or false")
      }
    }

    func choice(_ key: String, _ options: [String]) throws(GameSpecError) -> String {
      let v = all[key]!
      guard options.contains(v) else {
        throw .badValue(game: game, parameter: key, value: v, expected: "one of " + options.joined(separator: ", "))
      }
      return v
    }
  }
}

/// Why a game name was refused. The message names what exists.
public enum GameSpecError: Error, Equatable, CustomStringConvertible {
  case malformed(String, reason: String)
  case unknownGame(String, known: [String])
  case unknownParameter(game: String, parameter: String, known: [String])
  case badValue(game: String, parameter: String, value: String, expected: String)

  public var description: String {
    switch self {
    case let .malformed(text, reason):
      "cannot read game name '\(text)': \(reason)"
    case let .unknownGame(name, known):
      "unknown game '\(name)'; known games: " + known.joined(separator: ", ")
    case let .unknownParameter(game, parameter, known):
      "\(game) has no parameter '\(parameter)'; "
        + (known.isEmpty ? "it takes none" : "its parameters: " + known.joined(separator: "; "))
    case let .badValue(game, parameter, value, expected):
      "\(game): \(parameter) must be \(expected), not '\(value)'"
    }
  }
}
