// A GTP version 2 engine for Go: the commands a GUI (GoGui, Sabaki, Lizzie), a match runner
// (gogui-twogtp) or a server (CGOS) sends, answered by a `GTPBrain` (a search over a network, pure
// MCTS, or any other player). One command in, one reply out; `lz-analyze` streams Leela Zero's
// `info` lines until the next command arrives.

import DojoGames
import Foundation

/// What picks the engine's moves.
public protocol GTPBrain: AnyObject {
  /// Simulations per move when no time budget applies (0: the brain does not search).
  var simulations: Int { get }
  /// The move for the side to move in `state` after `simulations` simulations.
  func move(_ state: GoState, simulations: Int) -> Action
  /// Runs `simulations` more simulations from `state` (continuing its tree when `state` is the root
  /// it searched last) and returns the root's moves; nil when the brain does not search.
  func analyse(_ state: GoState, simulations: Int) -> [GTPMoveInfo]?
}

/// A root move as analysis reports it.
public struct GTPMoveInfo: Sendable, Equatable {
  public var action: Action
  public var visits: Int
  /// The mean value for the side to move, 0…1.
  public var winrate: Float
  public var prior: Float
  /// The expected line, starting with `action`.
  public var pv: [Action]
  public init(action: Action, visits: Int, winrate: Float, prior: Float, pv: [Action]) {
    self.action = action
    self.visits = visits
    self.winrate = winrate
    self.prior = prior
    self.pv = pv
  }
}

public final class GTPEngine {
  public static let commands = [
    "protocol_version", "name", "version", "known_command", "list_commands", "quit", "boardsize", "clear_board", "komi", "play",
    "genmove", "reg_genmove", "undo", "final_score", "final_status_list", "showboard", "time_settings", "time_left", "loadsgf",
    "printsgf", "lz-analyze",
  ]

  public let engineName: String
  public let engineVersion: String
  public private(set) var game: Go
  /// Positions from the first (index 0) to the current, and the moves between them.
  public private(set) var states: [GoState]
  public private(set) var moves: [Action] = []
  let makeBrain: (Go) throws -> any GTPBrain
  var brain: (any GTPBrain)?
  /// Main time, byo-yomi period and stones per period (time_settings); nil: no limit.
  var timeSettings: (main: Double, byoYomi: Double, stones: Int)?
  /// Time left per colour (time_left): seconds, and stones (0: main time).
  var timeLeft: [Player: (seconds: Double, stones: Int)] = [:]
  /// Simulations per second, measured on the moves searched so far.
  var speed: Double?

  /// An engine for `game` whose moves come from `brain(game)` (asked again when the board size or komi changes;
  /// an error there refuses the size).
  public init(name: String = "Dojo", version: String, game: Go, brain: @escaping (Go) throws -> any GTPBrain) {
    engineName = name
    engineVersion = version
    self.game = game
    states = [game.initialState()]
    makeBrain = brain
  }

  public var state: GoState { states[states.count - 1] }

  /// The reply to one line (nil for a line without a command) and whether the engine should quit.
  /// `lz-analyze` writes through `emit` and runs until `interrupted()` (the next command waiting).
  public func handle(_ line: String, emit: (String) -> Void = { _ in }, interrupted: () -> Bool = { true }) -> (reply: String?, quit: Bool) {
    guard let command = GTPCommand(line: line) else { return (nil, false) }
    do {
      let (text, quit) = try run(command, emit: emit, interrupted: interrupted)
      return (text.map { GTP.success(command.id, $0) } ?? "\n", quit)
    } catch {
      return (GTP.failure(command.id, error.message), false)
    }
  }

  struct Failure: Error {
    var message: String
    init(_ message: String) { self.message = message }
  }

