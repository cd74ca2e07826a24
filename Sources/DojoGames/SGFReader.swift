// Reading SGF: the main line of a record (the first variation at every branch) as nodes of
// properties, and as the moves of a game. Errors name the line and the property at fault.

import Foundation

extension SGF {
  /// A property of a node: its identifier, its values, and the line it starts on.
  public struct Property: Sendable, Equatable {
    public var name: String
    public var values: [String]
    public var line: Int
  }

  public struct ReadError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var property: String?
    public var message: String
    public var description: String { "SGF line \(line)" + (property.map { ", property \($0)" } ?? "") + ": \(message)" }
  }

  /// The nodes of the main line of the first game tree in `text`.
  public static func mainLine(_ text: String) throws(ReadError) -> [[Property]] {
    let chars = Array(text.unicodeScalars)
    var i = 0, line = 1
    func skipSpace() {
      while i < chars.count, chars[i].properties.isWhitespace {
        if chars[i] == "\n" { line += 1 }
        i += 1
      }
    }
    skipSpace()
    guard i < chars.count, chars[i] == "(" else { throw ReadError(line: line, property: nil, message: "a record starts with '('") }
    i += 1
    var nodes: [[Property]] = []
    var depth = 1  // open parentheses; variations after the first are skipped
    var skipping = 0  // depth at which a skipped variation started, 0 when reading
    var seenChildVariation = [false]  // per depth: whether its first variation was read
    while true {
      skipSpace()
      guard i < chars.count else {
        throw ReadError(line: line, property: nil, message: "the record ends inside a game tree (a ')' is missing)")
      }
      let c = chars[i]
      if c == "(" {
        depth += 1
        if skipping == 0, seenChildVariation[seenChildVariation.count - 1] { skipping = depth }
        if skipping == 0 { seenChildVariation[seenChildVariation.count - 1] = true }
        seenChildVariation.append(false)
        i += 1
      } else if c == ")" {
        if skipping == depth { skipping = 0 }
        depth -= 1
        seenChildVariation.removeLast()
        i += 1
        if depth == 0 { return nodes }
      } else if c == ";" {
        i += 1
        var node: [Property] = []
        while true {
          skipSpace()
          guard i < chars.count, chars[i].properties.isUppercase else { break }
          let start = i, startLine = line
          while i < chars.count, chars[i].properties.isUppercase || chars[i].properties.isLowercase { i += 1 }
          let name = String(String.UnicodeScalarView(chars[start..<i]))
          var values: [String] = []
          skipSpace()
          while i < chars.count, chars[i] == "[" {
            i += 1
            var value = String.UnicodeScalarView()
            while true {
              guard i < chars.count else { throw ReadError(line: startLine, property: name, message: "the value is not closed by ']'") }
              var v = chars[i]
              if v == "]" { break }
              if v == "\\" {
                i += 1
                guard i < chars.count else { continue }
                v = chars[i]
              }
              if v == "\n" { line += 1 }
              value.append(v)
              i += 1
            }
            i += 1
            values.append(String(value))
            skipSpace()
          }
          if values.isEmpty { throw ReadError(line: startLine, property: name, message: "a property needs at least one [value]") }
          node.append(Property(name: name, values: values, line: startLine))
        }
        if skipping == 0 { nodes.append(node) }
      } else {
        throw ReadError(line: line, property: nil, message: "unexpected '\(Character(c))' (expected ';', '(' or ')')")
      }
    }
  }

  /// A record's moves in `game` (the main line): each B or W checked against the rules; the game's
  /// GM and SZ, if given, must be `game`'s. Setup properties (AB, AW, AE) are refused.
  public static func moves<G: Game>(_ text: String, game: G) throws(ReadError) -> [Action] {
    guard let number = gameNumber(game) else {
      throw ReadError(line: 1, property: nil, message: "\(game.name) has no SGF game number")
    }
    var byPoint: [String: Action] = [:]
    for a in 0..<game.actionCount { byPoint[point(game, a)] = a }
    if let go = game as? Go, go.size <= 19 { byPoint["tt"] = go.pass }
    var state = game.initialState()
    var out: [Action] = []
    for node in try mainLine(text) {
      for p in node {
        switch p.name {
        case "GM" where Int(p.values[0]) != number:
          throw ReadError(line: p.line, property: "GM", message: "game \(p.values[0]) is not \(game.name) (GM[\(number)])")
        case "SZ":
          let size = p.values[0].split(separator: ":").compactMap { Int($0) }
          if size.first != game.observationShape.rows {
            throw ReadError(line: p.line, property: "SZ", message: "board size \(p.values[0]) is not \(game.name)'s \(game.observationShape.rows)")
          }
        case "KM":
          if let go = game as? Go, Double(p.values[0]) != go.komi {
            throw ReadError(line: p.line, property: "KM", message: "komi \(p.values[0]) is not \(game.name)'s \(Go.text(ofKomi: go.komi))")
          }
        case "AB", "AW", "AE":
          throw ReadError(line: p.line, property: p.name, message: "setup stones are not supported (only B and W moves)")
        case "B", "W":
          let colour: Player = p.name == "B" ? .first : .second
          guard !state.isTerminal else { throw ReadError(line: p.line, property: p.name, message: "a move after the end of the game") }
          guard colour == state.currentPlayer else {
            throw ReadError(line: p.line, property: p.name, message: "\(p.name == "B" ? "Black" : "White") is not to move (ply \(out.count + 1))")
          }
          guard let a = byPoint[p.values[0]] else {
            throw ReadError(line: p.line, property: p.name, message: "'\(p.values[0])' is not a point of \(game.name)")
          }
          guard state.isLegal(a) else {
            throw ReadError(line: p.line, property: p.name, message: "\(game.notation(of: a)) is illegal here (ply \(out.count + 1))")
          }
          state.apply(a)
          out.append(a)
        default:
          continue
        }
      }
    }
    return out
  }
}
