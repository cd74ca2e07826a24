import ArgumentParser
import DojoArena
import DojoGames
import DojoPlayers
import DojoSolvers
import Foundation

struct Solve: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Solve Connect Four positions exactly: the score of the position and of every legal move.",
    discussion: """
      Scores are for the side to move: a win with the winner's k-th stone scores 22 - k on 6×7
      (generally (cells + 1 - n) / 2 for a win when n stones are already on the board), 0 a draw,
      a loss the negative of the opponent's win.
        dojo solve connect_four 4453                  one position (columns 1-based, one digit per move)
        dojo solve 'connect_four(rows=5,columns=6)' 3344
        dojo solve connect_four --positions FILE      every line's first tab-separated field
      With --positions: one line per position (moves, score, move scores, set), then one line of
      JSON: {"solve":"positions","n":N,"seconds":S,"by_set":{SET:{"n":..,"seconds":..}}}.
      --nodes adds a fifth field, the positions the solver searched (a measure of difficulty).
        dojo solve connect_four --sample 100 --plies 8-13 [--player mcts:800] [--seed S]
      prints the moves of 100 positions taken from seeded games of that player against itself
      (random moves by default), one from each game, after 8 to 13 plies, none already decided.
      tools/make-positions builds games/connect_four/positions.tsv this way.
      """
  )

  @Argument(help: "connect_four, with any size it supports: connect_four(rows=R,columns=C).")
  var game: String

  @Argument(help: "The moves from the empty board: 1-based columns, one digit each (4453), or separated by commas.")
  var moves: String?

  @Option(help: "Solve every position of this file instead (first tab-separated field: the moves).")
  var positions: String?

  @Option(help: "The transposition table holds 2^N positions (24: 160 MB on 6×7).")
  var tableBits = 24

  @Flag(help: "With --positions: add the number of positions searched as a fifth field.")
  var nodes = false

  @Option(help: "Print the moves of N positions sampled from seeded games instead of solving.")
  var sample: Int?

  @Option(help: "With --sample: how many plies into the game, A-B.")
  var plies = "8-13"

  @Option(help: "With --sample: who plays the games (random, mcts:N, ckpt:PATH:sims=N).")
  var player = "random"

  @Option(help: "With --sample: the seed of the games.")
  var seed: UInt64 = 1

  func validate() throws {
    if [moves != nil, positions != nil, sample != nil].filter({ $0 }).count != 1 {
      throw ValidationError("give the moves, --positions FILE or --sample N")
    }
    if !(10...30).contains(tableBits) { throw ValidationError("--table-bits must be 10...30") }
    if let sample, sample < 1 { throw ValidationError("--sample must be 1 or more") }
    _ = try Self.plyRange(plies)
  }

  static func plyRange(_ text: String) throws -> ClosedRange<Int> {
    let parts = text.split(separator: "-").map { Int($0) }
    guard parts.count == 2, let a = parts[0], let b = parts[1], a >= 0, a <= b else {
      throw ValidationError("--plies takes A-B with 0 <= A <= B, not \(text)")
    }
    return a...b
  }

  func run() throws {
    let solver = try makeSolver()
    if let moves {
      do {
        let p = try solver.scored(solver.parse(moves), set: "")
        print("position \(moves.isEmpty ? "(empty board)" : moves): score \(p.score) for the side to move (\(Self.describe(p.score)))")
        for (c, s) in p.moveScores.enumerated() {
          guard let s else { print("  column \(c + 1): full"); continue }
          print("  column \(c + 1): \(String(format: "%+d", s))  \(Self.describe(s))\(s == p.score ? "  best" : "")")
        }
        print("{\"solve\":\"position\",\"moves\":\"\(moves)\",\"score\":\(p.score),\"move_scores\":[\(p.moveScores.map { $0.map(String.init) ?? "null" }.joined(separator: ","))],\"nodes\":\(solver.nodeCount)}")
      } catch let error as SolverError {
        throw CommandError(error.description)
      }
    } else if let positions {
      try solveFile(positions, solver)
    } else if let sample {
      try printSample(sample, solver)
    }
  }

  /// One position from each of `count` seeded games: a ply count drawn from `--plies`, skipping
  /// games that end before it and positions where the side to move wins at once.
  func printSample(_ count: Int, _ solver: ConnectFourSolver) throws {
    let spec: PlayerSpec
    do { spec = try PlayerSpec(parsing: player) } catch { throw CommandError(error.description) }
    let range = try Self.plyRange(plies)
    let g = try parseGame(game)
    for moves in try PositionSampler(spec: spec, plies: range, count: count, seed: seed, solver: solver)(g).get() {
      print(solver.text(of: moves))
    }
  }

  func makeSolver() throws -> ConnectFourSolver { try Self.solver(for: parseGame(game), tableBits: tableBits) }

  /// A solver for `g`, which must be a Connect Four of some size.
  static func solver(for g: any Game, tableBits: Int) throws -> ConnectFourSolver {
    let size: (Int, Int)
    switch g {
    case let c as ConnectFour<UInt64>: size = (c.rows, c.columns)
    case let c as ConnectFour<UInt128>: size = (c.rows, c.columns)
    default: throw CommandError("dojo solve knows connect_four only, not \(g.name)")
    }
    do { return try ConnectFourSolver(rows: size.0, columns: size.1, tableBits: tableBits) } catch { throw CommandError("\(error)") }
  }

  static func describe(_ score: Int) -> String {
    score > 0 ? "wins" : score < 0 ? "loses" : "draw"
  }

  func solveFile(_ path: String, _ solver: ConnectFourSolver) throws {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandError("cannot read positions file \(path)") }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    let fallbackSet = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    var bySet: [(name: String, n: Int, seconds: Double)] = []
    let start = Date()
    var lastReport = start
    for (n, line) in lines.enumerated() {
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      let set = fields.count == 4 ? String(fields[3]) : fallbackSet
      let t0 = Date()
      let before = solver.nodeCount
      let position: ScoredPosition
      do {
        position = try solver.scored(solver.parse(String(fields[0])), set: set)
      } catch let error as SolverError {
        throw CommandError("\(path) line \(n + 1): \(error.description)")
      }
      let seconds = Date().timeIntervalSince(t0)
      print(position.line + (nodes ? "\t\(solver.nodeCount - before)" : ""))
      if let i = bySet.firstIndex(where: { $0.name == set }) {
        bySet[i].n += 1
        bySet[i].seconds += seconds
      } else {
        bySet.append((set, 1, seconds))
      }
      if Date().timeIntervalSince(lastReport) >= 10 {
        lastReport = Date()
        let done = Date().timeIntervalSince(start)
        let note = String(format: "solve: %d/%d positions, %.0f s, about %.0f s left\n",
                          n + 1, lines.count, done, done / Double(n + 1) * Double(lines.count - n - 1))
        FileHandle.standardError.write(Data(note.utf8))
      }
    }
    let total = Date().timeIntervalSince(start)
    let sets = bySet.map { String(format: "\"%@\":{\"n\":%d,\"seconds\":%.3f}", $0.name, $0.n, $0.seconds) }
    print(String(format: "{\"solve\":\"positions\",\"n\":%d,\"seconds\":%.3f,\"by_set\":{%@}}", lines.count, total, sets.joined(separator: ",")))
  }
}

