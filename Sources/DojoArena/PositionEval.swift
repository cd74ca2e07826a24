// Measuring play against solver-scored positions (games/connect_four/positions.tsv, made by
// `dojo solve`; the same format as the public solver test sets):
// one position per line, `moves<TAB>score<TAB>move_scores<TAB>set`, scores for the side to move.
// A move is a mistake when its outcome class (win / draw / loss) is worse than the best move's,
// and optimal when its score equals the position's.

import DojoGames
import DojoNN
import DojoPlayers
import DojoSearch
import Foundation

public struct ScoredPosition: Sendable, Equatable {
  public var moves: [String]
  public var score: Int
  /// Score of each action (nil where illegal), indexed by action.
  public var moveScores: [Int?]
  public var set: String

  public init(moves: [String], score: Int, moveScores: [Int?], set: String) {
    self.moves = moves
    self.score = score
    self.moveScores = moveScores
    self.set = set
  }

  /// The position as a line of a positions file (what `load` reads; moves of more than one
  /// character, as on boards wider than 9 columns, are separated by commas).
  public var line: String {
    "\(moves.joined(separator: moves.allSatisfy { $0.count == 1 } ? "" : ","))\t\(score)\t\(moveScores.map { $0.map(String.init) ?? "" }.joined(separator: ","))\t\(set)"
  }

  /// Whether `action` loses outcome class (win → draw or loss, draw → loss); an illegal or
  /// unscored action counts as a mistake.
  public func isMistake(_ action: Action) -> Bool {
    guard action >= 0, action < moveScores.count, let chosen = moveScores[action] else { return true }
    return chosen.signum() < score.signum()
  }

  /// Whether `action` keeps the position's exact score.
  public func isOptimal(_ action: Action) -> Bool {
    action >= 0 && action < moveScores.count && moveScores[action] == score
  }

  /// Dojo's own Connect Four positions, `games/connect_four/positions.tsv` (the games folder found
  /// as `GameFiles` finds it).
  public static var defaultFile: String { GameFiles.path("connect_four/positions.tsv") }

  /// Reads a positions file; errors name the line.
  public static func load(_ path: String) throws -> [ScoredPosition] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ArenaError.badInput("cannot read positions file \(path)") }
    return try parse(text, path: path)
  }

  /// The positions in `text`, a positions file's contents (`path` names it in errors).
  public static func parse(_ text: String, path: String) throws -> [ScoredPosition] {
    try text.split(separator: "\n").enumerated().filter { !$0.element.isEmpty }.map { n, line in
      let f = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard f.count == 4, let score = Int(f[1]) else { throw ArenaError.badInput("\(path) line \(n + 1): expected moves, score, move scores, set") }
      let scores = f[2].split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
      return ScoredPosition(moves: f[0].map(String.init), score: score, moveScores: scores, set: String(f[3]))
    }
  }
}

public struct EvalRates: Sendable, Equatable {
  public var positions = 0
  public var mistakes = 0
  public var optimal = 0
  public var mistakeRate: Double { positions > 0 ? Double(mistakes) / Double(positions) : 0 }
  public var optimalRate: Double { positions > 0 ? Double(optimal) / Double(positions) : 0 }

  /// Adds one scored move.
  mutating func count(mistake: Bool, optimal isOptimal: Bool) {
    positions += 1
    if mistake { mistakes += 1 }
    if isOptimal { optimal += 1 }
  }
}

public struct EvalReport: Sendable {
  public var overall = EvalRates()
  public var bySet: [String: EvalRates] = [:]

  /// Scores `choices[i]` (an action) in `positions[i]`.
  public init(positions: [ScoredPosition], choices: [Action]) {
    for (p, a) in zip(positions, choices) {
      let mistake = p.isMistake(a)
      let optimal = p.isOptimal(a)
      overall.count(mistake: mistake, optimal: optimal)
      bySet[p.set, default: EvalRates()].count(mistake: mistake, optimal: optimal)
    }
  }

  /// `{"eval":"positions","n":N,"mistake_rate":m,"optimal_rate":o,"by_set":{...}}`
  public var json: String {
    func f(_ x: Double) -> String { String(format: "%.4f", x) }
    let sets = bySet.keys.sorted().map { k in
      let r = bySet[k]!
      return "\"\(k)\":{\"n\":\(r.positions),\"mistake_rate\":\(f(r.mistakeRate)),\"optimal_rate\":\(f(r.optimalRate))}"
    }
    return "{\"eval\":\"positions\",\"n\":\(overall.positions),\"mistake_rate\":\(f(overall.mistakeRate)),\"optimal_rate\":\(f(overall.optimalRate)),\"by_set\":{\(sets.joined(separator: ","))}}"
  }
}

/// Two agents' moves in the same positions, compared position by position. The positions where
/// exactly one of them errs decide which is better: McNemar's exact test (a two-sided sign test on
/// those positions) sees a difference that two separate mistake rates, each with its own interval,
/// hide, since the positions both get right or both get wrong carry no information about which is
/// better.
public struct PairedEval: Sendable, Equatable {
  public var first: EvalRates
  public var second: EvalRates
  public var bothErr = 0
  public var onlyFirstErrs = 0
  public var onlySecondErrs = 0

