import ArgumentParser
import DojoArena
import DojoGames
import DojoPlayers
import DojoTraining
import Foundation

struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Play an agent's move in every solver-scored position of a file; print mistake and optimal-move rates.",
    discussion: "Ends with one line of JSON: {\"eval\":\"positions\",\"n\":N,\"mistake_rate\":m,\"optimal_rate\":o,\"by_set\":{...}}"
  )

  @Argument(help: "The game, e.g. connect_four.")
  var game: String

  @Option(help: "The checkpoint to evaluate, or a run directory (its best model).")
  var checkpoint: String?

  @Option(help: "Or any player: mcts:N, random, ckpt:PATH:sims=N.")
  var player: String?

  @Option(help: "The positions file (../shared/data/connect_four/positions.tsv).")
  var positions = "../shared/data/connect_four/positions.tsv"

  @Option(help: "Simulations per move for --checkpoint; 0 plays the network's policy alone.")
  var sims = 200

  func validate() throws {
    if (checkpoint == nil) == (player == nil) { throw ValidationError("give --checkpoint or --player") }
  }

  func run() throws {
    do {
      let g = try GameRegistry.make(game)
      let spec = try checkpoint.map { PlayerSpec.checkpoint(path: try RunDirectory.checkpoint($0), simulations: sims) } ?? PlayerSpec(parsing: player!)
      let list = try ScoredPosition.load(positions)
      let choices = try ChooseInPositions(player: spec, positions: list)(g).get()
      let report = EvalReport(positions: list, choices: choices)
      for set in report.bySet.keys.sorted() {
        let r = report.bySet[set]!
        print(set.padding(toLength: 12, withPad: " ", startingAt: 0)
              + String(format: " %4d positions  mistakes %5.1f%%  optimal %5.1f%%", r.positions, 100 * r.mistakeRate, 100 * r.optimalRate))
      }
      print("all".padding(toLength: 12, withPad: " ", startingAt: 0)
              + String(format: " %4d positions  mistakes %5.1f%%  optimal %5.1f%%", report.overall.positions,
                       100 * report.overall.mistakeRate, 100 * report.overall.optimalRate))
      print(report.json)
    } catch {
      throw CommandError(String(describing: error))
    }
  }
}