  /// The reply's text, nil when it was streamed through `emit` already (only the closing empty line is left).
  func run(_ c: GTPCommand, emit: (String) -> Void, interrupted: () -> Bool) throws(Failure) -> (String?, Bool) {
    let args = c.arguments
    func arguments(_ n: Int, _ usage: String) throws(Failure) {
      guard args.count == n else { throw Failure("syntax error (\(c.name) \(usage))") }
    }
    switch c.name {
    case "protocol_version": return ("2", false)
    case "name": return (engineName, false)
    case "version": return (engineVersion, false)
    case "known_command":
      try arguments(1, "COMMAND")
      return (GTPEngine.commands.contains(args[0]) ? "true" : "false", false)
    case "list_commands": return (GTPEngine.commands.joined(separator: "\n"), false)
    case "quit": return ("", true)
    case "boardsize":
      try arguments(1, "SIZE")
      guard let n = Int(args[0]) else { throw Failure("syntax error (boardsize SIZE)") }
      guard (5...19).contains(n) else { throw Failure("unacceptable size") }
      try setGame(Go(size: n, komi: game.komi), keepMoves: false, refusal: "unacceptable size")
      return ("", false)
    case "clear_board":
      try arguments(0, "")
      states = [game.initialState()]
      moves = []
      return ("", false)
    case "komi":
      try arguments(1, "KOMI")
      guard let k = Double(args[0]), k.isFinite else { throw Failure("syntax error (komi KOMI)") }
      guard (k * 2).rounded() == k * 2, abs(k) <= Double(game.size * game.size) else {
        throw Failure("komi \(args[0]) is not a multiple of 0.5 within the board's area")
      }
      try setGame(Go(size: game.size, komi: k), keepMoves: true, refusal: "komi not accepted")
      return ("", false)
    case "play":
      try arguments(2, "COLOR VERTEX")
      guard let colour = GTP.colour(args[0]) else { throw Failure("invalid color '\(args[0])'") }
      guard let a = GTP.action(args[1], in: game) else { throw Failure("invalid coordinate '\(args[1])'") }
      try play(a, by: colour)
      return ("", false)
    case "genmove", "reg_genmove":
      try arguments(1, "COLOR")
      guard let colour = GTP.colour(args[0]) else { throw Failure("invalid color '\(args[0])'") }
      let position = try positionWithMover(colour)
      let brain = try currentBrain()
      let a = brain.simulations > 0 ? timed { brain.move(position, simulations: budget(for: colour, in: position)) } : brain.move(position, simulations: 0)
      guard position.isLegal(a) else { throw Failure("the engine chose an illegal move \(GTP.vertex(a, in: game))") }
      if c.name == "genmove" { try play(a, by: colour) }
      return (GTP.vertex(a, in: game), false)
    case "undo":
      try arguments(0, "")
      guard states.count > 1 else { throw Failure("cannot undo") }
      states.removeLast()
      moves.removeLast()
      return ("", false)
    case "final_score":
      try arguments(0, "")
      return (state.resultText, false)
    case "final_status_list":
      try arguments(1, "STATUS")
      switch args[0] {
      // Tromp–Taylor: every stone on the board counts, none is dead.
      case "dead", "seki": return ("", false)
      case "alive":
        let stones = (0..<(game.size * game.size)).filter { state.owner(ofPoint: $0) != nil }.map { GTP.vertex($0, in: game) }
        return (stones.joined(separator: " "), false)
      default: throw Failure("syntax error (final_status_list alive|dead|seki)")
      }
    case "showboard":
      try arguments(0, "")
      return ("\n" + board(), false)
    case "time_settings":
      try arguments(3, "MAIN_TIME BYO_YOMI_TIME BYO_YOMI_STONES")
      guard let m = Double(args[0]), let b = Double(args[1]), let s = Int(args[2]), m >= 0, b >= 0, s >= 0, m.isFinite, b.isFinite else {
        throw Failure("syntax error (time_settings MAIN_TIME BYO_YOMI_TIME BYO_YOMI_STONES)")
      }
      // Byo-yomi time with no stones means no time limit.
      timeSettings = b > 0 && s == 0 ? nil : (m, b, s)
      timeLeft = [:]
      return ("", false)
    case "time_left":
      try arguments(3, "COLOR TIME STONES")
      guard let colour = GTP.colour(args[0]) else { throw Failure("invalid color '\(args[0])'") }
      guard let t = Double(args[1]), let s = Int(args[2]), t >= 0, s >= 0, t.isFinite else { throw Failure("syntax error (time_left COLOR TIME STONES)") }
      timeLeft[colour] = (t, s)
      return ("", false)
    case "loadsgf":
      guard args.count == 1 || args.count == 2 else { throw Failure("syntax error (loadsgf FILE [MOVE_NUMBER])") }
      try loadSGF(args[0], moveNumber: args.count == 2 ? Int(args[1]) : nil)
      return ("", false)
    case "printsgf":
      guard args.isEmpty else { throw Failure("syntax error (printsgf)") }
      let sgf = SGF.record(game: game, moves: moves.map { SGF.Move(action: $0) }, black: "", white: "",
                           result: state.isTerminal ? SGF.Result(outcomeForFirst: state.outcome(for: .first) ?? 0) : nil)!
      return (sgf.trimmingCharacters(in: .whitespacesAndNewlines), false)
    case "lz-analyze":
      try analyse(args, id: c.id, emit: emit, interrupted: interrupted)
      return (nil, false)
    default:
      throw Failure("unknown command")
    }
  }

