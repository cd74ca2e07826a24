// Self-play: many games in lockstep through one BatchedSearch, with the move-level policies that
// sit on top of search: temperature schedules, playout cap randomization (KataGo), and
// resignation with a fraction of games that may not resign, to measure false resignations
// (AlphaGo Zero). Each finished game comes back as a GameRecord.

import DojoGames

#if canImport(Glibc)
import Glibc
#endif

/// Self-play settings. Reference values from the literature in each comment.
public struct SelfPlayConfig: Sendable, Equatable, Codable {
  public var search = SearchConfig()
  /// Playout cap randomization (KataGo, Wu 2019): each move is a full search with this probability
  /// (root noise on, kept as a training target); otherwise a cheap search of `cheapSimulations`
  /// without noise, not kept. KataGo: 0.25 with 600 / 100 simulations. 1 disables it.
  public var fullSearchProbability: Float = 0.25
  public var cheapSimulations = 16
  /// PUCT move choice: for the first `temperaturePlies` plies, sample in proportion to
  /// visits^(1/temperature); after that, the most visited move. AlphaZero: temperature 1 for the
  /// first 30 plies (chess). Gumbel roots choose by their own sampled noise and ignore these.
  public var temperature: Float = 1
  public var temperaturePlies = 8
  /// Resign when the side to move's root value and its best move's Q are both below this.
  /// AlphaGo Zero tuned it to keep false resignations under 5 %. -1 or less never resigns.
  public var resignThreshold: Float = -0.95
  /// The fraction of games that never resign, to measure false resignations. AlphaGo Zero: 0.1.
  public var noResignFraction: Float = 0.1
  /// Each game opens with a uniform number in 0...this of uniformly random moves (recorded, never
  /// samples), so the positions learned from include those after bad play. 0: off (AlphaZero);
  /// KataGo starts a share of its games from varied positions for the same reason.
  public var randomOpeningPlies = 0
  /// Before this ply a player does not pass while it has another legal move (games with a pass
  /// action: Go). On 9×9 with komi an untrained net learns that Black loses, Black passes at
  /// random and White passes back and wins: games of a few plies that teach nothing. The search
  /// still weighs the pass; the move played and the policy target leave it out. 0: off.
  public var earliestPassPly = 0
  /// When a self-play player passes (games with a pass: Go).
  public var passing = Passing.free

  public enum Passing: String, Sendable, Codable, CaseIterable {
    /// As the search decides (after `earliestPassPly`).
    case free
    /// Only when every other legal move fills one of its own eyes, and it never fills one while it
    /// has another move: games are played out until every dead stone is captured, as Monte-Carlo Go
    /// programs play their playouts, so the Tromp–Taylor result is the true one.
    case whenDone = "when_done"
  }

  public init() {}
}

/// One move of a self-play game.
public struct MoveRecord: Sendable {
  public var action: Action
  public var player: Player
  /// Whether the move got a full search (and so is a training sample).
  public var fullSearch: Bool
  /// The root's legal actions and the training target over them (full searches only).
  public var actions: [Action]
  public var policyTarget: [Float]
  /// The root value for the side to move, and the simulations spent.
  public var rootValue: Float
  public var simulations: Int

  public init(action: Action, player: Player, fullSearch: Bool, actions: [Action], policyTarget: [Float], rootValue: Float, simulations: Int) {
    self.action = action
    self.player = player
    self.fullSearch = fullSearch
    self.actions = actions
    self.policyTarget = policyTarget
    self.rootValue = rootValue
    self.simulations = simulations
  }
}

/// A finished self-play game.
public struct GameRecord: Sendable {
  public var moves: [MoveRecord]
  /// The result for the first player: +1, 0, -1 (by resignation or by the rules).
  public var outcomeForFirst: Float
  /// Who resigned, if anyone.
  public var resigned: Player?
  /// In a game that was not allowed to resign: the first player who would have resigned.
  public var wouldHaveResigned: Player?
  public var resignAllowed: Bool

