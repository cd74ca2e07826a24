// Go on an n×n board (n = 5...19) with Tromp–Taylor rules: area scoring (a player's stones plus the
// empty points that reach only that player's stones), positional superko (no move may recreate a
// board seen before in the game, checked through the board's Zobrist hash), suicide forbidden. The
// game ends after two passes in a row, or at the length limit (2·n² plies), and is then scored.
// Black (the first player) moves first; White gets `komi` points. Notation as GTP's: column letters
// from the left without `i`, row numbers from the bottom (`d4`), and `pass`.

public struct Go: Game {
  public typealias State = GoState

  public let size: Int
  /// White's compensation in points: a multiple of 0.5.
  public let komi: Double

  public init(size: Int = 9, komi: Double = 7) {
    precondition((5...19).contains(size), "go size must be 5...19")
    precondition((komi * 2).rounded() == komi * 2, "komi must be a multiple of 0.5")
    self.size = size
    self.komi = komi
  }

  /// `komi` as written in names and SGF: `7`, `7.5`, `-0.5`.
  public static func text(ofKomi komi: Double) -> String {
    komi == komi.rounded() ? String(Int(komi)) : String(komi)
  }

  public var name: String { "go(size=\(size),komi=\(Go.text(ofKomi: komi)))" }
  public var pass: Action { size * size }
  public var passAction: Action? { pass }
  public func fillsOwnEye(_ action: Action, in state: GoState) -> Bool { action != pass && state.isOwnEye(action) }
  public var actionCount: Int { size * size + 1 }
  /// Planes, from the side to move's point of view: 0 its stones, 1 the opponent's, 2 all ones when
  /// Black is to move, 3 the empty points where it may not play (superko, which covers ko, or
  /// suicide), 4 the last move's point, 5 its stones in atari (one liberty), 6 the opponent's.
  public var observationShape: ObservationShape { ObservationShape(planes: 7, rows: size, columns: size) }
  public var maxLength: Int { 2 * size * size }
  public var symmetries: [Symmetry] { Symmetry.square(size: size, actionCount: actionCount) }

  public func initialState() -> GoState { GoState(size: size, komi: komi, maxLength: maxLength) }

  /// GTP's column letters: no `i`.
  static let columnLetters = Array("abcdefghjklmnopqrst")
  public func columnLabel(_ c: Int) -> String { String(Go.columnLetters[c]) }
  public func rowLabel(_ r: Int) -> String { String(size - r) }

  public func notation(of action: Action) -> String {
    action == pass ? "pass" : columnLabel(action % size) + rowLabel(action / size)
  }

  public func action(fromNotation text: String) -> Action? {
    let t = text.normalizedMove
    if t == "pass" { return pass }
    guard let first = t.first, let c = Go.columnLetters.firstIndex(of: first), c < size,
      t.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(t.dropFirst()), (1...size).contains(n)
    else { return nil }
    return (size - n) * size + c
  }

  public func drawing(of state: GoState) -> DrawnBoard {
    let n = size
    let cells = (0..<n).map { r in
      (0..<n).map { c -> DrawnBoard.Mark in state.owner(ofPoint: r * n + c).map { .stone($0) } ?? .empty }
    }
    var caption = standardCaption(state, names: ["black (X)", "white (O)"])
    let score = state.areaScore
    caption += "   area: X \(score.black) – O \(score.white), komi \(Go.text(ofKomi: komi))"
    if state.isTerminal { caption += "   " + state.resultText }
    return DrawnBoard(
      cells: cells, columnLabels: (0..<n).map(columnLabel), rowLabels: (0..<n).map(rowLabel),
      glyphs: ["X", "O"], lastMove: state.lastMove >= 0 && Int(state.lastMove) < n * n ? (Int(state.lastMove) / n, Int(state.lastMove) % n) : nil,
      caption: caption)
  }
}

