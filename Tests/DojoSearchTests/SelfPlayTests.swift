import DojoGames
import DojoTestSupport
import Testing
@testable import DojoSearch

/// Says the first player is lost in every position (its value, for the side to move, is -0.99
/// when the first player moves and +0.99 when the second does).
struct FirstPlayerLostEvaluator<S: GameState>: Evaluator {
  mutating func evaluate(_ batch: inout LeafBatch<S>) {
    for i in 0..<batch.count {
      let r = batch.range(of: i)
      for j in r { batch.priors[j] = 1 / Float(r.count) }
      batch.values[i] = batch.states[i].currentPlayer == .first ? -0.99 : 0.99
    }
  }
}

func replayed(_ record: GameRecord) -> TicTacToeState {
  var s = TicTacToe().initialState()
  for m in record.moves { s.apply(m.action) }
  return s
}

@Test("self-play games replay to their recorded result, and only full searches are samples", arguments: [SearchConfig.RootPolicy.puct, .gumbel])
func selfPlayRecordsAreConsistent(policy: SearchConfig.RootPolicy) {
  var config = SelfPlayConfig()
  config.search.rootPolicy = policy
  config.search.simulations = 24
  config.cheapSimulations = 6
  config.fullSearchProbability = 0.5
  config.resignThreshold = -2
  let seed: UInt64 = 77
  let selfPlay = SelfPlay(game: TicTacToe(), evaluator: HashEvaluator<TicTacToeState>(), config: config, parallelGames: 8, seed: seed)
  var records: [GameRecord] = []
  selfPlay.play(games: 30) { records.append($0) }
  #expect(records.count == 30, "seed \(seed)")
  var full = 0, cheap = 0
  for r in records {
    let end = replayed(r)
    #expect(end.isTerminal && end.outcome(for: .first) == r.outcomeForFirst && r.resigned == nil, "seed \(seed)")
    for (k, m) in r.moves.enumerated() {
      #expect(m.player == (k % 2 == 0 ? .first : .second))
      if m.fullSearch {
        full += 1
        #expect(m.simulations == 24 && abs(m.policyTarget.reduce(0, +) - 1) < 1e-4 && m.actions.contains(m.action))
      } else {
        cheap += 1
        #expect(m.simulations <= 6 && m.policyTarget.isEmpty)
      }
    }
  }
  // About half the moves are full searches (binomial, so loosely).
  #expect(full > 40 && cheap > 40, "seed \(seed): \(full) full, \(cheap) cheap")
}

@Test func temperatureMakesOpeningsVaryAndZeroTemperatureDoesNot() {
  func openings(temperaturePlies: Int) -> Set<[Action]> {
    var config = SelfPlayConfig()
    config.search.rootPolicy = .puct
    config.search.simulations = 30
    config.search.dirichletEpsilon = 0
    config.fullSearchProbability = 1
    config.temperaturePlies = temperaturePlies
    config.resignThreshold = -2
    var seen: Set<[Action]> = []
    let selfPlay = SelfPlay(game: TicTacToe(), evaluator: HashEvaluator<TicTacToeState>(), config: config, parallelGames: 4, seed: 3)
    selfPlay.play(games: 16) { seen.insert(Array($0.moves.prefix(2).map(\.action))) }
    return seen
  }
  #expect(openings(temperaturePlies: 0).count == 1)
  #expect(openings(temperaturePlies: 9).count > 4)
}

@Test func resignationAndFalseResignationsAreCounted() {
  var config = SelfPlayConfig()
  config.search.rootPolicy = .puct
  config.search.simulations = 8
  config.fullSearchProbability = 1
  config.resignThreshold = -0.9
  config.noResignFraction = 0.3
  let selfPlay = SelfPlay(game: TicTacToe(), evaluator: FirstPlayerLostEvaluator<TicTacToeState>(), config: config, parallelGames: 10, seed: 11)
  var records: [GameRecord] = []
  selfPlay.play(games: 60) { records.append($0) }
  let resignable = records.filter(\.resignAllowed), protected = records.filter { !$0.resignAllowed }
  #expect(!resignable.isEmpty && !protected.isEmpty)
  // Where allowed, the first player gives up at once; where not, nobody resigns but it is noted.
  #expect(resignable.allSatisfy { $0.resigned == .first && $0.moves.isEmpty && $0.outcomeForFirst == -1 })
  #expect(protected.allSatisfy { $0.resigned == nil && $0.wouldHaveResigned == .first && replayed($0).isTerminal })
  let stats = selfPlay.statistics
  #expect(stats.games == 60 && stats.resigned == resignable.count && stats.noResignGames == protected.count)
  #expect(stats.falseResignations == protected.filter { $0.outcome(for: .first) >= 0 }.count)
}