  public init(moves: [MoveRecord], outcomeForFirst: Float, resigned: Player?, wouldHaveResigned: Player?, resignAllowed: Bool) {
    self.moves = moves
    self.outcomeForFirst = outcomeForFirst
    self.resigned = resigned
    self.wouldHaveResigned = wouldHaveResigned
    self.resignAllowed = resignAllowed
  }

  /// The result for `player`.
  public func outcome(for player: Player) -> Float { player == .first ? outcomeForFirst : -outcomeForFirst }
  /// Whether this was a no-resign game in which someone would have resigned and then did not lose.
  public var isFalseResignation: Bool { wouldHaveResigned.map { outcome(for: $0) >= 0 } ?? false }

  /// The same game with only `player`'s full searches kept as samples (the other side's moves
  /// become plain moves): one side's share of a game in which both sides learn.
  public func keepingSamples(of player: Player) -> GameRecord {
    var copy = self
    for k in copy.moves.indices where copy.moves[k].player != player && copy.moves[k].fullSearch {
      copy.moves[k].fullSearch = false
      copy.moves[k].actions = []
      copy.moves[k].policyTarget = []
    }
    return copy
  }
}

/// What many games ended in: draws, resignations, and the false-resignation check (AlphaGo Zero):
/// of the no-resign games in which a side would have resigned, how many it did not lose.
public struct OutcomeStatistics: Sendable, Equatable {
  public var games = 0
  public var draws = 0
  public var resigned = 0
  public var noResignGames = 0
  public var wouldHaveResigned = 0
  public var falseResignations = 0

  public init() {}

  public mutating func count(_ record: GameRecord) {
    games += 1
    if record.outcomeForFirst == 0 { draws += 1 }
    if record.resigned != nil { resigned += 1 }
    if !record.resignAllowed {
      noResignGames += 1
      if record.wouldHaveResigned != nil { wouldHaveResigned += 1 }
      if record.isFalseResignation { falseResignations += 1 }
    }
  }

  /// Of the no-resign games in which someone would have resigned, the fraction they did not lose.
  public var falseResignationRate: Float { wouldHaveResigned > 0 ? Float(falseResignations) / Float(wouldHaveResigned) : 0 }

  /// The games counted here and not in `earlier` (a count taken before, from the same games).
  public func since(_ earlier: OutcomeStatistics) -> OutcomeStatistics {
    var d = OutcomeStatistics()
    d.games = games - earlier.games
    d.draws = draws - earlier.draws
    d.resigned = resigned - earlier.resigned
    d.noResignGames = noResignGames - earlier.noResignGames
    d.wouldHaveResigned = wouldHaveResigned - earlier.wouldHaveResigned
    d.falseResignations = falseResignations - earlier.falseResignations
    return d
  }

  /// "draws 71 %, resigned 20 %" (of these games), or "" with none.
  public var endings: String {
    guard games > 0 else { return "" }
    let percent = { (n: Int) in String(format: "%.0f %%", 100 * Double(n) / Double(games)) }
    return "draws \(percent(draws)), resigned \(percent(resigned))"
  }

  /// "false resignations 1 of 12 (8 %)": of the no-resign games in which a side would have resigned.
  public var falseResignationSummary: String {
    "false resignations \(falseResignations) of \(wouldHaveResigned)"
      + (wouldHaveResigned > 0 ? String(format: " (%.0f %%)", 100 * falseResignationRate) : "")
  }
}

public final class SelfPlay<G: Game, E: Evaluator> where E.State == G.State {
  public let config: SelfPlayConfig
  public let search: BatchedSearch<G, E>
  var rng: SplitMix64
  var moves: [[MoveRecord]]
  var resignAllowed: [Bool]
  var wouldResign: [Player?]
  var active: [Bool]
  public private(set) var statistics = OutcomeStatistics()

