// Tic-tac-toe on bitboards: bit i is cell i (row-major, a1 = top-left = 0).

public struct TicTacToe: Game {
  public typealias State = TicTacToeState
  public init() {}

  public var name: String { "tic_tac_toe" }
  public var actionCount: Int { 9 }
  public var observationShape: ObservationShape { ObservationShape(planes: 3, rows: 3, columns: 3) }
  public var maxLength: Int { 9 }
  public var symmetries: [Symmetry] { Symmetry.square(size: 3, actionCount: 9) }

  public func initialState() -> TicTacToeState { TicTacToeState() }

  static let notation = GridNotation(rows: 3, columns: 3)
  public func notation(of action: Action) -> String { Self.notation.text(ofCell: action) }
  public func action(fromNotation text: String) -> Action? { Self.notation.cell(from: text) }

  public func drawing(of state: TicTacToeState) -> DrawnBoard {
    let cells = (0..<3).map { r in
      (0..<3).map { c -> DrawnBoard.Mark in state.owner(ofCell: r * 3 + c).map { .stone($0) } ?? .empty }
    }
    return DrawnBoard(
      cells: cells, columnLabels: ["a", "b", "c"], rowLabels: ["1", "2", "3"], glyphs: ["X", "O"],
      lastMove: state.lastAction.map { ($0 / 3, $0 % 3) }, caption: standardCaption(state, names: ["X", "O"]))
  }
}

public struct TicTacToeState: GameState {
  @usableFromInline var stones: (UInt16, UInt16) = (0, 0)  // first player's, second player's
  public private(set) var plyCount: Int = 0
  public private(set) var positionHash: UInt64 = 0
  @usableFromInline var lastAction: Action? = nil
  @usableFromInline var result: Int8 = 0  // 0 playing, 1 first won, 2 second won, 3 draw

  static let lines: [UInt16] = [0b111, 0b111_000, 0b111_000_000, 0b001_001_001, 0b010_010_010,
                                0b100_100_100, 0b100_010_001, 0b001_010_100]

  public static func == (a: Self, b: Self) -> Bool { a.stones == b.stones && a.plyCount == b.plyCount }
  public func hash(into h: inout Hasher) { h.combine(positionHash) }

  public var currentPlayer: Player { plyCount & 1 == 0 ? .first : .second }
  public var isTerminal: Bool { result != 0 }

  func owner(ofCell i: Int) -> Player? {
    if stones.0 >> i & 1 == 1 { return .first }
    if stones.1 >> i & 1 == 1 { return .second }
    return nil
  }

  public func legalActions(into actions: inout [Action]) {
    actions.removeAll(keepingCapacity: true)
    guard result == 0 else { return }
    let empty = ~(stones.0 | stones.1) & 0x1FF
    for i in 0..<9 where empty >> i & 1 == 1 { actions.append(i) }
  }

  public func isLegal(_ action: Action) -> Bool {
    result == 0 && (0..<9).contains(action) && (stones.0 | stones.1) >> action & 1 == 0
  }

  public mutating func apply(_ action: Action) {
    assert(isLegal(action), "illegal tic-tac-toe action \(action)")
    let bit = UInt16(1) << action
    let mover = currentPlayer
    let mine: UInt16
    if mover == .first { stones.0 |= bit; mine = stones.0 } else { stones.1 |= bit; mine = stones.1 }
    positionHash ^= Zobrist.key(cell: action, piece: mover.rawValue) ^ Zobrist.secondToMove
    plyCount += 1
    lastAction = action
    if Self.lines.contains(where: { mine & $0 == $0 }) {
      result = mover == .first ? 1 : 2
    } else if plyCount == 9 {
      result = 3
    }
  }

  public func outcome(for player: Player) -> Float? {
    switch result {
    case 0: return nil
    case 3: return 0
    default: return (Int(result) - 1 == player.rawValue) ? 1 : -1
    }
  }

  public func writeObservation(into buffer: UnsafeMutableBufferPointer<Float>) {
    writeStandardPlanes(into: buffer, cellCount: 9, firstToMove: currentPlayer == .first,
                        owner: owner(ofCell:), toMove: currentPlayer)
  }
}

/// "X to move", "O wins", "draw": the caption under a drawn board.
func standardCaption<S: GameState>(_ state: S, names: [String]) -> String {
  guard state.isTerminal else { return "\(names[state.currentPlayer.rawValue]) to move" }
  if let w = state.winner { return "\(names[w.rawValue]) wins" }
  return "draw"
}