/// One position from each of `count` seeded games of `spec` against itself: after a ply count drawn
/// from `plies`, skipping games that end before it and positions the side to move wins at once.
struct PositionSampler: GameTask {
  let spec: PlayerSpec
  let plies: ClosedRange<Int>
  let count: Int
  let seed: UInt64
  let solver: ConnectFourSolver

  func run<G: Game>(_ game: G) -> Result<[[Int]], Error> { Result { try sample(game) } }

  func sample<G: Game>(_ game: G) throws -> [[Int]] {
    var rng = SplitMix64(seed: seed)
    var found: [[Int]] = [], attempts = 0
    while found.count < count {
      attempts += 1
      guard attempts <= 100 * count else { throw CommandError("only \(found.count) of \(count) positions found in \(attempts) games") }
      var bot = try makeBot(spec, game: game, seed: rng.next())
      let target = plies.lowerBound + rng.next(below: plies.count)
      var state = game.initialState()
      var moves: [Int] = []
      while moves.count < target && !state.isTerminal {
        let a = bot.choose(state).action
        state.apply(a)
        moves.append(a)
      }
      guard !state.isTerminal, moves.count == target, try !solver.canWinAtOnce(after: moves) else { continue }
      found.append(moves)
    }
    return found
  }
}

extension ConnectFourSolver {
  /// The position after `moves` scored exactly, in the positions-file form: the position's score
  /// is its best move's.
  func scored(_ moves: [Int], set: String) throws -> ScoredPosition {
    let scores = try moveScores(after: moves)
    return ScoredPosition(moves: moves.map { String($0 + 1) }, score: scores.compactMap { $0 }.max() ?? 0, moveScores: scores, set: set)
  }
}
