// A strong Connect Four solver for any board size DojoGames supports: negamax with alpha-beta
// pruning, searched with null windows (a binary search on the score, first probing near a draw),
// a transposition table keeping upper and lower bounds, and moves ordered by the threats they make.
//
// Scores are for the side to move and say how soon the game ends, in the convention of the public
// solver test sets: on a board of N cells, a win with a stone played when n stones are already on
// the board scores (N + 1 - n) / 2 (integer division), a loss the negative of the opponent's win,
// a draw 0. On the standard 6×7 board that is 22 - k for a win with the winner's own k-th stone;
// on any board it is the number of stones the winner still had in hand when it won (the winning
// stone counted), so a larger magnitude is a quicker result.

/// Why a position or a board cannot be solved.
public enum SolverError: Error, Equatable, CustomStringConvertible {
  case unsupportedSize(rows: Int, columns: Int)
  case badMove(moves: String, index: Int, reason: String)
  case finished(moves: String, reason: String)

  public var description: String {
    switch self {
    case let .unsupportedSize(r, c):
      return "connect_four \(r)×\(c) cannot be solved: rows and columns must be 4...16 and (rows+1)×columns at most 128"
    case let .badMove(m, i, why): return "bad move \(i + 1) in \"\(m)\": \(why)"
    case let .finished(m, why): return "\"\(m)\" is a finished position (\(why)); only positions with a move to make are solved"
    }
  }
}

/// One solver per board size; it keeps its transposition table between calls, so solving many
/// positions of one game (or every move of one position) reuses what it learned.
public final class ConnectFourSolver {
  public let rows: Int
  public let columns: Int
  private let engine: any SolverEngine

  /// A solver for `rows` × `columns` with a table of 2^`tableBits` slots (2^24: 160 MB on 6×7).
  public init(rows: Int = 6, columns: Int = 7, tableBits: Int = 24) throws {
    guard (4...16).contains(rows), (4...16).contains(columns), (rows + 1) * columns <= 128 else {
      throw SolverError.unsupportedSize(rows: rows, columns: columns)
    }
    self.rows = rows
    self.columns = columns
    if (rows + 1) * columns <= 64 {
      engine = NegamaxEngine<UInt64>(rows: rows, columns: columns, tableBits: tableBits)
    } else {
      engine = NegamaxEngine<UInt128>(rows: rows, columns: columns, tableBits: tableBits)
    }
  }

  /// Positions searched since the solver was made (or since `resetNodeCount()`).
  public var nodeCount: Int { engine.nodeCount }
  public func resetNodeCount() { engine.nodeCount = 0 }

  /// The columns (0-based) of a move string: one digit per move, 1-based (`4453`), as in the test
  /// sets; or the columns separated by commas or spaces (`10,11,1`), which boards wider than 9 need.
  /// Errors name the move that is not a column, is full, or comes after the game ended.
  public func parse(_ moves: String) throws -> [Int] {
    let separated = moves.contains(where: { $0 == "," || $0 == " " })
    let tokens: [Substring] = separated
      ? moves.split(whereSeparator: { $0 == "," || $0 == " " })
      : moves.map { Substring(String($0)) }
    var columnsPlayed: [Int] = []
    for (i, t) in tokens.enumerated() {
      guard let n = Int(t), (1...columns).contains(n) else {
        throw SolverError.badMove(moves: moves, index: i, reason: "\"\(t)\" is not a column 1...\(columns)")
      }
      columnsPlayed.append(n - 1)
    }
    try engine.check(columnsPlayed, text: moves)
    return columnsPlayed
  }

  /// The exact score of the position after `moves` (0-based columns), for the side to move.
  public func score(after moves: [Int]) throws -> Int {
    try engine.check(moves, text: Self.text(moves))
    return engine.score(moves)
  }

