// The solver's own Connect Four position: two bitboards in John Tromp's column layout (column c
// owns bits c*(rows+1) ..< c*(rows+1)+rows, bottom first, one empty sentinel bit on top of each
// column), kept apart from DojoGames' `ConnectFourState` so the search touches nothing it does not
// need (no hash, no history). `Board` is UInt64 when (rows+1)*columns <= 64, else UInt128.

/// The masks of one board size, computed once.
struct ConnectFourGeometry<Board: FixedWidthInteger & UnsignedInteger> {
  let rows: Int
  let columns: Int
  /// rows * columns: the number of stones when the board is full.
  let cellCount: Int
  /// One bit at the bottom of every column.
  let bottom: Board
  /// Every playable cell (no sentinels).
  let board: Board
  /// Shifts that move a bit one step along a line: vertical, horizontal and both diagonals.
  let lineShifts: (Int, Int, Int, Int)
  /// Columns from the centre outwards: the order in which moves are tried when they tie.
  let centreFirst: [Int]

  init(rows: Int, columns: Int) {
    self.rows = rows
    self.columns = columns
    cellCount = rows * columns
    let h = rows + 1
    var bottom: Board = 0
    for c in 0..<columns { bottom |= Board(1) << (c * h) }
    self.bottom = bottom
    board = bottom &* ((Board(1) << rows) &- 1)
    lineShifts = (1, h, h - 1, h + 1)
    centreFirst = (0..<columns).map { i in columns / 2 + (1 - 2 * (i % 2)) * (i + 1) / 2 }
    precondition(Set(centreFirst) == Set(0..<columns), "centre-first order covers every column")
  }

  @inline(__always) func columnMask(_ c: Int) -> Board { ((Board(1) << rows) &- 1) << (c &* (rows &+ 1)) }
  @inline(__always) func topCell(_ c: Int) -> Board { Board(1) << (rows &- 1 &+ c &* (rows &+ 1)) }

  /// The empty cells that would complete a line of four for the stones `p`, given the occupied `mask`.
  @inline(__always) func winningCells(_ p: Board, mask: Board) -> Board {
    // Vertical: only three below can complete it.
    var r = (p << 1) & (p << 2) & (p << 3)
    @inline(__always) func along(_ s: Int) {
      var pair = (p << s) & (p << (2 &* s))
      r |= pair & (p << (3 &* s))
      r |= pair & (p >> s)
      pair = (p >> s) & (p >> (2 &* s))
      r |= pair & (p << s)
      r |= pair & (p >> (3 &* s))
    }
    along(lineShifts.1)
    along(lineShifts.2)
    along(lineShifts.3)
    return r & (board ^ mask)
  }
}

/// A position as the solver sees it: the stones of the side to move, all stones, the ply count.
struct ConnectFourBitboard<Board: FixedWidthInteger & UnsignedInteger> {
  var current: Board = 0
  var mask: Board = 0
  var moveCount = 0

  /// Unique for every position: the side to move's stones plus one bit above each column's top.
  @inline(__always) var key: Board { current &+ mask }

  @inline(__always) func canPlay(_ c: Int, _ g: ConnectFourGeometry<Board>) -> Bool { mask & g.topCell(c) == 0 }

  /// The cell a stone dropped into column `c` lands on.
  @inline(__always) func landing(_ c: Int, _ g: ConnectFourGeometry<Board>) -> Board {
    (mask &+ (Board(1) << (c &* (g.rows &+ 1)))) & g.columnMask(c)
  }

  /// Plays the stone `cell` (one bit, a legal landing cell) for the side to move.
  @inline(__always) mutating func play(cell: Board) {
    current ^= mask
    mask |= cell
    moveCount &+= 1
  }

  /// The landing cell of every column that is not full.
  @inline(__always) func playable(_ g: ConnectFourGeometry<Board>) -> Board { (mask &+ g.bottom) & g.board }

  @inline(__always) func isWinningMove(_ c: Int, _ g: ConnectFourGeometry<Board>) -> Bool {
    g.winningCells(current, mask: mask) & playable(g) & g.columnMask(c) != 0
  }

  @inline(__always) func canWinNext(_ g: ConnectFourGeometry<Board>) -> Bool {
    g.winningCells(current, mask: mask) & playable(g) != 0
  }

  /// Whether the last mover has four in a row.
  func lastMoverWon(_ g: ConnectFourGeometry<Board>) -> Bool {
    let p = current ^ mask
    for s in [g.lineShifts.0, g.lineShifts.1, g.lineShifts.2, g.lineShifts.3] {
      let m = p & (p >> s)
      if m & (m >> (2 * s)) != 0 { return true }
    }
    return false
  }

  /// The moves (landing cells) that do not hand the opponent an immediate win. Call only when the
  /// side to move cannot win at once. Empty when every move loses at once.
  @inline(__always) func nonLosingMoves(_ g: ConnectFourGeometry<Board>) -> Board {
    var possible = playable(g)
    let threats = g.winningCells(current ^ mask, mask: mask)
    let forced = possible & threats
    if forced != 0 {
      if forced & (forced &- 1) != 0 { return 0 }  // two threats to block: lost
      possible = forced
    }
    return possible & ~(threats >> 1)  // never play just below an opponent's winning cell
  }

  /// How many winning cells the side to move would have after playing `cell`: the move-ordering key.
  @inline(__always) func threatCount(after cell: Board, _ g: ConnectFourGeometry<Board>) -> Int {
    g.winningCells(current | cell, mask: mask | cell).nonzeroBitCount
  }
}