public struct GoState: GameState {
  @usableFromInline let size: Int
  /// Komi × 2 (an integer).
  @usableFromInline let komiHalves: Int
  @usableFromInline let maxLength: Int
  /// 0 empty, 1 Black, 2 White; row-major from the top-left.
  @usableFromInline var board: [UInt8]
  public private(set) var plyCount = 0
  /// Passes in a row just played.
  public private(set) var passes = 0
  /// The Zobrist hash of the stones alone (what superko compares).
  public private(set) var boardHash: UInt64 = 0
  /// The board hash of every position so far, the current one included.
  @usableFromInline var seen: [UInt64] = [0]
  /// The last action played (a point, or the pass), -1 before the first.
  public private(set) var lastMove: Int16 = -1

  init(size: Int, komi: Double, maxLength: Int) {
    self.size = size
    komiHalves = Int((komi * 2).rounded())
    self.maxLength = maxLength
    board = [UInt8](repeating: 0, count: size * size)
  }

  /// A position given by its stones (`"X"` Black, `"O"` White, `"."` empty; rows from the top,
  /// spaces ignored), with the side to move; its history is the empty board and this one.
  public init(game: Go, rows: [String], toMove: Player) {
    self.init(size: game.size, komi: game.komi, maxLength: game.maxLength)
    let cells = rows.joined().filter { !$0.isWhitespace }
    precondition(cells.count == size * size, "\(cells.count) points given for a \(size)×\(size) board")
    for (i, ch) in cells.enumerated() where ch != "." {
      board[i] = ch == "X" ? 1 : 2
      boardHash ^= Zobrist.key(cell: i, piece: Int(board[i]) - 1)
    }
    seen.append(boardHash)
    if toMove == .second { plyCount = 1 }
  }

  public static func == (a: Self, b: Self) -> Bool {
    a.board == b.board && a.plyCount == b.plyCount && a.passes == b.passes && a.seen == b.seen && a.komiHalves == b.komiHalves
  }
  public func hash(into h: inout Hasher) { h.combine(positionHash) }

  public var currentPlayer: Player { plyCount & 1 == 0 ? .first : .second }
  public var positionHash: UInt64 { boardHash ^ (plyCount & 1 == 1 ? Zobrist.secondToMove : 0) }
  public var isTerminal: Bool { passes >= 2 || plyCount >= maxLength }
  var pass: Action { size * size }

  public func owner(ofPoint i: Int) -> Player? { board[i] == 0 ? nil : Player(rawValue: Int(board[i]) - 1) }

  /// Whether the empty point `p` is an eye of the side to move, in Monte-Carlo Go's playout sense:
  /// every on-board neighbour is its stone, and the opponent holds at most one diagonal point (none
  /// on the edge or in a corner), so the opponent can never fill it and filling it only loses a
  /// liberty. (A false eye by this rule is rare; a true eye is never missed.)
  public func isOwnEye(_ p: Int) -> Bool {
    guard board[p] == 0 else { return false }
    let mine = UInt8(currentPlayer.rawValue + 1), theirs = 3 - mine
    var surrounded = true
    forEachNeighbour(p) { if board[$0] != mine { surrounded = false } }
    guard surrounded else { return false }
    let r = p / size, c = p - r * size
    var opponent = 0, offBoard = 0
    for (dr, dc) in [(-1, -1), (-1, 1), (1, -1), (1, 1)] {
      let rr = r + dr, cc = c + dc
      if rr < 0 || rr >= size || cc < 0 || cc >= size { offBoard += 1 } else if board[rr * size + cc] == theirs { opponent += 1 }
    }
    return opponent + (offBoard > 0 ? 1 : 0) < 2
  }

  // MARK: groups

  /// Calls `body` with each on-board neighbour of `p`.
  @inline(__always) func forEachNeighbour(_ p: Int, _ body: (Int) -> Void) {
    let r = p / size, c = p - r * size
    if r > 0 { body(p - size) }
    if r < size - 1 { body(p + size) }
    if c > 0 { body(p - 1) }
    if c < size - 1 { body(p + 1) }
  }

