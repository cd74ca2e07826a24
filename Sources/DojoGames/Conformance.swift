// The conformance check every game passes. It plays seeded random games and checks, at every
// position, what the protocol promises. It never stops at the first failure: it returns every
// violation, each with the moves that reproduce it.

/// One broken promise, with the moves (in notation) that lead to the position where it was seen.
public struct Violation: Sendable, Equatable, CustomStringConvertible {
  public let game: String
  public let check: String
  public let detail: String
  public let moves: [String]

  public var description: String {
    "\(game): \(check): \(detail)" + (moves.isEmpty ? " (at the start)" : " after moves " + moves.joined(separator: " "))
  }
}

public struct ConformanceOptions: Sendable {
  /// Random games to play.
  public var gameCount = 100
  /// The seed of those games.
  public var seed: UInt64 = 1
  /// At most this many violations are kept per check (the rest are counted in `Conformance.Report`).
  public var maxPerCheck = 5

  public init(gameCount: Int = 100, seed: UInt64 = 1) {
    self.gameCount = gameCount
    self.seed = seed
  }
}

public struct ConformanceReport: Sendable {
  public let game: String
  public let gameCount: Int
  public let positionCount: Int
  public let violations: [Violation]
  /// Violations seen per check, including those not kept.
  public let countsByCheck: [String: Int]
  public var passed: Bool { violations.isEmpty }
}

/// Checks `game` against the protocol's promises; see `ConformanceReport`.
public func checkConformance<G: Game>(_ game: G, options: ConformanceOptions = ConformanceOptions()) -> ConformanceReport {
  var checker = ConformanceChecker(game: game, options: options)
  checker.run()
  return ConformanceReport(game: game.name, gameCount: options.gameCount, positionCount: checker.positions,
                           violations: checker.violations, countsByCheck: checker.counts)
}

/// Checks the game named `spec` (through the registry, so the name must round-trip too).
public func checkConformance(spec: String, options: ConformanceOptions = ConformanceOptions()) throws(GameSpecError) -> ConformanceReport {
  let game = try GameRegistry.make(spec)
  return checkConformance(game, options: options)
}

struct ConformanceChecker<G: Game> {
  let game: G
  let options: ConformanceOptions
  var violations: [Violation] = []
  var counts: [String: Int] = [:]
  var positions = 0
  /// Hash seen for each distinct position: equal positions must hash equal.
  var hashes: [G.State: UInt64] = [:]

  init(game: G, options: ConformanceOptions) {
    self.game = game
    self.options = options
  }

  mutating func fail(_ check: String, _ detail: String, _ history: [Action]) {
    counts[check, default: 0] += 1
    guard counts[check]! <= options.maxPerCheck else { return }
    violations.append(Violation(game: game.name, check: check, detail: detail, moves: history.map(game.notation(of:))))
  }

  mutating func run() {
    checkStaticFacts()
    var rng = SplitMix64(seed: options.seed)
    let symmetries = game.symmetries
    for _ in 0..<options.gameCount {
      var state = game.initialState()
      var history: [Action] = []
      var actions: [Action] = []
      while true {
        positions += 1
        checkPosition(state, history, &actions, symmetries)
        if state.isTerminal || actions.isEmpty { break }
        if history.count >= game.maxLength {
          fail("length", "the game is longer than maxLength \(game.maxLength)", history)
          break
        }
        let action = actions[rng.next(below: actions.count)]
        checkApplyLeavesCopy(state, action, history)
        state.apply(action)
        history.append(action)
        if state.plyCount != history.count {
          fail("ply count", "plyCount is \(state.plyCount) after \(history.count) plies", history)
        }
      }
      checkTerminal(state, history)
      checkReplay(state, history)
      checkSymmetries(history, symmetries)
    }
  }

  mutating func checkStaticFacts() {
    let s = game.observationShape
    if game.actionCount <= 0 { fail("static facts", "actionCount \(game.actionCount) is not positive", []) }
    if s.planes <= 0 || s.rows <= 0 || s.columns <= 0 { fail("static facts", "observation shape \(s) has an empty side", []) }
    if game.maxLength <= 0 { fail("static facts", "maxLength \(game.maxLength) is not positive", []) }
    if let again = try? GameRegistry.make(game.name) {
      if again.name != game.name { fail("name", "'\(game.name)' makes a game named '\(again.name)'", []) }
    } else {
      fail("name", "'\(game.name)' is not a name the registry accepts", [])
    }
    for a in 0..<game.actionCount {
      let text = game.notation(of: a)
      if game.action(fromNotation: text) != a {
        fail("notation", "action \(a) is written '\(text)', which reads back as \(String(describing: game.action(fromNotation: text)))", [])
      }
      if game.action(fromNotation: "  " + text.uppercased() + " ") != a {
        fail("notation", "'\(text)' in capitals with spaces around is not read back", [])
      }
    }
    for junk in ["", "zz99", "-1", "0", "#", "a", "999"] {
      if let a = game.action(fromNotation: junk), !(0..<game.actionCount).contains(a) {
        fail("notation", "'\(junk)' reads as out-of-range action \(a)", [])
      }
    }
  }

