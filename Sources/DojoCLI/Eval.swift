import ArgumentParser
import DojoArena
import DojoGames
import DojoNN
import DojoPlayers
import DojoTraining
import Foundation

struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Play an agent's move in every solver-scored position of a file; print mistake and optimal-move rates.",
    discussion: """
      Positions: games/connect_four/positions.tsv (Dojo's own, made by tools/make-positions) unless
      --positions names another file in the same format; or, with --solve N, N positions taken from
      the agent's own games against itself (seeded) and scored on the spot by dojo's solver.
      Ends with one line of JSON: {"eval":"positions","n":N,"mistake_rate":m,"optimal_rate":o,"by_set":{...}}
      """
  )

  @Argument(help: "The game, e.g. connect_four.")
  var game: String

  @Option(help: "The checkpoint to evaluate, or a run directory (its best model).")
  var checkpoint: String?

  @Option(help: "Or any player: mcts:N, random, ckpt:PATH:sims=N.")
  var player: String?

  @Option(help: "The positions file (default: games/connect_four/positions.tsv).")
  var positions: String?

  @Option(help: "Instead: N positions from the agent's own games, solved exactly on the spot (connect_four only).")
  var solve: Int?

  @Option(help: "With --solve: the plies into the game the positions are taken at, A-B.")
  var plies = "10-30"

  @Option(help: "With --solve: the seed of the agent's games.")
  var seed: UInt64 = 1

  @Option(help: "Simulations per move for --checkpoint; 0 plays the network's policy alone.")
  var sims = 200

  @Option(help: "The checkpoint's inference precision: fp32 (the network as trained), bf16, int8 (calibrated on random positions), auto.")
  var precision = "fp32"

  func validate() throws {
    if (checkpoint == nil) == (player == nil) { throw ValidationError("give --checkpoint or --player") }
    if solve != nil && positions != nil { throw ValidationError("give --positions or --solve, not both") }
    if let solve, solve < 1 { throw ValidationError("--solve takes a number of positions, 1 or more") }
    if InferencePrecision(rawValue: precision) == nil {
      throw ValidationError("--precision \(precision): expected one of \(InferencePrecision.allCases.map(\.rawValue).joined(separator: ", "))")
    }
  }

  func run() throws {
    do {
      let g = try GameRegistry.make(game)
      let spec = try checkpoint.map { PlayerSpec.checkpoint(path: try RunDirectory.checkpoint($0), simulations: sims) } ?? PlayerSpec(parsing: player!)
      let list = try solve.map { try solvedFromOwnGames($0, spec: spec, game: g) } ?? ScoredPosition.load(positions ?? ScoredPosition.defaultFile)
      let choices = try ChooseInPositions(player: spec, positions: list, precision: InferencePrecision(rawValue: precision)!)(g).get()
      let report = EvalReport(positions: list, choices: choices)
      let width = max(12, report.bySet.keys.map(\.count).max() ?? 0)
      for set in report.bySet.keys.sorted() {
        let r = report.bySet[set]!
        print(set.padding(toLength: width, withPad: " ", startingAt: 0)
              + String(format: " %4d positions  mistakes %5.1f%%  optimal %5.1f%%", r.positions, 100 * r.mistakeRate, 100 * r.optimalRate))
      }
      print("all".padding(toLength: width, withPad: " ", startingAt: 0)
              + String(format: " %4d positions  mistakes %5.1f%%  optimal %5.1f%%", report.overall.positions,
                       100 * report.overall.mistakeRate, 100 * report.overall.optimalRate))
      print(report.json)
    } catch {
      throw CommandError(String(describing: error))
    }
  }

  /// `count` positions from `spec`'s games against itself, scored by the solver.
  func solvedFromOwnGames(_ count: Int, spec: PlayerSpec, game g: any Game) throws -> [ScoredPosition] {
    let solver = try Solve.solver(for: g, tableBits: 22)
    let range = try Solve.plyRange(plies)
    FileHandle.standardError.write(Data("eval: \(count) positions from \(spec)'s own games, solving them\n".utf8))
    let moves = try PositionSampler(spec: spec, plies: range, count: count, seed: seed, solver: solver)(g).get()
    return try moves.map { try solver.scored($0, set: "own_games_\(range.lowerBound)-\(range.upperBound)") }
  }
}
