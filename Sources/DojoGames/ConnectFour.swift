// Connect Four of any size on a bitboard (after John Tromp's layout): column c owns bits
// c*(rows+1) ..< c*(rows+1)+rows, bottom row first, with one empty sentinel bit on top of each
// column so that line tests by shifting never wrap. `Board` is UInt64 when (rows+1)*columns <= 64
// (the standard 7×6 board) and UInt128 for boards up to 128 bits.

public struct ConnectFour<Board: FixedWidthInteger & UnsignedInteger & Sendable>: Game {
  public typealias State = ConnectFourState<Board>
  public let rows: Int
  public let columns: Int

  /// A board of `rows` × `columns`; needs 4...16 of each and (rows+1)*columns bits in `Board`.
  public init(rows: Int = 6, columns: Int = 7) {
    precondition(Self.fits(rows: rows, columns: columns), "connect_four \(rows)×\(columns) does not fit \(Board.self)")
    self.rows = rows
    self.columns = columns
  }

  public static func fits(rows: Int, columns: Int) -> Bool {
    (4...16).contains(rows) && (4...16).contains(columns) && (rows + 1) * columns <= Board.bitWidth
  }

  public var name: String { "connect_four(rows=\(rows),columns=\(columns))" }
  public var actionCount: Int { columns }
  public var observationShape: ObservationShape { ObservationShape(planes: 3, rows: rows, columns: columns) }
  public var maxLength: Int { rows * columns }
  public var symmetries: [Symmetry] {
    [Symmetry.grid(name: "identity", rows: rows, columns: columns, actionCount: columns) { ($0, $1) },
     Symmetry(name: "mirror",
              cellMap: Symmetry.grid(name: "", rows: rows, columns: columns, actionCount: 0) { r, c in (r, columns - 1 - c) }.cellMap,
              actionMap: (0..<columns).map { Int32(columns - 1 - $0) })]
  }

  public func initialState() -> State { State(rows: rows, columns: columns) }

  /// Columns are numbered from 1 on the left, as in the solver test sets.
  public func notation(of action: Action) -> String { String(action + 1) }
  public func action(fromNotation text: String) -> Action? {
    guard let n = Int(text.normalizedMove), (1...columns).contains(n) else { return nil }
    return n - 1
  }

  public func drawing(of state: State) -> DrawnBoard {
    let cells = (0..<rows).map { r in
      (0..<columns).map { c -> DrawnBoard.Mark in state.owner(row: r, column: c).map { .stone($0) } ?? .empty }
    }
    var last: (Int, Int)? = nil
    if state.lastBit >= 0 {
      let c = Int(state.lastBit) / (rows + 1)
      last = (rows - 1 - Int(state.lastBit) % (rows + 1), c)
    }
    return DrawnBoard(
      cells: cells, columnLabels: (1...columns).map(String.init), rowLabels: Array(repeating: "", count: rows),
      glyphs: ["X", "O"], lastMove: last, caption: standardCaption(state, names: ["X", "O"]))
  }
}

public struct ConnectFourState<Board: FixedWidthInteger & UnsignedInteger & Sendable>: GameState {
  /// Stones of the side to move.
  @usableFromInline var current: Board = 0
  /// All stones.
  @usableFromInline var mask: Board = 0
  @usableFromInline let rows: Int8
  @usableFromInline let columns: Int8
  public private(set) var plyCount: Int = 0
  public private(set) var positionHash: UInt64 = 0
  /// The bit of the last stone played, or -1.
  @usableFromInline var lastBit: Int16 = -1
  /// Whether the last move completed a line.
  @usableFromInline var lastMoverWon = false

  init(rows: Int, columns: Int) {
    self.rows = Int8(rows)
    self.columns = Int8(columns)
  }

  public static func == (a: Self, b: Self) -> Bool {
    a.mask == b.mask && a.current == b.current && a.rows == b.rows && a.columns == b.columns
  }
  public func hash(into h: inout Hasher) { h.combine(positionHash) }

  var height: Int { Int(rows) &+ 1 }
  func topBit(_ c: Int) -> Board { Board(1) << (c &* height &+ Int(rows) &- 1) }
  func bottomBit(_ c: Int) -> Board { Board(1) << (c &* height) }

  public var currentPlayer: Player { plyCount & 1 == 0 ? .first : .second }
  public var isTerminal: Bool { lastMoverWon || plyCount == Int(rows) * Int(columns) }

  /// The owner of the cell at `row` (0 = top) and `column`.
  func owner(row: Int, column: Int) -> Player? {
    let bit = Board(1) << (column * height + Int(rows) - 1 - row)
    guard mask & bit != 0 else { return nil }
    return current & bit != 0 ? currentPlayer : currentPlayer.opponent
  }

  public func legalActions(into actions: inout [Action]) {
    actions.removeAll(keepingCapacity: true)
    if lastMoverWon { return }
    for c in 0..<Int(columns) where mask & topBit(c) == 0 { actions.append(c) }
  }

  public func isLegal(_ action: Action) -> Bool {
    !lastMoverWon && action >= 0 && action < Int(columns) && mask & topBit(action) == 0
  }

  public mutating func apply(_ action: Action) {
    assert(isLegal(action), "illegal connect_four action \(action)")
    let newMask = mask | (mask &+ bottomBit(action))
    let bit = newMask ^ mask
    let index = bit.trailingZeroBitCount
    positionHash ^= Zobrist.key(cell: index, piece: plyCount & 1) ^ Zobrist.secondToMove
    current ^= mask
    mask = newMask
    plyCount &+= 1
    lastBit = Int16(index)
    lastMoverWon = Self.hasFour(current ^ mask, height: height)
  }

  /// Whether `p` holds four in a row in any direction.
  static func hasFour(_ p: Board, height h: Int) -> Bool {
    @inline(__always) func line(_ s: Int) -> Bool {
      let m = p & (p >> s)
      return m & (m >> (2 &* s)) != 0
    }
    return line(1) || line(h) || line(h &- 1) || line(h &+ 1)  // vertical, horizontal, diagonals
  }

  public func outcome(for player: Player) -> Float? {
    if lastMoverWon { return player == currentPlayer ? -1 : 1 }
    return plyCount == Int(rows) * Int(columns) ? 0 : nil
  }

  public func writeObservation(into buffer: UnsafeMutableBufferPointer<Float>) {
    let r = Int(rows), c = Int(columns)
    writeStandardPlanes(into: buffer, cellCount: r * c, firstToMove: currentPlayer == .first,
                        owner: { owner(row: $0 / c, column: $0 % c) }, toMove: currentPlayer)
  }
}
