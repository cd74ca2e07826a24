// The engine's brain when it searches: one BatchedSearch over any evaluator (a network, random
// rollouts), its tree kept from move to move and across analysis updates.

import DojoGames
import DojoSearch

public final class SearchBrain<E: Evaluator>: GTPBrain where E.State == GoState {
  let search: BatchedSearch<Go, E>
  public let simulations: Int
  /// The position the tree is rooted at, nil before the first search.
  var root: GoState?

  public init(game: Go, evaluator: E, config: SearchConfig, simulations: Int, seed: UInt64) {
    search = BatchedSearch(game: game, evaluator: evaluator, config: config, gameCount: 1, seed: seed)
    self.simulations = max(1, simulations)
  }

  /// Roots the tree at `state`: kept when it is the root already, its subtree kept when `state`
  /// follows the root by one move, else a new tree.
  func moveRoot(to state: GoState) {
    defer { root = state }
    guard let root else { return search.setRoot(0, state) }
    if root == state { return }
    if state.plyCount == root.plyCount + 1, state.lastMove >= 0, root.isLegal(Int(state.lastMove)), root.applying(Int(state.lastMove)) == state {
      search.advance(0, by: Int(state.lastMove))
    } else {
      search.setRoot(0, state)
    }
  }

  public func move(_ state: GoState, simulations: Int) -> Action {
    moveRoot(to: state)
    let r = search.search(simulations: [max(1, simulations)], noise: [false])[0]
    return r.selectedAction
  }

  public func analyse(_ state: GoState, simulations: Int) -> [GTPMoveInfo]? {
    moveRoot(to: state)
    let r = search.search(simulations: [max(1, simulations)], noise: [false])[0]
    return r.actions.indices.map { i in
      GTPMoveInfo(action: r.actions[i], visits: Int(r.visits[i]), winrate: (r.q[i] + 1) / 2, prior: r.priors[i],
                  pv: r.visits[i] > 0 ? search.principalVariation(0, startingWith: r.actions[i], length: 10) : [r.actions[i]])
    }
  }
}