  // MARK: moves and positions

  func setGame(_ g: Go, keepMoves: Bool, refusal: String) throws(Failure) {
    // Controllers repeat boardsize and komi before every game: the brain (a checkpoint read from
    // disk) is made again only when the game changes.
    if brain == nil || g.name != game.name {
      do { brain = try makeBrain(g) } catch { throw Failure("\(refusal): \(error)") }
    }
    game = g
    var s = g.initialState()
    var kept: [GoState] = [s]
    if keepMoves {
      for a in moves {
        s.apply(a)
        kept.append(s)
      }
    } else {
      moves = []
    }
    states = kept
  }

  func currentBrain() throws(Failure) -> any GTPBrain {
    if let brain { return brain }
    do { brain = try makeBrain(game) } catch { throw Failure("no player for \(game.name): \(error)") }
    return brain!
  }

  /// The current position with `colour` to move: a pass is put in for the other side when it is not
  /// (GTP lets either colour move at any time), unless that pass would end the game.
  func positionWithMover(_ colour: Player) throws(Failure) -> GoState {
    guard !state.isTerminal else { throw Failure("the game has ended (\(state.passes >= 2 ? "two passes" : "length limit"))") }
    if state.currentPlayer == colour { return state }
    guard state.passes == 0 else { throw Failure("\(GTP.name(of: colour)) cannot move twice: a pass in between would end the game") }
    return state.applying(game.pass)
  }

  func play(_ a: Action, by colour: Player) throws(Failure) {
    var s = try positionWithMover(colour)
    guard s.isLegal(a) else { throw Failure("illegal move") }
    if s.plyCount > state.plyCount {  // the pass put in
      moves.append(game.pass)
      states.append(s)
    }
    s.apply(a)
    moves.append(a)
    states.append(s)
  }

