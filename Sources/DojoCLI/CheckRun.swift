import ArgumentParser
import DojoConfig
import DojoGames
import DojoLeague
import DojoTraining
import Foundation

struct CheckRun: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check-run",
    abstract: "Check a run or league directory: database integrity, every stored game replayed under the rules, every checkpoint's hash and loadability.",
    discussion: "Prints every problem found (nothing is repaired) and exits non-zero if there is any."
  )

  @Argument(help: "A run directory (dojo train, dojo cluster) or a league's (dojo league).", completion: .directory) var directory: String

  func run() throws {
    let fm = FileManager.default
    let problems: [String]
    if fm.fileExists(atPath: directory + "/league.sqlite") {
      let store = try LeagueStore(path: directory + "/league.sqlite")
      guard let name = try store.meta("game") else { throw CommandError("\(directory)/league.sqlite names no game") }
      problems = CheckLeague(directory: directory)(try parseGame(name))
    } else if fm.fileExists(atPath: directory + "/config.toml") {
      let config = try GameConfig.load(path: directory + "/config.toml")
      problems = CheckTraining(directory: directory)(config.game)
    } else {
      throw CommandError("\(directory) is neither a run (no config.toml) nor a league (no league.sqlite)")
    }
    for p in problems { print("problem: \(p)") }
    print(problems.isEmpty ? "\(directory): no problems found" : "\(directory): \(problems.count) problem(s)")
    if !problems.isEmpty { throw ExitCode(1) }
  }
}

struct CheckLeague: GameTask {
  let directory: String
  func run<G: Game>(_ game: G) -> [String] { LeagueCheck.problems(directory, game: game) { print($0) } }
}

struct CheckTraining: GameTask {
  let directory: String
  func run<G: Game>(_ game: G) -> [String] {
    var problems = RunCheck.games(directory + "/run.sqlite", game: game) { print("games checked: \($0)") }
    let (n, p) = RunCheck.checkpoints(directory + "/checkpoints", game: game.name)
    print("\(n) checkpoints checked")
    problems += p
    return problems
  }
}