  /// Scratch space for flood fills: a mark per point and a stack, on the stack (no allocation).
  @inline(__always) func withScratch<R>(_ body: (UnsafeMutableBufferPointer<Int16>, UnsafeMutableBufferPointer<Int16>) -> R) -> R {
    let n = size * size
    return withUnsafeTemporaryAllocation(of: Int16.self, capacity: n) { marks in
      marks.initialize(repeating: 0)
      return withUnsafeTemporaryAllocation(of: Int16.self, capacity: n) { stack in body(marks, stack) }
    }
  }

  /// The group of the stone at `q`: marks its stones with `mark`, counts its liberties other than
  /// `except` (up to 2 distinct ones are told apart; more count as 2), and the XOR of its stones' keys.
  func explore(_ q: Int, except: Int, mark: Int16, marks: UnsafeMutableBufferPointer<Int16>, stack: UnsafeMutableBufferPointer<Int16>)
    -> (liberties: Int, hash: UInt64)
  {
    let colour = board[q]
    var top = 0, liberties = 0, firstLiberty = -1, hash: UInt64 = 0
    marks[q] = mark
    stack[0] = Int16(q)
    top = 1
    while top > 0 {
      top -= 1
      let s = Int(stack[top])
      hash ^= Zobrist.key(cell: s, piece: Int(colour) - 1)
      forEachNeighbour(s) { t in
        let v = board[t]
        if v == 0 {
          if t != except && liberties < 2 && t != firstLiberty {
            liberties += 1
            firstLiberty = t
          }
        } else if v == colour && marks[t] != mark {
          marks[t] = mark
          stack[top] = Int16(t)
          top += 1
        }
      }
    }
    return (liberties, hash)
  }

  /// The board hash after the side to move plays `p`, or nil when `p` is occupied or suicide.
  func hashAfterPlaying(_ p: Int) -> UInt64? {
    guard board[p] == 0 else { return nil }
    let colour = UInt8(currentPlayer.rawValue + 1)
    return withScratch { marks, stack -> UInt64? in
      var breathes = false, captured: UInt64 = 0, mark: Int16 = 0
      forEachNeighbour(p) { q in
        let v = board[q]
        if v == 0 {
          breathes = true
        } else if marks[q] == 0 {
          mark += 1
          let group = explore(q, except: p, mark: mark, marks: marks, stack: stack)
          if v == colour {
            if group.liberties > 0 { breathes = true }
          } else if group.liberties == 0 {
            captured ^= group.hash
            breathes = true
          }
        }
      }
      return breathes ? boardHash ^ Zobrist.key(cell: p, piece: Int(colour) - 1) ^ captured : nil
    }
  }

  // MARK: the protocol

  public func isLegal(_ action: Action) -> Bool {
    guard !isTerminal, action >= 0, action <= pass else { return false }
    if action == pass { return true }
    guard let next = hashAfterPlaying(action) else { return false }
    return !seen.contains(next)
  }

  public func legalActions(into actions: inout [Action]) {
    actions.removeAll(keepingCapacity: true)
    guard !isTerminal else { return }
    for p in 0..<(size * size) where board[p] == 0 && isLegal(p) { actions.append(p) }
    actions.append(pass)
  }

  public mutating func apply(_ action: Action) {
    assert(isLegal(action), "illegal move \(action)")
    plyCount += 1
    lastMove = Int16(action)
    guard action != size * size else {
      passes += 1
      seen.append(boardHash)
      return
    }
    passes = 0
    let colour = UInt8(2 - plyCount & 1)  // the player who just moved: Black after an odd ply count
    board[action] = colour
    boardHash ^= Zobrist.key(cell: action, piece: Int(colour) - 1)
    // Remove the opponent's neighbouring groups left without a liberty.
    var removals: [Int] = []
    withScratch { marks, stack in
      var mark: Int16 = 0
      forEachNeighbour(action) { q in
        guard board[q] != 0, board[q] != colour, marks[q] == 0 else { return }
        mark += 1
        if explore(q, except: -1, mark: mark, marks: marks, stack: stack).liberties == 0 { removals.append(q) }
      }
    }
    for q in removals where board[q] != 0 { removeGroup(at: q) }
    seen.append(boardHash)
  }