@Test func forcedPlayoutsArePrunedFromTheTarget() {
  var config = SearchConfig()
  config.rootPolicy = .puct
  config.forcedPlayoutFactor = 2
  let search = BatchedSearch(game: ConnectFour<UInt64>(), evaluator: HashEvaluator<ConnectFourState<UInt64>>(), config: config, gameCount: 1, seed: 1)
  let r = search.search(simulations: [200], noise: [true])[0]
  let total = Float(r.visits.reduce(0, +))
  let best = r.visits.indices.max { r.visits[$0] < r.visits[$1] }!
  // Every child got its forced visits, and the target takes visits back from children other than
  // the best (relative to the best, no child gains), and from at least one of them.
  var pruned = 0
  for k in r.actions.indices {
    #expect(Float(r.visits[k]) >= (2 * r.priors[k] * total).squareRoot() - 1, "child \(k) lacks forced visits")
    let kept = r.policyTarget[k] / r.policyTarget[best], raw = Float(r.visits[k]) / Float(r.visits[best])
    #expect(kept <= raw + 1e-5)
    if kept < raw - 1e-5 { pruned += 1 }
  }
  #expect(pruned > 0)
  #expect(abs(r.policyTarget.reduce(0, +) - 1) < 1e-5)
}

/// Eight self-play games of `game` (Go) with 8 simulations, no resignation and a net sure that Black
/// loses (the degenerate start of Go self-play), under `configure`'s passing settings.
func goSelfPlay(_ game: Go, policy: SearchConfig.RootPolicy, seed: UInt64, _ configure: (inout SelfPlayConfig) -> Void) -> [GameRecord] {
  var config = SelfPlayConfig()
  config.search.rootPolicy = policy
  config.search.simulations = 8
  config.resignThreshold = -2
  configure(&config)
  let selfPlay = SelfPlay(game: game, evaluator: FirstPlayerLostEvaluator<GoState>(), config: config, parallelGames: 4, seed: seed)
  var records: [GameRecord] = []
  selfPlay.play(games: 8) { records.append($0) }
  return records
}

@Test("before earliest_pass_ply no player passes, and the pass gets no policy target", arguments: [SearchConfig.RootPolicy.puct, .gumbel])
func earlyPassesAreLeftOutOfSelfPlay(policy: SearchConfig.RootPolicy) {
  // The degenerate start of Go self-play: a net sure that Black loses makes Black indifferent, so it
  // passes, and White passes back and wins by komi.
  let game = Go(size: 5, komi: 0.5)
  func play(earliest: Int) -> [GameRecord] { goSelfPlay(game, policy: policy, seed: 21) { $0.earliestPassPly = earliest } }
  let early = { (r: GameRecord) in r.moves.prefix(12).contains { $0.action == game.pass } }
  #expect(play(earliest: 0).contains(where: early), "without the rule some game passes early (the failure this guards against)")
  let guarded = play(earliest: 12)
  #expect(guarded.count == 8)
  for (n, r) in guarded.enumerated() {
    #expect(!early(r), "game \(n) (seed 21) passed before ply 12")
    #expect(r.moves.count >= 12)
    for m in r.moves.prefix(12) where m.fullSearch {
      let k = m.actions.firstIndex(of: game.pass)
      #expect(k.map { m.policyTarget[$0] } == 0, "game \(n): the pass kept a target share before ply 12")
      #expect(abs(m.policyTarget.reduce(0, +) - 1) < 1e-4)
    }
  }
}

@Test(arguments: [SearchConfig.RootPolicy.gumbel, .puct])
func passingWhenDonePlaysGamesOutWithoutFillingOwnEyes(policy: SearchConfig.RootPolicy) {
  // Under `passing = when_done` a player passes only when every other legal move fills one of its
  // own eyes, and fills none while it has another move: the games are played out.
  let game = Go(size: 5, komi: 0.5)
  func play(_ passing: SelfPlayConfig.Passing) -> [GameRecord] { goSelfPlay(game, policy: policy, seed: 23) { $0.passing = passing } }
  let free = play(.free), done = play(.whenDone)
  #expect(done.count == 8)
  var eyeFillsRefused = 0
  for (n, r) in done.enumerated() {
    var s = game.initialState()
    for (ply, m) in r.moves.enumerated() {
      let useful = s.legalActions.filter { $0 != game.pass && !game.fillsOwnEye($0, in: s) }
      if m.action == game.pass {
        #expect(useful.isEmpty, "game \(n) (seed 23) ply \(ply): passed with \(useful.map(game.notation)) left")
      } else {
        #expect(!game.fillsOwnEye(m.action, in: s), "game \(n) (seed 23) ply \(ply): filled its own eye at \(game.notation(of: m.action))")
      }
      if m.fullSearch {
        for (k, a) in m.actions.enumerated() where a == game.pass && !useful.isEmpty || game.fillsOwnEye(a, in: s) {
          #expect(m.policyTarget[k] == 0, "game \(n) ply \(ply): \(game.notation(of: a)) kept a target share")
        }
        #expect(abs(m.policyTarget.reduce(0, +) - 1) < 1e-4)
      }
      eyeFillsRefused += s.legalActions.filter { game.fillsOwnEye($0, in: s) }.count > 0 ? 1 : 0
      s.apply(m.action)
    }
    #expect(s.isTerminal)
  }
  #expect(eyeFillsRefused > 0, "no position offered an eye fill: the rule was never exercised")
  // Without the rule the same players pass early or fill their own eyes (the failure it guards against).
  let pointless = free.reduce(0) { total, r in
    var s = game.initialState(), n = 0
    for m in r.moves {
      let useful = s.legalActions.contains { $0 != game.pass && !game.fillsOwnEye($0, in: s) }
      if useful && (m.action == game.pass || game.fillsOwnEye(m.action, in: s)) { n += 1 }
      s.apply(m.action)
    }
    return total + n
  }
  #expect(pointless > 0, "under free passing no game passed early or filled an eye: the test shows nothing")
}
