// A board as a picture: cells, coordinates and a caption. Games fill it; the terminal colours it.

public struct DrawnBoard: Sendable, Equatable {
  public enum Mark: Sendable, Equatable {
    case empty
    case stone(Player)
  }

  /// Cells, top row first.
  public var cells: [[Mark]]
  /// Labels along the top, one per column.
  public var columnLabels: [String]
  /// Labels down the side, one per row, top row first.
  public var rowLabels: [String]
  /// Spaces added before each successive row (1 draws Hex's rhombus).
  public var indentPerRow: Int
  /// The glyphs of each player's stones, e.g. ["X", "O"].
  public var glyphs: [String]
  /// The glyph of an empty cell.
  public var emptyGlyph: String
  /// The cell of the last move, drawn highlighted.
  public var lastMove: (row: Int, column: Int)?
  /// A line under the board: whose turn it is, or the result.
  public var caption: String

  public init(
    cells: [[Mark]], columnLabels: [String], rowLabels: [String], indentPerRow: Int = 0,
    glyphs: [String], emptyGlyph: String = ".", lastMove: (row: Int, column: Int)? = nil, caption: String
  ) {
    self.cells = cells
    self.columnLabels = columnLabels
    self.rowLabels = rowLabels
    self.indentPerRow = indentPerRow
    self.glyphs = glyphs
    self.emptyGlyph = emptyGlyph
    self.lastMove = lastMove
    self.caption = caption
  }

  public static func == (a: DrawnBoard, b: DrawnBoard) -> Bool {
    a.cells == b.cells && a.columnLabels == b.columnLabels && a.rowLabels == b.rowLabels
      && a.indentPerRow == b.indentPerRow && a.glyphs == b.glyphs && a.caption == b.caption
      && a.lastMove?.row == b.lastMove?.row && a.lastMove?.column == b.lastMove?.column
  }

  /// Draws the board as text. `paint` colours a glyph: (glyph, mark, isLastMove) -> text.
  public func render(paint: (String, Mark, Bool) -> String = { glyph, _, _ in glyph }) -> String {
    let labelWidth = rowLabels.map(\.count).max() ?? 0
    let cellWidth = max(2, (columnLabels.map(\.count).max() ?? 1) + 1)
    func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
    var lines: [String] = []
    let header = columnLabels.map { pad($0, cellWidth) }.joined()
    lines.append(String(repeating: " ", count: labelWidth + 1) + header)
    for (r, row) in cells.enumerated() {
      var line = String(repeating: " ", count: r * indentPerRow) + pad(rowLabels[r], labelWidth) + " "
      for (c, mark) in row.enumerated() {
        let glyph: String
        switch mark {
        case .empty: glyph = emptyGlyph
        case .stone(let p): glyph = glyphs[p.rawValue]
        }
        let last = lastMove.map { $0.row == r && $0.column == c } ?? false
        line += String(repeating: " ", count: cellWidth - glyph.count) + paint(glyph, mark, last)
      }
      line += "  " + rowLabels[r]
      while line.last == " " { line.removeLast() }
      lines.append(line)
    }
    lines.append(String(repeating: " ", count: cells.count * indentPerRow + labelWidth + 1) + header)
    lines.append(caption)
    return lines.joined(separator: "\n")
  }

  /// The board as plain text, no colour.
  public var plainText: String { render() }
}

/// Coordinates written as a column letter and a row number, e.g. `d3` (a is the left column).
public struct GridNotation: Sendable, Equatable {
  public let rows: Int
  public let columns: Int
  /// Row 1 is the bottom row (Go, renju) instead of the top row (Othello, Hex).
  public let rowsFromBottom: Bool

  public init(rows: Int, columns: Int, rowsFromBottom: Bool = false) {
    self.rows = rows
    self.columns = columns
    self.rowsFromBottom = rowsFromBottom
  }

  static let letters = Array("abcdefghijklmnopqrstuvwxyz")

  public func columnLabel(_ c: Int) -> String { String(GridNotation.letters[c]) }
  public func rowLabel(_ r: Int) -> String { String(rowsFromBottom ? rows - r : r + 1) }

  /// `cell` (row-major, row 0 at the top) as text, e.g. `d3`.
  public func text(ofCell cell: Int) -> String {
    columnLabel(cell % columns) + rowLabel(cell / columns)
  }

  /// The cell named by `text`, or nil.
  public func cell(from text: String) -> Int? {
    let t = text.normalizedMove
    guard let first = t.first, let c = GridNotation.letters.firstIndex(of: first), c < columns,
      let n = Int(t.dropFirst()), (1...rows).contains(n), t.dropFirst().allSatisfy(\.isASCII)
    else { return nil }
    let r = rowsFromBottom ? rows - n : n - 1
    return r * columns + c
  }
}

extension String {
  /// The text with surrounding white space removed, lower-cased: how notation is compared.
  var normalizedMove: String {
    var s = Substring(self)
    while let f = s.first, f.isWhitespace { s = s.dropFirst() }
    while let l = s.last, l.isWhitespace { s = s.dropLast() }
    return s.lowercased()
  }
}
