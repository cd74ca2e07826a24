// Hex on an n×n rhombus (n = 5...19). The first player (X) joins the top and bottom edges, the
// second (O) the left and right. Cells are row-major from a1 at the top-left. With the swap rule
// (pie rule), the second player's first move may be "swap": the first stone is replaced by an O
// stone on the mirrored cell (row and column exchanged) and X moves again, which is the same as
// exchanging colours. Connections are tracked by union-find over the cells plus four edge nodes.

public struct Hex: Game {
  public typealias State = HexState
  public let size: Int
  public let swapRule: Bool

  public init(size: Int = 11, swapRule: Bool = false) {
    precondition((5...19).contains(size), "hex size must be 5...19")
    self.size = size
    self.swapRule = swapRule
  }

  /// The swap action (only with the swap rule): the cell count.
  public var swapAction: Action { size * size }
  public var name: String { "hex(size=\(size),swap=\(swapRule))" }
  public var actionCount: Int { size * size + (swapRule ? 1 : 0) }
  public var observationShape: ObservationShape { ObservationShape(planes: 3, rows: size, columns: size) }
  public var maxLength: Int { size * size + (swapRule ? 1 : 0) }
  /// The identity and the half turn: the only symmetries that keep each player's edges.
  public var symmetries: [Symmetry] {
    let n = size
    return [Symmetry.grid(name: "identity", rows: n, columns: n, actionCount: actionCount) { ($0, $1) },
            Symmetry.grid(name: "rotate180", rows: n, columns: n, actionCount: actionCount) { (n - 1 - $0, n - 1 - $1) }]
  }

  public func initialState() -> HexState { HexState(size: size, swapRule: swapRule) }

  var grid: GridNotation { GridNotation(rows: size, columns: size) }
  public func notation(of action: Action) -> String { action == size * size ? "swap" : grid.text(ofCell: action) }
  public func action(fromNotation text: String) -> Action? {
    if text.normalizedMove == "swap" { return swapRule ? swapAction : nil }
    return grid.cell(from: text)
  }

  public func drawing(of state: HexState) -> DrawnBoard {
    let n = size
    let cells = (0..<n).map { r in
      (0..<n).map { c -> DrawnBoard.Mark in state.owner(ofCell: r * n + c).map { .stone($0) } ?? .empty }
    }
    return DrawnBoard(
      cells: cells, columnLabels: (0..<n).map(grid.columnLabel), rowLabels: (0..<n).map(grid.rowLabel),
      indentPerRow: 1, glyphs: ["X", "O"], lastMove: state.lastCell >= 0 ? (Int(state.lastCell) / n, Int(state.lastCell) % n) : nil,
      caption: standardCaption(state, names: ["X (top–bottom)", "O (left–right)"]))
  }
}

public struct HexState: GameState {
  @usableFromInline let size: Int
  @usableFromInline let swapRule: Bool
  /// 0 empty, 1 first player, 2 second player.
  @usableFromInline var board: [UInt8]
  /// Union-find parents over cells and the edge nodes top, bottom, left, right.
  @usableFromInline var parent: [Int16]
  public private(set) var plyCount = 0
  public private(set) var positionHash: UInt64 = 0
  public private(set) var currentPlayer: Player = .first
  @usableFromInline var lastCell: Int16 = -1
  @usableFromInline var winnerIndex: Int8 = -1

  init(size: Int, swapRule: Bool) {
    self.size = size
    self.swapRule = swapRule
    board = [UInt8](repeating: 0, count: size * size)
    parent = (0..<Int16(size * size + 4)).map { $0 }
  }

  public static func == (a: Self, b: Self) -> Bool {
    a.board == b.board && a.currentPlayer == b.currentPlayer && a.size == b.size && a.swapRule == b.swapRule
      && a.canSwap == b.canSwap
  }
  public func hash(into h: inout Hasher) { h.combine(positionHash) }

  var cellCount: Int { size * size }
  var canSwap: Bool { swapRule && plyCount == 1 }
  public var isTerminal: Bool { winnerIndex >= 0 }

  func owner(ofCell i: Int) -> Player? { board[i] == 0 ? nil : Player(rawValue: Int(board[i]) - 1) }

  public func legalActions(into actions: inout [Action]) {
    actions.removeAll(keepingCapacity: true)
    if isTerminal { return }
    for i in 0..<cellCount where board[i] == 0 { actions.append(i) }
    if canSwap { actions.append(cellCount) }
  }

  public func isLegal(_ action: Action) -> Bool {
    if isTerminal || action < 0 { return false }
    if action == cellCount { return canSwap }
    return action < cellCount && board[action] == 0
  }

  mutating func find(_ x: Int) -> Int {
    var x = x
    while Int(parent[x]) != x {
      parent[x] = parent[Int(parent[x])]
      x = Int(parent[x])
    }
    return x
  }

  /// The six neighbours of a cell as (row, column) offsets.
  static let neighbours = [(-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0)]

  mutating func union(_ a: Int, _ b: Int) {
    let ra = find(a), rb = find(b)
    if ra != rb { parent[ra] = Int16(rb) }
  }

  /// Puts a stone of `player` on `cell` and joins it to its group and edges.
  mutating func place(_ cell: Int, _ player: Player) {
    let n = size
    board[cell] = UInt8(player.rawValue + 1)
    positionHash ^= Zobrist.key(cell: cell, piece: player.rawValue)
    let r = cell / n, c = cell % n
    for (dr, dc) in Self.neighbours {
      let r2 = r + dr, c2 = c + dc
      if r2 >= 0, r2 < n, c2 >= 0, c2 < n, board[r2 * n + c2] == board[cell] { union(cell, r2 * n + c2) }
    }
    let top = cellCount, bottom = top + 1, left = top + 2, right = top + 3
    if player == .first {
      if r == 0 { union(cell, top) }
      if r == n - 1 { union(cell, bottom) }
      if find(top) == find(bottom) { winnerIndex = 0 }
    } else {
      if c == 0 { union(cell, left) }
      if c == n - 1 { union(cell, right) }
      if find(left) == find(right) { winnerIndex = 1 }
    }
  }

  public mutating func apply(_ action: Action) {
    assert(isLegal(action), "illegal hex action \(action)")
    if action == cellCount {
      // Swap: the lone X stone becomes an O stone on the mirrored cell; X moves next.
      let first = board.firstIndex(of: 1)!
      let n = size
      board[first] = 0
      positionHash ^= Zobrist.key(cell: first, piece: 0)
      for i in parent.indices { parent[i] = Int16(i) }
      let mirrored = (first % n) * n + first / n
      place(mirrored, .second)
      lastCell = Int16(mirrored)
    } else {
      place(action, currentPlayer)
      lastCell = Int16(action)
    }
    if plyCount == 1 && swapRule { positionHash ^= Zobrist.key(cell: cellCount, piece: 3) }  // swap no longer possible
    if plyCount == 0 && swapRule { positionHash ^= Zobrist.key(cell: cellCount, piece: 3) }  // swap possible
    currentPlayer = currentPlayer.opponent
    positionHash ^= Zobrist.secondToMove
    plyCount += 1
  }

  public func outcome(for player: Player) -> Float? {
    guard winnerIndex >= 0 else { return nil }
    return Int(winnerIndex) == player.rawValue ? 1 : -1
  }

  public func writeObservation(into buffer: UnsafeMutableBufferPointer<Float>) {
    writeStandardPlanes(into: buffer, cellCount: cellCount, firstToMove: currentPlayer == .first,
                        owner: owner(ofCell:), toMove: currentPlayer)
  }
}