  /// `parallelGames` games are played at once (one search batch).
  public init(game: G, evaluator: E, config: SelfPlayConfig, parallelGames: Int, seed: UInt64) {
    self.config = config
    search = BatchedSearch(game: game, evaluator: evaluator, config: config.search, gameCount: parallelGames, seed: seed ^ 0x5EA2C4)
    rng = SplitMix64(seed: seed)
    moves = Array(repeating: [], count: parallelGames)
    resignAllowed = Array(repeating: true, count: parallelGames)
    wouldResign = Array(repeating: nil, count: parallelGames)
    active = Array(repeating: false, count: parallelGames)
  }

  /// Plays `games` games, handing each to `onGame` as it ends. `shouldStop` is asked between moves.
  public func play(games: Int, shouldStop: () -> Bool = { false }, onGame: (GameRecord) -> Void) {
    let slots = search.gameCount
    var started = 0
    for i in 0..<slots where started < games {
      start(i)
      started += 1
    }
    while active.contains(true), !shouldStop() {
      var sims = Array(repeating: 0, count: slots), noise = Array(repeating: false, count: slots)
      var full = Array(repeating: false, count: slots)
      for i in 0..<slots where active[i] {
        full[i] = config.fullSearchProbability >= 1 || uniform(&rng) < config.fullSearchProbability
        sims[i] = full[i] ? config.search.simulations : config.cheapSimulations
        noise[i] = full[i]
      }
      let results = search.search(simulations: sims, noise: noise)
      for i in 0..<slots where active[i] {
        let state = search.roots[i]
        let r = withoutPointlessMoves(results[i], state: state, game: search.game, config: config)
        let mover = state.currentPlayer
        if let loser = resignation(r, player: mover, slot: i) {
          finish(i, resigned: loser, onGame: onGame)
        } else {
          let action = chooseAction(r, ply: state.plyCount)
          moves[i].append(MoveRecord(action: action, player: mover, fullSearch: full[i], actions: full[i] ? r.actions : [],
                                     policyTarget: full[i] ? r.policyTarget : [], rootValue: r.rootValue, simulations: r.simulations))
          search.advance(i, by: action)
          if search.roots[i].isTerminal { finish(i, resigned: nil, onGame: onGame) }
        }
        if !active[i] && started < games {
          start(i)
          started += 1
        }
      }
    }
  }

  func start(_ i: Int) {
    moves[i].removeAll(keepingCapacity: true)
    let state = randomOpening(search.game, maxPlies: config.randomOpeningPlies, rng: &rng, into: &moves[i])
    search.setRoot(i, state)
    resignAllowed[i] = uniform(&rng) >= config.noResignFraction
    wouldResign[i] = nil
    active[i] = true
  }

  /// Who resigns now (the mover), or nil. In no-resign games the first would-be resignation is noted.
  func resignation(_ r: SearchResult, player: Player, slot i: Int) -> Player? {
    guard config.resignThreshold > -1, r.rootValue < config.resignThreshold,
      (r.q.indices.filter { r.visits[$0] > 0 }.map { r.q[$0] }.max() ?? r.rootValue) < config.resignThreshold
    else { return nil }
    if resignAllowed[i] { return player }
    if wouldResign[i] == nil { wouldResign[i] = player }
    return nil
  }

  func chooseAction(_ r: SearchResult, ply: Int) -> Action { chooseMove(r, ply: ply, config: config, rng: &rng) }

  func finish(_ i: Int, resigned: Player?, onGame: (GameRecord) -> Void) {
    let outcome: Float = resigned.map { $0 == .first ? -1 : 1 } ?? (search.roots[i].outcome(for: .first) ?? 0)
    let record = GameRecord(moves: moves[i], outcomeForFirst: outcome, resigned: resigned,
                            wouldHaveResigned: wouldResign[i], resignAllowed: resignAllowed[i])
    statistics.count(record)
    active[i] = false
    onGame(record)
  }
}

