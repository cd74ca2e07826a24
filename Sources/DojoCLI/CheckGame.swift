import ArgumentParser
import DojoGames

struct CheckGame: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check-game",
    abstract: "Run the conformance check on a game (or all of them) and print every violation.",
    discussion: "Plays seeded random games and checks the game protocol's promises at every position. Exits non-zero on any violation."
  )

  @Argument(help: "The game, e.g. connect_four or hex(size=9).", completion: .games)
  var game: String?

  @Flag(help: "Check every registered game at its default parameters.")
  var all = false

  @Option(help: "Random games to play per game.")
  var games = 200

  @Option(help: "Seed of the random games.")
  var seed: UInt64 = 1

  func validate() throws {
    if all == (game != nil) { throw ValidationError("give a game name or --all, not both or neither") }
    if let game { _ = try parseGame(game) }
    if games < 1 { throw ValidationError("--games must be at least 1") }
  }

  func run() throws {
    let specs = all ? GameRegistry.entries.map(\.defaultSpec) : [game!]
    var failed = 0
    for spec in specs {
      let report = try checkConformance(spec: spec, options: ConformanceOptions(gameCount: games, seed: seed))
      if report.passed {
        print("ok    \(report.game): \(report.gameCount) games, \(report.positionCount) positions")
      } else {
        failed += 1
        let total = report.countsByCheck.values.reduce(0, +)
        print("FAIL  \(report.game): \(total) violations (seed \(seed))")
        for v in report.violations { print("      \(v)") }
        for (check, n) in report.countsByCheck.sorted(by: { $0.key < $1.key }) where n > 5 {
          print("      ... \(n - 5) more '\(check)' violations")
        }
      }
    }
    if failed > 0 { throw ExitCode.failure }
  }
}