  func loadSGF(_ path: String, moveNumber: Int?) throws(Failure) {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw Failure("cannot read \(path)") }
    do {
      let root = try SGF.mainLine(text).first ?? []
      let size = root.first { $0.name == "SZ" }.flatMap { Int($0.values[0]) } ?? 19
      let komi = root.first { $0.name == "KM" }.flatMap { Double($0.values[0]) } ?? game.komi
      guard (5...19).contains(size) else { throw Failure("\(path): board size \(size) is not 5–19") }
      let g = Go(size: size, komi: (komi * 2).rounded() / 2)
      let read = try SGF.moves(text, game: g)
      try setGame(g, keepMoves: false, refusal: "cannot play \(g.name)")
      var s = g.initialState()
      states = [s]
      moves = []
      for a in read.prefix(moveNumber.map { max(0, $0 - 1) } ?? read.count) {
        s.apply(a)
        states.append(s)
        moves.append(a)
      }
    } catch let e as SGF.ReadError {
      throw Failure("\(path): \(e)")
    } catch let e as Failure {
      throw e
    } catch {
      throw Failure("\(path): \(error)")
    }
  }

  // MARK: time

  /// Runs `body` and updates the measured speed from the simulations it was given.
  func timed(_ body: () -> Action) -> Action {
    let start = Date()
    let a = body()
    if let sims = lastBudget, sims >= 8 {
      let rate = Double(sims) / max(Date().timeIntervalSince(start), 1e-4)
      speed = speed.map { 0.5 * $0 + 0.5 * rate } ?? rate
    }
    return a
  }

  var lastBudget: Int?

  /// Simulations for `colour`'s move: the brain's own number without a time limit; else the seconds
  /// this move may take (a byo-yomi period's share per stone, or main time spread over the moves
  /// likely left) times the measured speed, at most the brain's number.
  func budget(for colour: Player, in position: GoState) -> Int {
    let cap = max(1, (try? currentBrain())?.simulations ?? 1)
    guard let settings = timeSettings else {
      lastBudget = cap
      return cap
    }
    let left = timeLeft[colour] ?? (settings.main > 0 ? (settings.main, 0) : (settings.byoYomi, settings.stones))
    let empty = (0..<(game.size * game.size)).filter { position.owner(ofPoint: $0) == nil }.count
    var seconds: Double
    if left.stones > 0 {
      seconds = left.seconds / Double(left.stones)
    } else {
      seconds = left.seconds / Double(max(8, empty / 2))
      if settings.byoYomi > 0 && settings.stones > 0 { seconds += settings.byoYomi / Double(settings.stones) }
    }
    seconds *= 0.8  // a margin for the network's first call and the reply
    // Before the speed is known, a short first search measures it.
    let rate = speed ?? 50
    lastBudget = max(1, Int(min(Double(cap), max(0, rate * seconds))))
    return lastBudget!
  }

  // MARK: analysis

  func analyse(_ args: [String], id: Int?, emit: (String) -> Void, interrupted: () -> Bool) throws(Failure) {
    var colour = state.currentPlayer, interval = 1.0, maxMoves = Int.max
    var i = 0
    while i < args.count {
      let a = args[i]
      if i == 0, let c = GTP.colour(a) {
        colour = c
      } else if let n = Int(a) {
        interval = Double(n) / 100
      } else if ["interval", "maxmoves", "minmoves"].contains(a), i + 1 < args.count, let n = Int(args[i + 1]) {
        if a == "interval" { interval = Double(n) / 100 }
        if a == "maxmoves" { maxMoves = max(0, n) }
        i += 1
      } else {
        throw Failure("syntax error (lz-analyze [COLOR] [INTERVAL] [maxmoves N]): '\(a)'")
      }
      i += 1
    }
    let position = try positionWithMover(colour)
    let brain = try currentBrain()
    guard brain.simulations > 0 else { throw Failure("this player does not search") }
    emit("=\(id.map(String.init) ?? "")\n")
    var last = Date.distantPast
    let chunk = max(8, brain.simulations / 8)
    repeat {
      guard let infos = brain.analyse(position, simulations: chunk) else { return }
      if Date().timeIntervalSince(last) >= interval {
        emit(analysisLine(infos, maxMoves: maxMoves) + "\n")
        last = Date()
      }
    } while !interrupted()
  }

  /// Leela Zero's format: `info move D4 visits N winrate W prior P lcb L order O pv D4 C3 ...` per
  /// visited move, most visited first, on one line; winrate, prior and lcb in 1/10000.
  public func analysisLine(_ infos: [GTPMoveInfo], maxMoves: Int = .max) -> String {
    let visited = infos.filter { $0.visits > 0 }.sorted { $0.visits > $1.visits || $0.visits == $1.visits && $0.prior > $1.prior }
    return visited.prefix(maxMoves).enumerated().map { order, m in
      let w = Int((m.winrate * 10000).rounded())
      // A lower confidence bound on the winrate: one standard error of a Bernoulli mean below it.
      let lcb = max(0, m.winrate - (m.winrate * (1 - m.winrate) / Float(max(m.visits, 1))).squareRoot())
      return "info move \(GTP.vertex(m.action, in: game)) visits \(m.visits) winrate \(w) prior \(Int((m.prior * 10000).rounded())) "
        + "lcb \(Int((lcb * 10000).rounded())) order \(order) pv " + m.pv.map { GTP.vertex($0, in: game) }.joined(separator: " ")
    }.joined(separator: " ")
  }

  // MARK: the board

  /// The board as text, Black `X`, White `O`, the last move in parentheses, with GTP's coordinates.
  func board() -> String {
    let n = game.size
    let letters = (0..<n).map { game.columnLabel($0).uppercased() }.joined(separator: " ")
    var lines = ["   " + letters]
    let last = moves.last.flatMap { $0 == game.pass ? nil : $0 }
    for r in 0..<n {
      var row = String(repeating: " ", count: n - r < 10 ? 1 : 0) + "\(n - r)"
      for c in 0..<n {
        let p = r * n + c
        let mark = state.owner(ofPoint: p).map { $0 == .first ? "X" : "O" } ?? "."
        row += (last == p ? "(" : last == p - 1 && c > 0 ? ")" : " ") + mark
      }
      row += (last == r * n + n - 1 ? ")" : " ") + "\(n - r)"
      lines.append(row)
    }
    lines.append("   " + letters)
    let s = state
    let score = s.areaScore
    lines.append("\(GTP.name(of: s.currentPlayer)) to move, move \(moves.count), komi \(Go.text(ofKomi: game.komi)), area B \(score.black) W \(score.white)")
    return lines.joined(separator: "\n")
  }
}

extension Error {
  var message: String { (self as? GTPEngine.Failure)?.message ?? "\(self)" }
}
