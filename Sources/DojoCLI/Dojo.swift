import ArgumentParser
import DojoGames

struct Dojo: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dojo",
    abstract: "Self-play training for two-player board games, from zero.",
    subcommands: [Games.self, Train.self, CheckGame.self, Play.self, Tournament.self, Eval.self, Solve.self, Config.self, Export.self, Bench.self,
                  Replay.self, LearnerCommand.self, EvaluatorCommand.self, ActorCommand.self, ClusterCommand.self, Keys.self, LeagueCommand.self, CheckRun.self, DashboardCommand.self,
                  GTPCommandLine.self, SGFCommand.self]
  )
}

/// Reads a game name, failing with the registry's message (which lists what exists).
func parseGame(_ text: String) throws -> any Game {
  do {
    return try GameRegistry.make(text)
  } catch {
    throw ValidationError(error.description)
  }
}

struct Games: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "List the games and their parameters.")

  func run() {
    for entry in GameRegistry.entries {
      print("\(entry.name): \(entry.summary)")
      for p in entry.parameters { print("    \(p.name)=\(p.defaultValue)  \(p.help)") }
    }
  }
}

/// An error met while running a command: printed as "Error: <message>", without the usage text.
struct CommandError: Error, CustomStringConvertible {
  let description: String
  init(_ message: String) { description = message }
}
