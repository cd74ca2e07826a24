// A plain, readable exact solver over any game's `GameState` (full minimax with a memo): the
// reference that fast solvers are tested against, on positions small enough to search completely.

import DojoGames

/// Exact scores by plain minimax, in the solver test sets' convention: for the side to move, a win
/// scores (cellCount + 1 - n) / 2 when n stones were on the board before the winning one, a loss the
/// negative of the opponent's win, a draw 0.
public final class MinimaxScorer<S: GameState> {
  let cellCount: Int
  var memo: [S: Int] = [:]
  var actions: [[Action]] = []

  public init(cellCount: Int) { self.cellCount = cellCount }

  /// The score of `state` (not terminal) for the side to move.
  public func score(_ state: S) -> Int {
    moveScores(state).compactMap { $0 }.max()!
  }

  /// Each action's score for the side to move, nil where it is illegal; `actionCount` entries.
  public func moveScores(_ state: S, actionCount: Int? = nil) -> [Int?] {
    var legal: [Action] = []
    state.legalActions(into: &legal)
    var scores = [Int?](repeating: nil, count: actionCount ?? ((legal.max() ?? 0) + 1))
    for a in legal { scores[a] = value(after: a, in: state) }
    return scores
  }

  private func value(after a: Action, in state: S) -> Int {
    var child = state
    child.apply(a)
    if let o = child.outcome(for: state.currentPlayer) {
      return o > 0 ? (cellCount + 1 - state.plyCount) / 2 : 0
    }
    return -solved(child)
  }

  private func solved(_ state: S) -> Int {
    if let v = memo[state] { return v }
    var legal: [Action] = []
    state.legalActions(into: &legal)
    var best = Int.min
    for a in legal { best = max(best, value(after: a, in: state)) }
    memo[state] = best
    return best
  }
}