/// The result without the moves a self-play player does not make (games with a pass): the pass
/// before `config.earliestPassPly`, and under `passing = when_done` the pass and every move that
/// fills the mover's own eye while another move remains (with only those left, the pass is kept and
/// the eye fills go). Their visits and policy-target shares go (the target renormalised), and a root
/// that selected one selects the remaining move with the largest target share instead. Nothing is
/// taken out when nothing would remain.
func withoutPointlessMoves<G: Game>(_ r: SearchResult, state: G.State, game: G, config: SelfPlayConfig) -> SearchResult {
  guard let pass = game.passAction, r.actions.count > 1 else { return r }
  var dropped = Array(repeating: false, count: r.actions.count)
  if config.passing == .whenDone {
    for (k, a) in r.actions.enumerated() where a == pass || game.fillsOwnEye(a, in: state) { dropped[k] = true }
    if !dropped.contains(false), let k = r.actions.firstIndex(of: pass) { dropped[k] = false }
  } else if state.plyCount < config.earliestPassPly, let k = r.actions.firstIndex(of: pass) {
    dropped[k] = true
  }
  guard dropped.contains(true), dropped.contains(false) else { return r }
  var out = r
  for k in out.actions.indices where dropped[k] { out.visits[k] = 0 }
  let kept = out.actions.indices.filter { !dropped[$0] }
  if out.policyTarget.count == out.actions.count {
    for k in out.actions.indices where dropped[k] { out.policyTarget[k] = 0 }
    // A search that spent every visit on dropped moves (PUCT with few simulations) leaves the
    // kept moves no share: the network's priors stand in.
    if out.policyTarget.reduce(0, +) <= 0, out.priors.count == out.actions.count {
      for k in kept { out.policyTarget[k] = max(out.priors[k], 1e-6) }
    }
    let total = out.policyTarget.reduce(0, +)
    if total > 0 { out.policyTarget = out.policyTarget.map { $0 / total } }
  }
  let score = { (i: Int) -> Float in
    out.policyTarget.count == out.actions.count ? out.policyTarget[i] : out.priors.count == out.actions.count ? out.priors[i] : 0
  }
  let best = kept.max { out.visits[$0] < out.visits[$1] || out.visits[$0] == out.visits[$1] && score($0) < score($1) }!
  // Visit-count move choice (PUCT) needs a kept move with a visit.
  if out.visits[best] == 0 { out.visits[best] = 1 }
  if let s = out.actions.firstIndex(of: out.selectedAction), dropped[s] {
    out.selectedAction = out.actions[kept.max { score($0) < score($1) || score($0) == score($1) && out.visits[$0] < out.visits[$1] }!]
  }
  return out
}

/// The move a search result leads to under `config`: Gumbel roots play their own selection; PUCT
/// roots sample by visits^(1/temperature) for the first `temperaturePlies` plies, then play the
/// most visited move.
func chooseMove(_ r: SearchResult, ply: Int, config: SelfPlayConfig, rng: inout SplitMix64) -> Action {
  if config.search.rootPolicy == .gumbel { return r.selectedAction }
  guard ply < config.temperaturePlies, config.temperature > 0 else {
    return r.actions[r.visits.indices.max { r.visits[$0] < r.visits[$1] }!]
  }
  let weights = r.visits.map { pow(Float($0), 1 / config.temperature) }
  var pick = uniform(&rng) * weights.reduce(0, +)
  for (k, w) in weights.enumerated() {
    pick -= w
    if pick <= 0 && w > 0 { return r.actions[k] }
  }
  return r.actions[weights.lastIndex { $0 > 0 } ?? 0]
}

/// A random opening of 0...`maxPlies` uniformly random moves (none ending the game), as move records
/// that are never samples; returns the position after it.
func randomOpening<G: Game>(_ game: G, maxPlies: Int, rng: inout SplitMix64, into moves: inout [MoveRecord]) -> G.State {
  var state = game.initialState()
  guard maxPlies > 0 else { return state }
  let plies = rng.next(below: maxPlies + 1)
  for _ in 0..<plies {
    let legal = state.legalActions
    let a = legal[rng.next(below: legal.count)]
    let next = state.applying(a)
    if next.isTerminal { break }
    moves.append(MoveRecord(action: a, player: state.currentPlayer, fullSearch: false, actions: [], policyTarget: [], rootValue: 0, simulations: 0))
    state = next
  }
  return state
}
