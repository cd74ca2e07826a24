import Testing
@testable import DojoGames

/// Every registered game at its defaults, plus parameter variants that take other code paths.
let conformanceSpecs: [String] = GameRegistry.entries.map(\.defaultSpec) + [
  "connect_four(rows=4,columns=5)", "connect_four(rows=10,columns=11)",  // the UInt128 board
  "hex(size=5,swap=true)", "gomoku(size=9,rule=freestyle)", "gomoku(size=9)",
]

@Test("every registered game passes the conformance check", arguments: conformanceSpecs)
func registeredGameConforms(spec: String) throws {
  let seed: UInt64 = 20261122
  let report = try checkConformance(spec: spec, options: ConformanceOptions(gameCount: 60, seed: seed))
  #expect(report.positionCount > 60)
  #expect(report.violations.isEmpty, "seed \(seed): \(report.violations.map(\.description).joined(separator: "\n"))")
}

/// Tic-tac-toe with three planted bugs: unsorted legal actions, a hash that ignores the move order
/// protection (it hashes the ply count into a state that is otherwise compared by stones), and an
/// observation that leaves one value unwritten.
struct BrokenTicTacToe: Game {
  struct State: GameState {
    var inner = TicTacToeState()
    var order: [Action] = []
    static func == (a: Self, b: Self) -> Bool { a.inner == b.inner }
    func hash(into h: inout Hasher) { h.combine(inner.positionHash) }
    var currentPlayer: Player { inner.currentPlayer }
    var plyCount: Int { inner.plyCount }
    var isTerminal: Bool { inner.isTerminal }
    var positionHash: UInt64 { order.reduce(0) { $0 &* 31 &+ UInt64($1) } }  // depends on move order
    func legalActions(into actions: inout [Action]) {
      inner.legalActions(into: &actions)
      actions.reverse()
    }
    func isLegal(_ a: Action) -> Bool { inner.isLegal(a) }
    mutating func apply(_ a: Action) { inner.apply(a); order.append(a) }
    func outcome(for p: Player) -> Float? { inner.outcome(for: p) }
    func writeObservation(into buffer: UnsafeMutableBufferPointer<Float>) {
      inner.writeObservation(into: buffer)
      buffer[4] = .nan
    }
  }
  var name: String { "tic_tac_toe" }
  var actionCount: Int { 9 }
  var observationShape: ObservationShape { TicTacToe().observationShape }
  var maxLength: Int { 9 }
  var symmetries: [Symmetry] { TicTacToe().symmetries }
  func initialState() -> State { State() }
  func notation(of action: Action) -> String { TicTacToe().notation(of: action) }
  func action(fromNotation text: String) -> Action? { TicTacToe().action(fromNotation: text) }
  func drawing(of state: State) -> DrawnBoard { TicTacToe().drawing(of: state.inner) }
}

@Test func conformanceCatchesEveryPlantedBug() {
  let report = checkConformance(BrokenTicTacToe(), options: ConformanceOptions(gameCount: 50, seed: 7))
  let checks = Set(report.violations.map(\.check))
  #expect(checks.contains("legal actions"), "unsorted actions not caught: \(checks)")
  #expect(checks.contains("hash"), "move-order-dependent hash not caught: \(checks)")
  #expect(checks.contains("observation"), "unwritten observation not caught: \(checks)")
  // Every violation names the moves that reproduce it, in notation.
  #expect(report.violations.filter { $0.check == "hash" }.allSatisfy { !$0.moves.isEmpty })
}

/// A Connect Four whose symmetry maps columns the wrong way: caught by the replay check.
struct BadMirrorConnectFour: Game {
  let inner = ConnectFour<UInt64>()
  var name: String { inner.name }
  var actionCount: Int { 7 }
  var observationShape: ObservationShape { inner.observationShape }
  var maxLength: Int { 42 }
  var symmetries: [Symmetry] {
    let good = inner.symmetries
    return [good[0], Symmetry(name: "bad", cellMap: good[1].cellMap, actionMap: (0..<7).map { Int32(($0 + 1) % 7) })]
  }
  func initialState() -> ConnectFourState<UInt64> { inner.initialState() }
  func notation(of action: Action) -> String { inner.notation(of: action) }
  func action(fromNotation text: String) -> Action? { inner.action(fromNotation: text) }
  func drawing(of state: ConnectFourState<UInt64>) -> DrawnBoard { inner.drawing(of: state) }
}

@Test func conformanceCatchesInconsistentSymmetry() {
  let report = checkConformance(BadMirrorConnectFour(), options: ConformanceOptions(gameCount: 5, seed: 3))
  #expect(report.violations.contains { $0.check == "symmetry" })
}