  mutating func checkPosition(_ state: G.State, _ history: [Action], _ actions: inout [Action], _ symmetries: [Symmetry]) {
    state.legalActions(into: &actions)
    // Legal actions: sorted, unique, in range, agreeing with isLegal, empty exactly at the end.
    if !zip(actions, actions.dropFirst()).allSatisfy({ $0 < $1 }) {
      fail("legal actions", "not sorted ascending and unique: \(actions)", history)
    }
    if let bad = actions.first(where: { !(0..<game.actionCount).contains($0) }) {
      fail("legal actions", "action \(bad) is out of range 0..<\(game.actionCount)", history)
    }
    let legal = Set(actions)
    for a in -1...game.actionCount where state.isLegal(a) != legal.contains(a) {
      fail("legal mask", "isLegal(\(a)) is \(state.isLegal(a)) but the list \(legal.contains(a) ? "has" : "lacks") it", history)
    }
    if state.isTerminal != actions.isEmpty {
      fail("legal actions", "terminal is \(state.isTerminal) with \(actions.count) legal actions", history)
    }
    if !state.isTerminal, state.outcome(for: .first) != nil {
      fail("outcome", "an unfinished game has an outcome", history)
    }
    // Equal positions hash equal, whatever the move order.
    if let seen = hashes[state], seen != state.positionHash {
      fail("hash", "an equal position reached another way hashed \(seen), now \(state.positionHash)", history)
    } else if hashes.count < 200_000 {
      hashes[state] = state.positionHash
    }
    checkObservation(state, history)
    let drawing = game.drawing(of: state)
    if drawing.cells.count != drawing.rowLabels.count || drawing.cells.contains(where: { $0.count != drawing.columnLabels.count }) {
      fail("drawing", "the drawn board's labels do not match its cells", history)
    }
  }

  mutating func checkObservation(_ state: G.State, _ history: [Action]) {
    let n = game.observationShape.count
    let sentinel: Float = 12345
    var buffer = [Float](repeating: .nan, count: n + 8)
    for i in n..<(n + 8) { buffer[i] = sentinel }
    buffer.withUnsafeMutableBufferPointer { state.writeObservation(into: UnsafeMutableBufferPointer(rebasing: $0[0..<n])) }
    if let i = buffer[0..<n].firstIndex(where: { !$0.isFinite }) {
      fail("observation", "value \(i) is not finite (left unwritten?)", history)
    }
    if buffer[n...].contains(where: { $0 != sentinel }) {
      fail("observation", "writes past its declared size \(n)", history)
    }
  }

  mutating func checkApplyLeavesCopy(_ state: G.State, _ action: Action, _ history: [Action]) {
    let copy = state
    let hash = state.positionHash
    let next = copy.applying(action)
    if copy != state || copy.positionHash != hash {
      fail("value semantics", "applying an action to a copy changed the original", history)
    }
    if next == state && !state.isTerminal {
      fail("apply", "playing \(game.notation(of: action)) left the position unchanged", history)
    }
  }

  mutating func checkTerminal(_ state: G.State, _ history: [Action]) {
    guard state.isTerminal else {
      fail("terminal", "the game stopped without being over", history)
      return
    }
    guard let a = state.outcome(for: .first), let b = state.outcome(for: .second) else {
      fail("outcome", "a finished game has no outcome", history)
      return
    }
    if ![-1, 0, 1].contains(a) || ![-1, 0, 1].contains(b) {
      fail("outcome", "outcomes \(a), \(b) are not in {-1, 0, +1}", history)
    }
    if a + b != 0 { fail("outcome", "outcomes \(a) and \(b) do not sum to zero", history) }
    if history.count > game.maxLength { fail("length", "\(history.count) plies exceed maxLength \(game.maxLength)", history) }
  }

  mutating func checkReplay(_ final: G.State, _ history: [Action]) {
    var state = game.initialState()
    for a in history { state.apply(a) }
    if state != final || state.positionHash != final.positionHash {
      fail("replay", "replaying the moves gives a different state or hash", history)
    }
    if let again = try? game.state(afterMoves: history.map(game.notation(of:))), again != final {
      fail("replay", "replaying the moves in notation gives a different state", history)
    }
  }

  /// Each symmetry is a permutation; where the initial position is symmetric under it, the game
  /// replayed with mapped actions must show the mapped observation and the mapped legal actions.
  mutating func checkSymmetries(_ history: [Action], _ symmetries: [Symmetry]) {
    let cells = game.observationShape.cellCount
    if symmetries.first.map({ $0.cellMap != (0..<cells).map(Int32.init) || $0.actionMap != (0..<game.actionCount).map(Int32.init) }) ?? true {
      fail("symmetry", "symmetry 0 is not the identity", [])
      return
    }
    let start = game.initialState()
    let startObservation = game.observation(of: start)
    for s in symmetries {
      guard s.cellMap.count == cells, s.actionMap.count == game.actionCount,
        Set(s.cellMap).count == cells, Set(s.actionMap).count == game.actionCount,
        s.cellMap.allSatisfy({ (0..<cells).contains(Int($0)) }),
        s.actionMap.allSatisfy({ (0..<game.actionCount).contains(Int($0)) })
      else {
        fail("symmetry", "\(s.name) is not a permutation of cells and actions", [])
        continue
      }
      guard s.transform(observation: startObservation) == startObservation else { continue }
      var state = game.initialState()
      var mapped = game.initialState()
      var done: [Action] = []
      for a in history {
        let b = Int(s.actionMap[a])
        guard mapped.isLegal(b) else {
          fail("symmetry", "\(s.name) maps legal \(game.notation(of: a)) to illegal \(game.notation(of: b))", done)
          break
        }
        state.apply(a)
        mapped.apply(b)
        done.append(a)
        let mask = game.legalMask(of: state).map { $0 ? Float(1) : 0 }
        let mappedMask = game.legalMask(of: mapped).map { $0 ? Float(1) : 0 }
        if s.transform(observation: game.observation(of: state)) != game.observation(of: mapped)
          || s.transform(policy: mask) != mappedMask {
          fail("symmetry", "\(s.name) of the observation or mask differs from the mapped game's", done)
          break
        }
      }
    }
  }
}
