import ArgumentParser
import DojoGTP
import DojoGames
import DojoLeague
import DojoPlayers
import DojoTraining
import Foundation

struct GTPCommandLine: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gtp",
    abstract: "A Go engine speaking GTP version 2 on standard input and output (for GoGui, Sabaki, Lizzie, gogui-twogtp, CGOS).",
    discussion: """
      Plays with a checkpoint (--checkpoint, searching --sims simulations per move) or any player
      (--player mcts:N, random, gtp:COMMAND). Besides GTP's required commands: undo, final_score and
      final_status_list (Tromp–Taylor: every stone on the board is alive), showboard, time_settings and
      time_left (a time budget becomes simulations at the measured speed), loadsgf, printsgf,
      reg_genmove, and lz-analyze (Leela Zero's info lines, as Lizzie and Sabaki read them).
      A GoGui or Sabaki engine entry: dojo gtp go --checkpoint runs/go
      """
  )

  @Argument(help: "The game: go, or go(size=N,komi=K) (boardsize and komi commands change it).")
  var game = "go"

  @OptionGroup var engine: CheckpointOptions

  @Option(help: "Any player instead of a checkpoint: mcts:N, random, gtp:COMMAND.")
  var player = "mcts:400"

  @Option(help: "Seed of the search's random choices.")
  var seed: UInt64 = 1

  func validate() throws {
    guard try parseGame(game) is Go else { throw ValidationError("GTP is Go's protocol: '\(game)' is not go(size=N,komi=K)") }
    do { _ = try PlayerSpec(parsing: player) } catch { throw ValidationError(error.description) }
  }

  func run() throws {
    let go = try parseGame(game) as! Go
    var spec = try PlayerSpec(parsing: player)
    if let checkpoint = try engine.spec() { spec = checkpoint }
    // A bad checkpoint fails here, before the controller's first command.
    do { _ = try makeGTPBrain(spec, game: go, seed: seed) } catch { throw CommandError("\(error)") }
    FileHandle.standardError.write(Data("dojo gtp: \(go.name), \(spec)\n".utf8))
    let engine = GTPEngine(version: Dojo.version, game: go) { g in try makeGTPBrain(spec, game: g, seed: seed) }
    engine.serve()
  }
}
