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
      With --against B: B plays the same positions too (at --against-precision, if given), and the two are compared position by position:
      the positions where only one of them errs decide, by McNemar's exact test; one line of JSON
      {"eval":"paired","n":N,"first":{..},"second":{..},"only_first_errs":..,"only_second_errs":..,"p_value":..,"better":..}
      With --run RUN: a curve against training time instead. At every --every minutes of training
      (wall time from the run's first game, less the stops of a run resumed later: any 2 minutes in
      which no game finished), the newest checkpoint written by then (and the run's last one), each with the
      policy alone and at --sims simulations; a table, RUN/mistakes.svg, and one line of JSON:
      {"eval":"curve","n":N,"points":[{"minutes":..,"generation":..,"steps":..,"games":..,
      "policy_mistake_rate":..,"search_mistake_rate":..,...}]}
      """
  )

  @Argument(help: "The game, e.g. connect_four.", completion: .games)
  var game: String

  @Option(help: "The checkpoint to evaluate, or a run directory (its best model).")
  var checkpoint: String?

  @Option(help: "Or any player: mcts:N, random, ckpt:PATH:sims=N.")
  var player: String?

  @Option(name: .customLong("run"), help: "Or a run directory: its checkpoints every --every minutes, drawn in RUN/mistakes.svg.")
  var runDirectory: String?

  @Option(help: "Compare with a second agent on the same positions: a checkpoint or run directory (at --sims), or a player spec.")
  var against: String?

  @Option(help: "With --against: the second agent's inference precision (default: --precision), e.g. int8 against fp32 of one checkpoint.")
  var againstPrecision: InferencePrecision?

  @Option(help: "With --run: minutes between the checkpoints evaluated.")
  var every: Double = 15

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
  var precision = InferencePrecision.fp32

  func validate() throws {
    if [checkpoint, player, runDirectory].compactMap({ $0 }).count != 1 { throw ValidationError("give one of --checkpoint, --player, --run") }
    if runDirectory != nil && solve != nil { throw ValidationError("--run takes --positions, not --solve") }
    if runDirectory != nil && against != nil { throw ValidationError("--against compares two agents; --run draws one run's curve") }
    if againstPrecision != nil && against == nil { throw ValidationError("--against-precision is the --against agent's precision: give --against too") }
    if !(every > 0) { throw ValidationError("--every takes minutes, more than 0") }
    if solve != nil && positions != nil { throw ValidationError("give --positions or --solve, not both") }
    if let solve, solve < 1 { throw ValidationError("--solve takes a number of positions, 1 or more") }
  }

  func run() throws {
    do {
      let g = try GameRegistry.make(game)
      if let runDirectory { return try curve(runDirectory, game: g, positions: try ScoredPosition.load(positions ?? ScoredPosition.defaultFile)) }
      let spec = try checkpoint.map { PlayerSpec.checkpoint(path: try RunDirectory.checkpoint($0), simulations: sims) } ?? PlayerSpec(parsing: player!)
      // The second agent is read before any play, so a wrong --against costs nothing.
      let other = try against.map { against in
        if FileManager.default.fileExists(atPath: against) {
          return PlayerSpec.checkpoint(path: try RunDirectory.checkpoint(against), simulations: sims)
        }
        do { return try PlayerSpec(parsing: against) } catch {
          throw ValidationError("--against \(against): no such checkpoint or run directory, and not a player (\(error))")
        }
      }
      let list = try solve.map { try solvedFromOwnGames($0, spec: spec, game: g) } ?? ScoredPosition.load(positions ?? ScoredPosition.defaultFile)
      let choices = try ChooseInPositions(player: spec, positions: list, precision: precision)(g).get()
      if let other {
        let otherChoices = try ChooseInPositions(player: other, positions: list, precision: againstPrecision ?? precision)(g).get()
        let precisions = againstPrecision.map { (precision.rawValue, $0.rawValue) }
        return printPaired(PairedEval(positions: list, first: choices, second: otherChoices), first: spec, second: other, precisions: precisions)
      }
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

  /// Both agents' rates, the discordant positions, McNemar's p-value and the JSON line.
  func printPaired(_ paired: PairedEval, first: PlayerSpec, second: PlayerSpec, precisions: (String, String)?) {
    for (label, spec, precision, r) in [("first ", first, precisions?.0, paired.first), ("second", second, precisions?.1, paired.second)] {
      print("\(label) \(spec)\(precision.map { " (\($0))" } ?? ""): mistakes \(String(format: "%5.1f%%", 100 * r.mistakeRate))  optimal \(String(format: "%5.1f%%", 100 * r.optimalRate))")
    }
    let verdict = switch paired.better {
    case .first: "the first errs less"
    case .second: "the second errs less"
    case .neither: "no difference at the 5 % level"
    }
    print("\(paired.first.positions) positions: both err in \(paired.bothErr), only the first in \(paired.onlyFirstErrs), "
          + "only the second in \(paired.onlySecondErrs); McNemar exact p = \(paired.pValueText): \(verdict)")
    print(paired.json)
  }

  /// `count` positions from `spec`'s games against itself, scored by the solver.
  func solvedFromOwnGames(_ count: Int, spec: PlayerSpec, game g: any Game) throws -> [ScoredPosition] {
    let solver = try Solve.solver(for: g, tableBits: 22)
    let range = try Solve.plyRange(plies)
    FileHandle.standardError.write(Data("eval: \(count) positions from \(spec)'s own games, solving them\n".utf8))
    let moves = try PositionSampler(spec: spec, plies: range, count: count, seed: seed, solver: solver)(g).get()
    return try moves.map { try solver.scored($0, set: "own_games_\(range.lowerBound)-\(range.upperBound)") }
  }

  /// Mistakes of the run's checkpoints against wall time: a table, RUN/mistakes.svg and a JSON line.
  func curve(_ run: String, game g: any Game, positions list: [ScoredPosition]) throws {
    let database = run + "/run.sqlite"
    guard FileManager.default.fileExists(atPath: database) else { throw InvalidRun("\(run): no run.sqlite (not a run directory)") }
    let store = try RunStore(path: database)
    guard let clock = try store.trainingClock() else { throw InvalidRun("\(run) has no games yet") }
    let marks = RunDirectory.checkpointsAtMarks(try store.checkpoints(), clock: clock, every: every * 60)
    guard !marks.isEmpty else { throw InvalidRun("\(run) has no checkpoint yet") }
    print("\(list.count) positions; policy alone and \(sims) simulations; the newest checkpoint every \(every) minutes")
    print("minutes  generation   steps   games  policy: mistakes  optimal  \(sims) sims: mistakes  optimal")
    var points: [(minutes: Double, checkpoint: RunStore.CheckpointRecord, policy: EvalRates, search: EvalRates)] = []
    for (minutes, c) in marks {
      // The folder in this run directory (the database's path may be another machine's).
      let path = run + "/checkpoints/" + String(format: "%06d", c.generation)
      var rates: [EvalRates] = []
      for n in [0, sims] {
        let choices = try ChooseInPositions(player: .checkpoint(path: path, simulations: n), positions: list, precision: precision)(g).get()
        rates.append(EvalReport(positions: list, choices: choices).overall)
      }
      points.append((minutes, c, rates[0], rates[1]))
      print(String(format: "%7.1f  %10d  %6d  %6d  %16.1f%%  %6.1f%%  %15.1f%%  %6.1f%%", minutes, c.generation, c.steps, c.games,
                   100 * rates[0].mistakeRate, 100 * rates[0].optimalRate, 100 * rates[1].mistakeRate, 100 * rates[1].optimalRate))
    }
    func band(_ r: EvalRates, _ p: Double) -> Double { 100 * 1.96 * (p * (1 - p) / Double(max(1, r.positions))).squareRoot() }
    let chart = LineChart(title: "\(g.name): mistakes on \(list.count) solver-scored positions (95 % intervals)", xLabel: "minutes of training",
                          yLabel: "mistakes (%)", series: [
                            ChartSeries(name: "policy alone", color: "#d62728", points: points.map { ($0.minutes, 100 * $0.policy.mistakeRate) },
                                        errors: points.map { band($0.policy, $0.policy.mistakeRate) }),
                            ChartSeries(name: "\(sims) simulations", color: "#1f77b4", points: points.map { ($0.minutes, 100 * $0.search.mistakeRate) },
                                        errors: points.map { band($0.search, $0.search.mistakeRate) }),
                          ])
    try chart.svg.write(toFile: run + "/mistakes.svg", atomically: true, encoding: .utf8)
    print("drawn: \(run)/mistakes.svg")
    func f(_ x: Double) -> String { String(format: "%.4f", x) }
    let json = points.map {
      "{\"minutes\":\(String(format: "%.1f", $0.minutes)),\"generation\":\($0.checkpoint.generation),\"steps\":\($0.checkpoint.steps),\"games\":\($0.checkpoint.games),"
        + "\"policy_mistake_rate\":\(f($0.policy.mistakeRate)),\"policy_optimal_rate\":\(f($0.policy.optimalRate)),"
        + "\"search_mistake_rate\":\(f($0.search.mistakeRate)),\"search_optimal_rate\":\(f($0.search.optimalRate))}"
    }
    print("{\"eval\":\"curve\",\"n\":\(list.count),\"simulations\":\(sims),\"points\":[\(json.joined(separator: ","))]}")
  }
}
