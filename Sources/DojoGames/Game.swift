// The game protocol: static facts (`Game`) kept apart from positions (`GameState`).
//
// Glossary (used across Dojo):
// - game: the rules and their parameters, e.g. `connect_four(rows=6,columns=7)`.
// - state: one position of a game, a value type. Copying a state never shares mutation.
// - action: an integer in `0..<actionCount`; move: an action written in the game's notation.
// - ply: one action applied; `plyCount` counts them from the initial state.
// - outcome / value: always from the point of view of a named player (+1 win, 0 draw, -1 loss).

/// An action: an integer in `0..<game.actionCount`.
public typealias Action = Int

/// The two players. No magic numbers: `.first` moves first.
public enum Player: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  case first = 0
  case second = 1

  @inlinable public var opponent: Player { self == .first ? .second : .first }
  public var description: String { self == .first ? "first" : "second" }
}

/// The shape of an observation: `planes` feature planes of `rows` × `columns`, plane-major.
/// Cell (r, c) of plane p is at index `p * rows * columns + r * columns + c`; row 0 is the top row
/// of the game's drawing.
public struct ObservationShape: Sendable, Hashable, CustomStringConvertible {
  public let planes: Int
  public let rows: Int
  public let columns: Int

  public init(planes: Int, rows: Int, columns: Int) {
    self.planes = planes
    self.rows = rows
    self.columns = columns
  }

  @inlinable public var cellCount: Int { rows * columns }
  @inlinable public var count: Int { planes * rows * columns }
  public var description: String { "\(planes)×\(rows)×\(columns)" }
}

/// Static facts about a game: everything that does not change from one position to the next.
public protocol Game: Sendable {
  associatedtype State: GameState

  /// The canonical name with every parameter written out, e.g. `connect_four(rows=6,columns=7)`.
  /// `GameRegistry.make(name)` gives back an equal game.
  var name: String { get }
  /// Actions are integers in `0..<actionCount`.
  var actionCount: Int { get }
  /// The shape of `GameState.writeObservation(into:)`'s output.
  var observationShape: ObservationShape { get }
  /// No game lasts more than this many plies.
  var maxLength: Int { get }
  /// The symmetries of the rules; index 0 is the identity. 8 for square boards, 2 for Connect Four.
  var symmetries: [Symmetry] { get }

  /// The position every game starts from.
  func initialState() -> State
  /// `action` in the game's usual notation (`d3`, `4`, `pass`). Defined for every action.
  func notation(of action: Action) -> String
  /// The action written as `text` (case and surrounding spaces ignored), or nil if it names none.
  /// Legality in a position is a separate question: see `GameState.isLegal(_:)`.
  func action(fromNotation text: String) -> Action?
  /// The position drawn as a board with coordinates; `DrawnBoard.plainText` or a terminal colours it.
  func drawing(of state: State) -> DrawnBoard
  /// The pass, in games where a player may pass by choice (Go); nil otherwise (the default).
  var passAction: Action? { get }
  /// Whether `action` fills one of the mover's own eyes (Go); such a move never helps in self-play
  /// and a player that passes only when done plays everything else first. False by default.
  func fillsOwnEye(_ action: Action, in state: State) -> Bool
}

extension Game {
  public var passAction: Action? { nil }
  public func fillsOwnEye(_ action: Action, in state: State) -> Bool { false }
}

/// One position. A value type: `apply` changes only the state it is called on.
public protocol GameState: Hashable, Sendable {
  /// The player whose turn it is. Meaningless (but defined) once the game is over.
  var currentPlayer: Player { get }
  /// Plies applied since the initial state.
  var plyCount: Int { get }
  /// True once the game is over; then there are no legal actions.
  var isTerminal: Bool { get }
  /// A Zobrist hash of the position: equal positions (reached by any move order) hash equal.
  var positionHash: UInt64 { get }

  /// Replaces the contents of `actions` with the legal actions, sorted ascending, no duplicates.
  /// Empty exactly when the state is terminal.
  func legalActions(into actions: inout [Action])
  /// Whether `action` is legal here. Agrees with `legalActions(into:)`; false for out-of-range values.
  func isLegal(_ action: Action) -> Bool
  /// Plays a legal action. Playing an illegal one is a programming error (checked in debug builds).
  mutating func apply(_ action: Action)
  /// The result for `player` once the game is over: +1 win, 0 draw, -1 loss; nil before the end.
  func outcome(for player: Player) -> Float?
  /// Writes the observation, from the side to move's point of view, into `buffer`
  /// (`observationShape.count` floats, plane-major; the caller owns the buffer).
  func writeObservation(into buffer: UnsafeMutableBufferPointer<Float>)
}

extension GameState {
  /// A copy with `action` applied.
  @inlinable public func applying(_ action: Action) -> Self {
    var next = self
    next.apply(action)
    return next
  }

  /// The legal actions, sorted ascending (allocates; hot code uses `legalActions(into:)`).
  @inlinable public var legalActions: [Action] {
    var actions: [Action] = []
    legalActions(into: &actions)
    return actions
  }

  /// The winner once the game is over (nil for a draw or an unfinished game).
  public var winner: Player? {
    guard let o = outcome(for: .first), o != 0 else { return nil }
    return o > 0 ? .first : .second
  }
}

extension Game {
  /// The legal-action mask: `mask[a]` is true exactly when `a` is legal.
  public func legalMask(of state: State) -> [Bool] {
    (0..<actionCount).map { state.isLegal($0) }
  }

  /// The observation of `state` as a fresh array (tests and tools; hot code owns its buffer).
  public func observation(of state: State) -> [Float] {
    var out = [Float](repeating: 0, count: observationShape.count)
    out.withUnsafeMutableBufferPointer { state.writeObservation(into: $0) }
    return out
  }

  /// Observations of `count` positions from seeded random games, each stopped after a random number
  /// of plies up to the game's length limit (so every stage of the game is there): what int8
  /// inference calibrates its activation scales on.
  public func randomPositionObservations(count: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    var observations: [Float] = []
    observations.reserveCapacity(count * observationShape.count)
    var found = 0
    while found < count {
      var state = initialState()
      let plies = rng.next(below: max(1, maxLength))
      var ply = 0
      while ply < plies && !state.isTerminal {
        let legal = state.legalActions
        state.apply(legal[rng.next(below: legal.count)])
        ply += 1
      }
      if state.isTerminal { continue }
      observations += observation(of: state)
      found += 1
    }
    return observations
  }

  /// The state after playing `moves` (in notation) from the start, or an error naming the bad move.
  public func state(afterMoves moves: [String]) throws -> State {
    var state = initialState()
    for (i, move) in moves.enumerated() {
      guard let action = action(fromNotation: move) else {
        throw MoveError.unreadable(move: move, ply: i, game: name)
      }
      guard state.isLegal(action) else {
        throw MoveError.illegal(move: move, ply: i, game: name)
      }
      state.apply(action)
    }
    return state
  }
}

/// A move that could not be read or played.
public enum MoveError: Error, Equatable, CustomStringConvertible {
  case unreadable(move: String, ply: Int, game: String)
  case illegal(move: String, ply: Int, game: String)

  public var description: String {
    switch self {
    case let .unreadable(move, ply, game): "'\(move)' (ply \(ply + 1)) is not a move in \(game)"
    case let .illegal(move, ply, game): "'\(move)' (ply \(ply + 1)) is not legal in that position of \(game)"
    }
  }
}