  /// Every column's score for the side to move (nil where the column is full), indexed by column.
  public func moveScores(after moves: [Int]) throws -> [Int?] {
    try engine.check(moves, text: Self.text(moves))
    return engine.moveScores(moves)
  }

  /// Whether the side to move can complete four in a row with its next stone.
  public func canWinAtOnce(after moves: [Int]) throws -> Bool {
    try engine.check(moves, text: Self.text(moves))
    return engine.canWinAtOnce(moves)
  }

  /// Forgets every stored bound (the next solves start cold).
  public func clearTable() { engine.clearTable() }

  /// Moves written the way `parse` reads them.
  public func text(of moves: [Int]) -> String {
    columns > 9 ? moves.map { String($0 + 1) }.joined(separator: ",") : moves.map { String($0 + 1) }.joined()
  }

  static func text(_ moves: [Int]) -> String { moves.map { String($0 + 1) }.joined(separator: ",") }
}

/// The board-width-independent face of the engine.
protocol SolverEngine: AnyObject {
  var nodeCount: Int { get set }
  func check(_ moves: [Int], text: String) throws
  func score(_ moves: [Int]) -> Int
  func moveScores(_ moves: [Int]) -> [Int?]
  func canWinAtOnce(_ moves: [Int]) -> Bool
  func clearTable()
}

final class NegamaxEngine<Board: FixedWidthInteger & UnsignedInteger>: SolverEngine {
  let g: ConnectFourGeometry<Board>
  let table: TranspositionTable<Board>
  var nodeCount = 0
  /// Move-ordering scratch, one row of `columns` per ply: no allocation while searching.
  private let orderedMoves: UnsafeMutablePointer<Board>
  private let orderKeys: UnsafeMutablePointer<Int>

  init(rows: Int, columns: Int, tableBits: Int) {
    g = ConnectFourGeometry(rows: rows, columns: columns)
    table = TranspositionTable(bits: tableBits, scoreLimit: g.cellCount / 2 + 2)
    orderedMoves = .allocate(capacity: (g.cellCount + 1) * columns)
    orderKeys = .allocate(capacity: (g.cellCount + 1) * columns)
  }

  deinit {
    orderedMoves.deallocate()
    orderKeys.deallocate()
  }

  func clearTable() { table.clear() }

  func check(_ moves: [Int], text: String) throws {
    var p = ConnectFourBitboard<Board>()
    for (i, c) in moves.enumerated() {
      guard (0..<g.columns).contains(c) else {
        throw SolverError.badMove(moves: text, index: i, reason: "column \(c + 1) is not on a board of \(g.columns) columns")
      }
      guard p.canPlay(c, g) else { throw SolverError.badMove(moves: text, index: i, reason: "column \(c + 1) is full") }
      if p.moveCount > 0 && p.lastMoverWon(g) {
        throw SolverError.badMove(moves: text, index: i, reason: "the game was already won")
      }
      p.play(cell: p.landing(c, g))
    }
    if p.moveCount > 0 && p.lastMoverWon(g) { throw SolverError.finished(moves: text, reason: "the last move won") }
    if p.moveCount == g.cellCount { throw SolverError.finished(moves: text, reason: "the board is full") }
  }

  private func position(_ moves: [Int]) -> ConnectFourBitboard<Board> {
    var p = ConnectFourBitboard<Board>()
    for c in moves { p.play(cell: p.landing(c, g)) }
    return p
  }

  /// The score of an immediate win by the side to move of `p`.
  @inline(__always) private func winNowScore(_ p: ConnectFourBitboard<Board>) -> Int { (g.cellCount + 1 - p.moveCount) / 2 }

  @_specialize(where Board == UInt64)
  @_specialize(where Board == UInt128)
  func score(_ moves: [Int]) -> Int { solve(position(moves)) }

  func canWinAtOnce(_ moves: [Int]) -> Bool { position(moves).canWinNext(g) }