  /// Scores `first[i]` and `second[i]`, the two agents' actions, in `positions[i]`.
  public init(positions: [ScoredPosition], first: [Action], second: [Action]) {
    precondition(first.count == positions.count && second.count == positions.count, "one action per position from each agent")
    self.first = EvalRates()
    self.second = EvalRates()
    for (p, (a, b)) in zip(positions, zip(first, second)) {
      let (aErrs, bErrs) = (p.isMistake(a), p.isMistake(b))
      self.first.count(mistake: aErrs, optimal: p.isOptimal(a))
      self.second.count(mistake: bErrs, optimal: p.isOptimal(b))
      switch (aErrs, bErrs) {
      case (true, true): bothErr += 1
      case (true, false): onlyFirstErrs += 1
      case (false, true): onlySecondErrs += 1
      case (false, false): break
      }
    }
  }

  /// McNemar's exact two-sided p-value: the chance, were both agents equally good, of a split of
  /// the discordant positions at least this uneven (1 when there are none).
  public var pValue: Double { Self.signTest(onlyFirstErrs, onlySecondErrs) }

  /// Two-sided exact sign test: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), at most 1.
  public static func signTest(_ b: Int, _ c: Int) -> Double {
    let n = b + c, k = min(b, c)
    guard n > 0 else { return 1 }
    // Summed in log space: n may be in the thousands.
    let logFront = lgamma(Double(n + 1)) + Double(n) * log(0.5)
    var tail = 0.0
    for i in 0...k {
      tail += exp(logFront - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)))
    }
    return min(1, 2 * tail)
  }

  /// Which agent errs less, at the 5 % level (the raw value is the JSON's `better`).
  public enum Verdict: String, Sendable {
    case first, second, neither
  }

  public var better: Verdict {
    guard pValue < 0.05 else { return .neither }
    return onlyFirstErrs < onlySecondErrs ? .first : .second
  }

  /// The p-value as the JSON and the printed line both show it.
  public var pValueText: String { String(format: "%.4g", pValue) }

  /// `{"eval":"paired","n":N,"first":{...},"second":{...},"both_err":..,"only_first_errs":..,"only_second_errs":..,"p_value":..,"better":..}`
  public var json: String {
    func f(_ x: Double) -> String { String(format: "%.4f", x) }
    func rates(_ r: EvalRates) -> String { "{\"mistake_rate\":\(f(r.mistakeRate)),\"optimal_rate\":\(f(r.optimalRate))}" }
    return "{\"eval\":\"paired\",\"n\":\(first.positions),\"first\":\(rates(first)),\"second\":\(rates(second)),"
      + "\"both_err\":\(bothErr),\"only_first_errs\":\(onlyFirstErrs),\"only_second_errs\":\(onlySecondErrs),"
      + "\"p_value\":\(pValueText),\"better\":\"\(better.rawValue)\"}"
  }
}

/// The moves `player` chooses in every position, all positions searched together (one evaluator
/// call per step for all of them).
public struct ChooseInPositions: GameTask {
  public let player: PlayerSpec
  public let positions: [ScoredPosition]
  public let seed: UInt64
  /// A checkpoint's inference precision (int8 calibrated on random positions of the game).
  public let precision: InferencePrecision

  public init(player: PlayerSpec, positions: [ScoredPosition], seed: UInt64 = 1, precision: InferencePrecision = .fp32) {
    self.player = player
    self.positions = positions
    self.seed = seed
    self.precision = precision
  }

  public func run<G: Game>(_ game: G) -> Result<[Action], Error> {
    do {
      let states = try positions.enumerated().map { n, p in
        do { return try game.state(afterMoves: p.moves) } catch { throw ArenaError.badInput("position \(n + 1): \(error)") }
      }
      switch player {
      case .random, .human:
        var rng = SplitMix64(seed: seed)
        return .success(states.map { s in let l = s.legalActions; return l[rng.next(below: l.count)] })
      case let .mcts(n):
        var config = SearchConfig()
        config.rootPolicy = .puct
        config.fpuReduction = 0
        return .success(search(game, states, RolloutEvaluator<G.State>(seed: seed), config, n))
      case let .checkpoint(path, n):
        let engine = InferenceEngine(network: try Checkpoint.read(path, game: game.name).network, precision: precision,
                                     calibration: game.randomPositionObservations(count: 256, seed: seed))
        if n == 0 {
          var bot = PolicyBot(game: game, engine: engine)
          return .success(states.map { bot.choose($0).action })
        }
        return .success(search(game, states, NetworkEvaluator(game: game, engine: engine), SearchConfig(), n))
      case .gtp:
        // One position after another, each set up on the engine's board.
        var bot = try makeBot(player, game: game, seed: seed)
        return .success(try states.enumerated().map { n, s in
          let m = bot.choose(s)
          if let reason = m.forfeit { throw ArenaError.badInput("position \(n + 1): \(reason)") }
          return m.action
        })
      }
    } catch {
      return .failure(error)
    }
  }

  func search<G: Game, E: Evaluator>(_ game: G, _ states: [G.State], _ evaluator: E, _ config: SearchConfig, _ n: Int) -> [Action] where E.State == G.State {
    let s = BatchedSearch(game: game, evaluator: evaluator, config: config, gameCount: states.count, seed: seed)
    for (i, state) in states.enumerated() { s.setRoot(i, state) }
    return s.search(simulations: Array(repeating: n, count: states.count), noise: Array(repeating: false, count: states.count)).map(\.selectedAction)
  }
}
