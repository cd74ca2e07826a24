// League matches: a learning agent against an opponent, each with its own evaluator and its own
// settings, many games in lockstep. At every step each side runs one batched search over the games
// in which it is to move, so both still make one evaluator call per step for all their games.
// Only the learning agent's full searches become training samples; the opponent searches without
// root noise and its moves are recorded as plain moves. League games never resign.

import DojoGames

public final class MatchPlay<G: Game, A: Evaluator, B: Evaluator> where A.State == G.State, B.State == G.State {
  public let learnerConfig: SelfPlayConfig
  public let opponentConfig: SelfPlayConfig
  let learner: BatchedSearch<G, A>
  let opponent: BatchedSearch<G, B>
  var rng: SplitMix64
  var moves: [[MoveRecord]]
  var learnerSide: [Player]
  var active: [Bool]

  /// `parallelGames` games at once; the learner's evaluator `learnerEvaluator`, the opponent's `opponentEvaluator`.
  public init(game: G, learnerEvaluator: A, learnerConfig: SelfPlayConfig, opponentEvaluator: B, opponentConfig: SelfPlayConfig,
              parallelGames: Int, seed: UInt64) {
    self.learnerConfig = learnerConfig
    self.opponentConfig = opponentConfig
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
      opponent.setRoot(i, state)
      learnerSide[i] = started % 2 == 0 ? .first : .second
      index[i] = started
      active[i] = true
      started += 1
    }
    for i in 0..<slots where started < games { start(i) }
    while active.contains(true), !shouldStop() {
      var learnerSims = Array(repeating: 0, count: slots), learnerNoise = Array(repeating: false, count: slots)
      var opponentSims = Array(repeating: 0, count: slots), full = Array(repeating: false, count: slots)
      for i in 0..<slots where active[i] {
        if learner.roots[i].currentPlayer == learnerSide[i] {
          full[i] = learnerConfig.fullSearchProbability >= 1 || uniform(&rng) < learnerConfig.fullSearchProbability
          learnerSims[i] = full[i] ? learnerConfig.search.simulations : learnerConfig.cheapSimulations
          learnerNoise[i] = full[i]
        } else {
          opponentSims[i] = opponentConfig.search.simulations
        }
      }
      let mine = learner.search(simulations: learnerSims, noise: learnerNoise)
      let theirs = opponent.search(simulations: opponentSims, noise: Array(repeating: false, count: slots))
      for i in 0..<slots where active[i] {
        let state = learner.roots[i], mover = state.currentPlayer
        let record: MoveRecord
        if mover == learnerSide[i] {
          let r = withoutPointlessMoves(mine[i], state: state, game: learner.game, config: learnerConfig)
          let action = chooseMove(r, ply: state.plyCount, config: learnerConfig, rng: &rng)
          record = MoveRecord(action: action, player: mover, fullSearch: full[i], actions: full[i] ? r.actions : [],
                              policyTarget: full[i] ? r.policyTarget : [], rootValue: r.rootValue, simulations: r.simulations)
        } else {
          let r = withoutPointlessMoves(theirs[i], state: state, game: learner.game, config: opponentConfig)
          let action = chooseMove(r, ply: state.plyCount, config: opponentConfig, rng: &rng)
          record = MoveRecord(action: action, player: mover, fullSearch: false, actions: [], policyTarget: [], rootValue: r.rootValue,
                              simulations: r.simulations)
        }
        moves[i].append(record)
        learner.advance(i, by: record.action)
        opponent.advance(i, by: record.action)
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