  @_specialize(where Board == UInt64)
  @_specialize(where Board == UInt128)
  func moveScores(_ moves: [Int]) -> [Int?] {
    let p = position(moves)
    return (0..<g.columns).map { c -> Int? in
      guard p.canPlay(c, g) else { return nil }
      if p.isWinningMove(c, g) { return winNowScore(p) }
      var child = p
      child.play(cell: p.landing(c, g))
      if child.moveCount == g.cellCount { return 0 }
      return -solve(child)
    }
  }

  /// The exact score: null-window searches narrowing [min, max] until they meet. Each probe is
  /// taken near 0 first (most positions are decided by their sign, and those probes are cheap),
  /// then halves what remains.
  @_specialize(where Board == UInt64)
  @_specialize(where Board == UInt128)
  func solve(_ p: ConnectFourBitboard<Board>) -> Int {
    if p.canWinNext(g) { return winNowScore(p) }
    var lo = -(g.cellCount - p.moveCount) / 2
    var hi = (g.cellCount + 1 - p.moveCount) / 2
    while lo < hi {
      var probe = lo + (hi - lo) / 2
      if probe <= 0 && lo / 2 < probe { probe = lo / 2 } else if probe >= 0 && hi / 2 > probe { probe = hi / 2 }
      let r = negamax(p, alpha: probe, beta: probe + 1)
      if r <= probe { hi = r } else { lo = r }
    }
    return lo
  }

  /// Negamax with alpha-beta for a position where the side to move cannot win at once. Returns the
  /// exact score when it lies in (alpha, beta), an upper bound <= alpha, or a lower bound >= beta.
  @_specialize(where Board == UInt64)
  @_specialize(where Board == UInt128)
  private func negamax(_ p: ConnectFourBitboard<Board>, alpha a: Int, beta b: Int) -> Int {
    var alpha = a, beta = b
    nodeCount &+= 1
    let next = p.nonLosingMoves(g)
    if next == 0 { return -(g.cellCount - p.moveCount) / 2 }  // every move lets the opponent win at once
    if p.moveCount >= g.cellCount - 2 { return 0 }  // neither side can win with the last two stones

    // Bounds from the remaining stones: the opponent cannot win at once, so the best it can do is
    // win with its next stone after that; we can at best win with our next stone but one.
    let floor = -(g.cellCount - 2 - p.moveCount) / 2
    if alpha < floor {
      alpha = floor
      if alpha >= beta { return alpha }
    }
    var ceiling = (g.cellCount - 1 - p.moveCount) / 2
    switch table.lookup(p.key) {
    case .upper(let v)?: ceiling = min(ceiling, v)
    case .lower(let v)?:
      if alpha < v {
        alpha = v
        if alpha >= beta { return alpha }
      }
    case nil: break
    }
    if beta > ceiling {
      beta = ceiling
      if alpha >= beta { return beta }
    }

    // Order the moves by the threats they leave, centre columns first among equals (insertion sort,
    // stable, on this ply's scratch row).
    let base = p.moveCount &* g.columns
    var count = 0
    for c in g.centreFirst {
      let cell = next & g.columnMask(c)
      guard cell != 0 else { continue }
      let key = p.threatCount(after: cell, g)
      var i = count
      while i > 0 && orderKeys[base &+ i &- 1] < key {
        orderKeys[base &+ i] = orderKeys[base &+ i &- 1]
        orderedMoves[base &+ i] = orderedMoves[base &+ i &- 1]
        i &-= 1
      }
      orderKeys[base &+ i] = key
      orderedMoves[base &+ i] = cell
      count &+= 1
    }

    for i in 0..<count {
      var child = p
      child.play(cell: orderedMoves[base &+ i])
      let s = -negamax(child, alpha: -beta, beta: -alpha)
      if s >= beta {
        table.store(p.key, .lower(s))
        return s
      }
      if s > alpha { alpha = s }
    }
    table.store(p.key, .upper(alpha))
    return alpha
  }
}
