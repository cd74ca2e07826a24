// League matches: a learning agent against an opponent, each with its own evaluator and its own
// settings, many games in lockstep. At every step each side runs one batched search over the games
// in which it is to move, so both still make one evaluator call per step for all their games.
// The learning agent's full searches (with root noise) become training samples; so do the
// opponent's when it is a learning agent too (`.bothSides`: a self-play game between two current
// agents, each side's positions for its own table). Against itself (`.mirror`) one search serves
// both sides: one full-size batch per step instead of two half-size ones, and every position is a
// sample, as in plain self-play. A frozen opponent searches without noise and its moves are
// recorded as plain moves. League games never resign.

import DojoGames

/// Whose positions in a match become training samples.
public enum MatchSamples: Sendable, Equatable {
  /// The learning agent's only: the opponent is frozen (a snapshot, an anchor, another role's model).
  case learner
  /// Both sides', each for its own agent: the opponent is a current learning agent.
  case bothSides
  /// The learning agent plays itself: one search for both sides, every position a sample.
  case mirror
}

public final class MatchPlay<G: Game, A: Evaluator, B: Evaluator> where A.State == G.State, B.State == G.State {
  public let learnerConfig: SelfPlayConfig
  public let opponentConfig: SelfPlayConfig
  public let samples: MatchSamples
  let learner: BatchedSearch<G, A>
  let opponent: BatchedSearch<G, B>
  var rng: SplitMix64
  var moves: [[MoveRecord]]
  var learnerSide: [Player]
  var active: [Bool]

  /// `parallelGames` games at once; the learner's evaluator `learnerEvaluator`, the opponent's
  /// `opponentEvaluator` (unused under `.mirror`, where the learner's plays both sides).
  public init(game: G, learnerEvaluator: A, learnerConfig: SelfPlayConfig, opponentEvaluator: B, opponentConfig: SelfPlayConfig,
              parallelGames: Int, seed: UInt64, samples: MatchSamples = .learner) {
    self.learnerConfig = learnerConfig
    self.opponentConfig = samples == .mirror ? learnerConfig : opponentConfig
    self.samples = samples
    learner = BatchedSearch(game: game, evaluator: learnerEvaluator, config: learnerConfig.search, gameCount: parallelGames, seed: seed ^ 0x1EA6)
    opponent = BatchedSearch(game: game, evaluator: opponentEvaluator, config: opponentConfig.search, gameCount: parallelGames, seed: seed ^ 0x0990)
    rng = SplitMix64(seed: seed)
    moves = Array(repeating: [], count: parallelGames)
    learnerSide = Array(repeating: .first, count: parallelGames)
    active = Array(repeating: false, count: parallelGames)
  }

  /// Plays `games` games, the learner moving first in the even-numbered ones. Each finished game goes
  /// to `onGame` with its number and the learner's side. `shouldStop` is asked between moves.
  public func play(games: Int, shouldStop: () -> Bool = { false }, onGame: (_ record: GameRecord, _ index: Int, _ learnerSide: Player) -> Void) {
    let slots = learner.gameCount
    var started = 0
    var index = Array(repeating: 0, count: slots)
    func start(_ i: Int) {
      moves[i].removeAll(keepingCapacity: true)
      let state = randomOpening(learner.game, maxPlies: learnerConfig.randomOpeningPlies, rng: &rng, into: &moves[i])
      learner.setRoot(i, state)
      if samples != .mirror { opponent.setRoot(i, state) }
      learnerSide[i] = started % 2 == 0 ? .first : .second
      index[i] = started
      active[i] = true
      started += 1
    }
    for i in 0..<slots where started < games { start(i) }
    let mirror = samples == .mirror, bothLearn = samples != .learner
    var learnerSims = Array(repeating: 0, count: slots), learnerNoise = Array(repeating: false, count: slots)
    var opponentSims = Array(repeating: 0, count: slots), opponentNoise = Array(repeating: false, count: slots)
    var full = Array(repeating: false, count: slots)
    while active.contains(true), !shouldStop() {
      for i in 0..<slots {
        learnerSims[i] = 0
        opponentSims[i] = 0
        guard active[i] else { continue }
        let learnerSearches = mirror || learner.roots[i].currentPlayer == learnerSide[i]
        let config = learnerSearches ? learnerConfig : opponentConfig
        let sims: Int
        if learnerSearches || bothLearn {
          full[i] = config.fullSearchProbability >= 1 || uniform(&rng) < config.fullSearchProbability
          sims = full[i] ? config.search.simulations : config.cheapSimulations
        } else {
          full[i] = false
          sims = config.search.simulations
        }
        if learnerSearches { (learnerSims[i], learnerNoise[i]) = (sims, full[i]) } else { (opponentSims[i], opponentNoise[i]) = (sims, full[i]) }
      }
      let mine = learner.search(simulations: learnerSims, noise: learnerNoise)
      let theirs = mirror ? [] : opponent.search(simulations: opponentSims, noise: opponentNoise)
      for i in 0..<slots where active[i] {
        let state = learner.roots[i], mover = state.currentPlayer
        let learnerSearched = mirror || mover == learnerSide[i]
        let config = learnerSearched ? learnerConfig : opponentConfig
        let r = withoutPointlessMoves(learnerSearched ? mine[i] : theirs[i], state: state, game: learner.game, config: config)
        let action = chooseMove(r, ply: state.plyCount, config: config, rng: &rng)
        let record = MoveRecord(action: action, player: mover, fullSearch: full[i], actions: full[i] ? r.actions : [],
                                policyTarget: full[i] ? r.policyTarget : [], rootValue: r.rootValue, simulations: r.simulations)
        moves[i].append(record)
        learner.advance(i, by: record.action)
        if !mirror { opponent.advance(i, by: record.action) }
        if learner.roots[i].isTerminal {
          let outcome = learner.roots[i].outcome(for: .first) ?? 0
          active[i] = false
          onGame(GameRecord(moves: moves[i], outcomeForFirst: outcome, resigned: nil, wouldHaveResigned: nil, resignAllowed: false),
                 index[i], learnerSide[i])
          if started < games { start(i) }
        }
      }
    }
  }
}