  mutating func removeGroup(at q: Int) {
    let colour = board[q]
    var stack = [q]
    board[q] = 0
    while let s = stack.popLast() {
      boardHash ^= Zobrist.key(cell: s, piece: Int(colour) - 1)
      forEachNeighbour(s) { t in
        if board[t] == colour {
          board[t] = 0
          stack.append(t)
        }
      }
    }
  }

  // MARK: scoring

  /// Tromp–Taylor area: each player's stones plus the empty points reaching only their stones.
  public var areaScore: (black: Int, white: Int) {
    var black = 0, white = 0
    withScratch { marks, stack in
      for p in 0..<(size * size) {
        switch board[p] {
        case 1: black += 1
        case 2: white += 1
        default:
          guard marks[p] == 0 else { continue }
          // Flood the empty region; note which colours it touches.
          var top = 1, count = 0, touches: UInt8 = 0
          stack[0] = Int16(p)
          marks[p] = 1
          while top > 0 {
            top -= 1
            let s = Int(stack[top])
            count += 1
            forEachNeighbour(s) { t in
              let v = board[t]
              if v == 0 {
                if marks[t] == 0 {
                  marks[t] = 1
                  stack[top] = Int16(t)
                  top += 1
                }
              } else {
                touches |= v
              }
            }
          }
          if touches == 1 { black += count } else if touches == 2 { white += count }
        }
      }
    }
    return (black, white)
  }

  /// Black's margin in half points: area difference less komi.
  public var marginHalves: Int {
    let s = areaScore
    return 2 * (s.black - s.white) - komiHalves
  }

  /// The result as SGF and GTP write it: `B+3.5`, `W+0.5`, `0`.
  public var resultText: String {
    let m = marginHalves
    if m == 0 { return "0" }
    let points = Double(abs(m)) / 2
    return (m > 0 ? "B+" : "W+") + Go.text(ofKomi: points)
  }

  public func outcome(for player: Player) -> Float? {
    guard isTerminal else { return nil }
    let m = marginHalves
    let forBlack: Float = m > 0 ? 1 : m < 0 ? -1 : 0
    return player == .first ? forBlack : -forBlack
  }

  // MARK: observation

  public func writeObservation(into buffer: UnsafeMutableBufferPointer<Float>) {
    let n = size * size
    precondition(buffer.count >= 7 * n, "observation buffer too small")
    let own = UInt8(currentPlayer.rawValue + 1)
    let black: Float = currentPlayer == .first ? 1 : 0
    for p in 0..<n {
      let v = board[p]
      buffer[p] = v == own ? 1 : 0
      buffer[n + p] = v != 0 && v != own ? 1 : 0
      buffer[2 * n + p] = black
      buffer[3 * n + p] = v == 0 && !isTerminal && !isLegal(p) ? 1 : 0
      buffer[4 * n + p] = Int(lastMove) == p ? 1 : 0
      buffer[5 * n + p] = 0
      buffer[6 * n + p] = 0
    }
    withScratch { marks, stack in
      var mark: Int16 = 0
      for p in 0..<n where board[p] != 0 && marks[p] == 0 {
        mark += 1
        guard explore(p, except: -1, mark: mark, marks: marks, stack: stack).liberties == 1 else { continue }
        let plane = board[p] == own ? 5 : 6
        for q in 0..<n where marks[q] == mark && board[q] == board[p] { buffer[plane * n + q] = 1 }
      }
    }
  }
}
