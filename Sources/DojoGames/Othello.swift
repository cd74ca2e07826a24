// Othello (Reversi) 8×8 on bitboards. Bit i is square i, row-major from a1 at the top-left, so
// `d3` is bit 19. Action 64 is "pass", legal only when the side to move has no other move.

public struct Othello: Game {
  public typealias State = OthelloState
  public init() {}

  public static let pass: Action = 64
  public var name: String { "othello" }
  public var actionCount: Int { 65 }
  public var observationShape: ObservationShape { ObservationShape(planes: 3, rows: 8, columns: 8) }
  /// 60 placements and at most one pass before each of them.
  public var maxLength: Int { 120 }
  public var symmetries: [Symmetry] { Symmetry.square(size: 8, actionCount: 65) }

  public func initialState() -> OthelloState { OthelloState() }

  static let notation = GridNotation(rows: 8, columns: 8)
  public func notation(of action: Action) -> String { action == Self.pass ? "pass" : Self.notation.text(ofCell: action) }
  public func action(fromNotation text: String) -> Action? {
    text.normalizedMove == "pass" ? Self.pass : Self.notation.cell(from: text)
  }

  public func drawing(of state: OthelloState) -> DrawnBoard {
    let cells = (0..<8).map { r in
      (0..<8).map { c -> DrawnBoard.Mark in state.owner(ofSquare: r * 8 + c).map { .stone($0) } ?? .empty }
    }
    var caption = standardCaption(state, names: ["black (X)", "white (O)"])
    caption += "   X \(state.discCount(.first)) – O \(state.discCount(.second))"
    return DrawnBoard(
      cells: cells, columnLabels: (0..<8).map(Self.notation.columnLabel), rowLabels: (0..<8).map(Self.notation.rowLabel),
      glyphs: ["X", "O"], lastMove: state.lastSquare >= 0 ? (Int(state.lastSquare) / 8, Int(state.lastSquare) % 8) : nil,
      caption: caption)
  }
}

public struct OthelloState: GameState {
  /// Black's (first player's) and white's discs.
  @usableFromInline var discs: (UInt64, UInt64) = (1 << 28 | 1 << 35, 1 << 27 | 1 << 36)
  public private(set) var plyCount: Int = 0
  public private(set) var currentPlayer: Player = .first
  public private(set) var positionHash: UInt64
  @usableFromInline var lastSquare: Int8 = -1
  /// Cached: the side to move's legal squares, and whether neither side can move.
  @usableFromInline var moves: UInt64 = 0
  public private(set) var isTerminal = false

  init() {
    var h: UInt64 = 0
    for sq in [28, 35] { h ^= Zobrist.key(cell: sq, piece: 0) }
    for sq in [27, 36] { h ^= Zobrist.key(cell: sq, piece: 1) }
    positionHash = h
    moves = Self.moves(own: discs.0, opponent: discs.1)
  }

  /// A position given by its discs (bit i is square i, a1 = 0) and the side to move.
  init(first: UInt64, second: UInt64, toMove: Player) {
    precondition(first & second == 0, "a square holds two discs")
    discs = (first, second)
    currentPlayer = toMove
    var h: UInt64 = toMove == .second ? Zobrist.secondToMove : 0
    for (piece, bits) in [first, second].enumerated() {
      var b = bits
      while b != 0 {
        h ^= Zobrist.key(cell: b.trailingZeroBitCount, piece: piece)
        b &= b &- 1
      }
    }
    positionHash = h
    moves = Self.moves(own: own, opponent: opponent)
    isTerminal = moves == 0 && Self.moves(own: opponent, opponent: own) == 0
  }

  public static func == (a: Self, b: Self) -> Bool { a.discs == b.discs && a.currentPlayer == b.currentPlayer }
  public func hash(into h: inout Hasher) { h.combine(positionHash) }

  var own: UInt64 { currentPlayer == .first ? discs.0 : discs.1 }
  var opponent: UInt64 { currentPlayer == .first ? discs.1 : discs.0 }

  func owner(ofSquare sq: Int) -> Player? {
    if discs.0 >> sq & 1 == 1 { return .first }
    if discs.1 >> sq & 1 == 1 { return .second }
    return nil
  }

