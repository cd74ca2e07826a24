// Gomoku on an n×n board (n = 9...19). Five in a row wins: with `rule=standard` exactly five
// (an overline of six or more does not win), with `rule=freestyle` five or more. A full board is
// a draw. Notation as in renju: column letter from the left, row number from the bottom (h8 is
// the centre of the 15×15 board).

public struct Gomoku: Game {
  public typealias State = GomokuState

  public enum Rule: String, Sendable, CaseIterable {
    /// Exactly five in a row wins.
    case standard
    /// Five or more in a row wins.
    case freestyle
  }

  public let size: Int
  public let rule: Rule

  public init(size: Int = 15, rule: Rule = .standard) {
    precondition((9...19).contains(size), "gomoku size must be 9...19")
    self.size = size
    self.rule = rule
  }

  public var name: String { "gomoku(size=\(size),rule=\(rule.rawValue))" }
  public var actionCount: Int { size * size }
  public var observationShape: ObservationShape { ObservationShape(planes: 3, rows: size, columns: size) }
  public var maxLength: Int { size * size }
  public var symmetries: [Symmetry] { Symmetry.square(size: size, actionCount: size * size) }

  public func initialState() -> GomokuState { GomokuState(size: size, exactFive: rule == .standard) }

  var grid: GridNotation { GridNotation(rows: size, columns: size, rowsFromBottom: true) }
  public func notation(of action: Action) -> String { grid.text(ofCell: action) }
  public func action(fromNotation text: String) -> Action? { grid.cell(from: text) }

  public func drawing(of state: GomokuState) -> DrawnBoard {
    let n = size
    let cells = (0..<n).map { r in
      (0..<n).map { c -> DrawnBoard.Mark in state.owner(ofCell: r * n + c).map { .stone($0) } ?? .empty }
    }
    return DrawnBoard(
      cells: cells, columnLabels: (0..<n).map(grid.columnLabel), rowLabels: (0..<n).map(grid.rowLabel),
      glyphs: ["X", "O"], lastMove: state.lastCell >= 0 ? (Int(state.lastCell) / n, Int(state.lastCell) % n) : nil,
      caption: standardCaption(state, names: ["X", "O"]))
  }
}

public struct GomokuState: GameState {
  @usableFromInline let size: Int
  @usableFromInline let exactFive: Bool
  /// 0 empty, 1 first player, 2 second player.
  @usableFromInline var board: [UInt8]
  public private(set) var plyCount = 0
  public private(set) var positionHash: UInt64 = 0
  @usableFromInline var lastCell: Int16 = -1
  @usableFromInline var lastMoverWon = false

  init(size: Int, exactFive: Bool) {
    self.size = size
    self.exactFive = exactFive
    board = [UInt8](repeating: 0, count: size * size)
  }

  public static func == (a: Self, b: Self) -> Bool { a.board == b.board && a.exactFive == b.exactFive }
  public func hash(into h: inout Hasher) { h.combine(positionHash) }

  public var currentPlayer: Player { plyCount & 1 == 0 ? .first : .second }
  public var isTerminal: Bool { lastMoverWon || plyCount == size * size }

  func owner(ofCell i: Int) -> Player? { board[i] == 0 ? nil : Player(rawValue: Int(board[i]) - 1) }

  public func legalActions(into actions: inout [Action]) {
    actions.removeAll(keepingCapacity: true)
    if isTerminal { return }
    for i in 0..<board.count where board[i] == 0 { actions.append(i) }
  }

  public func isLegal(_ action: Action) -> Bool {
    !isTerminal && action >= 0 && action < board.count && board[action] == 0
  }

  public mutating func apply(_ action: Action) {
    assert(isLegal(action), "illegal gomoku action \(action)")
    let me = UInt8(currentPlayer.rawValue + 1)
    board[action] = me
    positionHash ^= Zobrist.key(cell: action, piece: currentPlayer.rawValue) ^ Zobrist.secondToMove
    plyCount += 1
    lastCell = Int16(action)
    lastMoverWon = completesFive(at: action, stone: me)
  }

  /// Whether the stone just placed on `cell` makes a winning line.
  func completesFive(at cell: Int, stone: UInt8) -> Bool {
    let n = size, r = cell / n, c = cell % n
    for (dr, dc) in [(0, 1), (1, 0), (1, 1), (1, -1)] {
      var run = 1
      for sign in [1, -1] {
        var r2 = r + sign * dr, c2 = c + sign * dc
        while r2 >= 0, r2 < n, c2 >= 0, c2 < n, board[r2 * n + c2] == stone {
          run += 1
          r2 += sign * dr
          c2 += sign * dc
        }
      }
      if exactFive ? run == 5 : run >= 5 { return true }
    }
    return false
  }

  public func outcome(for player: Player) -> Float? {
    if lastMoverWon { return player == currentPlayer ? -1 : 1 }
    return plyCount == size * size ? 0 : nil
  }

  public func writeObservation(into buffer: UnsafeMutableBufferPointer<Float>) {
    writeStandardPlanes(into: buffer, cellCount: board.count, firstToMove: currentPlayer == .first,
                        owner: owner(ofCell:), toMove: currentPlayer)
  }
}