  public func discCount(_ p: Player) -> Int { (p == .first ? discs.0 : discs.1).nonzeroBitCount }

  // Shifts by one square in each of the 8 directions, dropping discs that would wrap a row.
  @usableFromInline static let notA: UInt64 = 0xFEFE_FEFE_FEFE_FEFE  // every column but a
  @usableFromInline static let notH: UInt64 = 0x7F7F_7F7F_7F7F_7F7F  // every column but h

  static func shift(_ b: UInt64, _ dir: Int) -> UInt64 {
    switch dir {
    case 0: return (b << 1) & notA  // east
    case 1: return (b >> 1) & notH  // west
    case 2: return b << 8  // south (down the drawing)
    case 3: return b >> 8  // north
    case 4: return (b << 9) & notA  // south-east
    case 5: return (b << 7) & notH  // south-west
    case 6: return (b >> 7) & notA  // north-east
    default: return (b >> 9) & notH  // north-west
    }
  }

  /// Squares where `own` may play: empty, and bracketing a line of `opponent` discs.
  static func moves(own: UInt64, opponent: UInt64) -> UInt64 {
    let empty = ~(own | opponent)
    var result: UInt64 = 0
    for dir in 0..<8 {
      var x = shift(own, dir) & opponent
      for _ in 0..<5 { x |= shift(x, dir) & opponent }
      result |= shift(x, dir) & empty
    }
    return result
  }

  /// Discs flipped by `own` playing on `square`.
  static func flips(own: UInt64, opponent: UInt64, square: Int) -> UInt64 {
    let start = UInt64(1) << square
    var flipped: UInt64 = 0
    for dir in 0..<8 {
      var line: UInt64 = 0
      var x = shift(start, dir)
      while x & opponent != 0 {
        line |= x
        x = shift(x, dir)
      }
      if x & own != 0 { flipped |= line }
    }
    return flipped
  }

  public func legalActions(into actions: inout [Action]) {
    actions.removeAll(keepingCapacity: true)
    if isTerminal { return }
    if moves == 0 { actions.append(Othello.pass); return }
    var m = moves
    while m != 0 {
      actions.append(m.trailingZeroBitCount)
      m &= m &- 1
    }
  }

  public func isLegal(_ action: Action) -> Bool {
    if isTerminal { return false }
    if action == Othello.pass { return moves == 0 }
    return (0..<64).contains(action) && moves >> action & 1 == 1
  }

  public mutating func apply(_ action: Action) {
    assert(isLegal(action), "illegal othello action \(action)")
    let me = currentPlayer.rawValue
    if action != Othello.pass {
      let flipped = Self.flips(own: own, opponent: opponent, square: action)
      let placed = UInt64(1) << action
      if currentPlayer == .first {
        discs.0 |= placed | flipped
        discs.1 &= ~flipped
      } else {
        discs.1 |= placed | flipped
        discs.0 &= ~flipped
      }
      positionHash ^= Zobrist.key(cell: action, piece: me)
      var f = flipped
      while f != 0 {
        let sq = f.trailingZeroBitCount
        positionHash ^= Zobrist.key(cell: sq, piece: 0) ^ Zobrist.key(cell: sq, piece: 1)
        f &= f &- 1
      }
      lastSquare = Int8(action)
    } else {
      lastSquare = -1
    }
    currentPlayer = currentPlayer.opponent
    positionHash ^= Zobrist.secondToMove
    plyCount += 1
    moves = Self.moves(own: own, opponent: opponent)
    isTerminal = moves == 0 && Self.moves(own: opponent, opponent: own) == 0
  }

  public func outcome(for player: Player) -> Float? {
    guard isTerminal else { return nil }
    let mine = discCount(player), theirs = discCount(player.opponent)
    return mine > theirs ? 1 : mine < theirs ? -1 : 0
  }

  public func writeObservation(into buffer: UnsafeMutableBufferPointer<Float>) {
    writeStandardPlanes(into: buffer, cellCount: 64, firstToMove: currentPlayer == .first,
                        owner: owner(ofSquare:), toMove: currentPlayer)
  }
}
