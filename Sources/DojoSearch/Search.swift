// Batched MCTS: B games searched in lockstep. Each step gathers one leaf (or `leavesPerTree`, kept
// apart by virtual loss) from every game still searching, makes one evaluator call for all of
// them, then expands the leaves and backs their values up. Policies (PUCT, Gumbel) are in
// Search+PUCT.swift and Search+Gumbel.swift; this file is the mechanism.

import DojoGames

#if canImport(Glibc)
import Glibc
#endif

/// What a search found at one game's root.
public struct SearchResult: Sendable {
  /// The root's legal actions, ascending, and per action: visits, Q (for the side to move at the
  /// root), and the prior used (after noise, if any).
  public var actions: [Action] = []
  public var visits: [Int32] = []
  public var q: [Float] = []
  public var priors: [Float] = []
  /// The training target over `actions` (sums to 1): visit counts for PUCT (after target pruning),
  /// the completed-Q improved policy for Gumbel.
  public var policyTarget: [Float] = []
  /// The root's mean value and the evaluator's raw value, for the side to move at the root.
  public var rootValue: Float = 0
  public var evaluatorValue: Float = 0
  /// Gumbel: the action sequential halving chose. PUCT: the most visited action.
  public var selectedAction: Action = 0
  public var simulations = 0
  public var maxDepth = 0
  public var nodeCount = 0
}

public final class BatchedSearch<G: Game, E: Evaluator> where E.State == G.State {
  public let game: G
  public var evaluator: E
  public let config: SearchConfig
  public let gameCount: Int

  var trees: [Tree]
  var spare = Tree()
  var bfsQueue: [Int32] = []
  public private(set) var roots: [G.State]
  var rng: SplitMix64

  // Per game, for the search in progress.
  var simulationsDone: [Int]
  var simulationsWanted: [Int]
  var maxDepth: [Int]
  /// Gumbel: noise per root edge, the considered edges, and the visit schedule (see Search+Gumbel).
  var gumbelNoise: [[Float]]
  var considered: [[Bool]]
  var schedule: [[Int32]]

  // Leaves waiting for the evaluator: their game, node, and path (edges and their parents).
  var batch = LeafBatch<G.State>()
  var leafGame: [Int] = []
  var leafNode: [Int32] = []
  var leafPathEnd: [Int] = []
  var pathEdges: [Int32] = []
  var pathParents: [Int32] = []
  var scratch: [Action] = []

  /// The path of the simulation in progress (edges, and their parent nodes): fixed buffers of the
  /// game's maximum length, so walking down and backing up touch no array bookkeeping.
  let walkEdges: UnsafeMutablePointer<Int32>
  let walkParents: UnsafeMutablePointer<Int32>

  /// c(s) · sqrt(max(N, 1)) for N = 0 ..< 65536 (see explorationScale).
  var explorationTable: [Float] = []

  /// Evaluator calls made so far (one per step).
  public private(set) var evaluatorCalls = 0

  public init(game: G, evaluator: E, config: SearchConfig, gameCount: Int, seed: UInt64) {
    self.game = game
    self.evaluator = evaluator
    self.config = config
    self.gameCount = gameCount
    trees = Array(repeating: Tree(), count: gameCount)
    roots = Array(repeating: game.initialState(), count: gameCount)
    rng = SplitMix64(seed: seed)
    simulationsDone = Array(repeating: 0, count: gameCount)
    simulationsWanted = Array(repeating: 0, count: gameCount)
    maxDepth = Array(repeating: 0, count: gameCount)
    gumbelNoise = Array(repeating: [], count: gameCount)
    considered = Array(repeating: [], count: gameCount)
    schedule = Array(repeating: [], count: gameCount)
    walkEdges = .allocate(capacity: game.maxLength + 1)
    walkParents = .allocate(capacity: game.maxLength + 1)
    for i in 0..<gameCount { resetTree(i) }
    explorationTable = (0..<65536).map { v in
      let n = Float(v)
      return (log((1 + n + config.cPuctBase) / config.cPuctBase) + config.cPuctInit) * max(n, 1).squareRoot()
    }
  }

  deinit {
    walkEdges.deallocate()
    walkParents.deallocate()
  }

  /// Starts game `i` afresh from `state` (its tree is cleared).
  public func setRoot(_ i: Int, _ state: G.State) {
    roots[i] = state
    resetTree(i)
  }

  /// Plays `action` in game `i`, keeping the subtree below it for the next search.
  public func advance(_ i: Int, by action: Action) {
    let tree = trees[i]
    roots[i].apply(action)
    guard tree.nodeCount > 0, tree.isExpanded(0),
      let e = tree.edges(of: 0).first(where: { Int(tree.action[$0]) == action }), tree.child[e] >= 0
    else {
      resetTree(i)
      return
    }
    tree.extractSubtree(tree.child[e], into: &spare, queue: &bfsQueue)
    swap(&trees[i], &spare)
  }

  func resetTree(_ i: Int) {
    trees[i].removeAll()
    _ = trees[i].addNode(player: roots[i].currentPlayer)
  }

  /// Runs `simulations[i]` simulations in every game i (0 skips a game; finished games are skipped),
  /// with root noise where `noise[i]`. Returns one result per game (empty for skipped games).
  public func search(simulations: [Int], noise: [Bool]) -> [SearchResult] {
    precondition(simulations.count == gameCount && noise.count == gameCount)
    for i in 0..<gameCount {
      simulationsDone[i] = 0
      maxDepth[i] = 0
      simulationsWanted[i] = roots[i].isTerminal ? 0 : simulations[i]
    }
    // Roots that were never evaluated are evaluated first (not counted as simulations).
    beginStep()
    for i in 0..<gameCount where simulationsWanted[i] > 0 && !trees[i].isExpanded(0) {
      queueLeaf(game: i, node: 0, state: roots[i])
    }
    finishStep()
    for i in 0..<gameCount where simulationsWanted[i] > 0 {
      prepareRoot(i, noise: noise[i])
    }
    while true {
      beginStep()
      var active = false
      for i in 0..<gameCount where simulationsDone[i] < simulationsWanted[i] {
        active = true
        for _ in 0..<max(1, config.leavesPerTree) where simulationsDone[i] < simulationsWanted[i] {
          if !simulate(i) { break }
        }
      }
      if !active { break }
      finishStep()
    }
    return (0..<gameCount).map { simulationsWanted[$0] > 0 ? result($0) : SearchResult() }
  }

  func beginStep() {
    batch.removeAll()
    leafGame.removeAll(keepingCapacity: true)
    leafNode.removeAll(keepingCapacity: true)
    leafPathEnd.removeAll(keepingCapacity: true)
    pathEdges.removeAll(keepingCapacity: true)
    pathParents.removeAll(keepingCapacity: true)
  }

  func queueLeaf(game i: Int, node: Int32, state: G.State) {
    batch.append(state, scratch: &scratch)
    leafGame.append(i)
    leafNode.append(node)
    leafPathEnd.append(pathEdges.count)
  }

  /// One evaluator call for every queued leaf; then expansion and backup.
  func finishStep() {
    guard batch.count > 0 else { return }
    batch.prepareOutputs()
    evaluator.evaluate(&batch)
    evaluatorCalls += 1
    var start = 0
    for k in 0..<batch.count {
      let i = leafGame[k], end = leafPathEnd[k]
      let r = batch.range(of: k)
      trees[i].expand(leafNode[k], actions: batch.actions[r], priors: batch.priors[r], value: batch.values[k], terminal: false)
      if config.leavesPerTree > 1 { trees[i].addVirtualLoss(path: pathEdges[start..<end], amount: -1) }
      trees[i].backup(path: pathEdges[start..<end], parents: pathParents[start..<end], leaf: leafNode[k],
                      value: batch.values[k], leafPlayer: trees[i].nodePlayer[Int(leafNode[k])])
      start = end
    }
  }

  /// One simulation in game i: walks down to a leaf. A finished game is backed up at once; a new
  /// position is queued for evaluation. Returns false on a collision with a leaf already queued.
  func simulate(_ i: Int) -> Bool {
    // Work on the tree as a local value: swapping it out of the array is a pointer swap, and a
    // local is never shared, so no retain, uniqueness or exclusivity checks per access.
    var tree = Tree()
    swap(&tree, &trees[i])
    defer { swap(&tree, &trees[i]) }
    var node: Int32 = 0
    var state = roots[i]
    var depth = 0
    while true {
      if tree.isTerminal[Int(node)] {
        simulationsDone[i] += 1
        tree.backup(path: UnsafeBufferPointer(start: walkEdges, count: depth), parents: UnsafeBufferPointer(start: walkParents, count: depth),
                    leaf: node, value: tree.rawValue[Int(node)], leafPlayer: tree.nodePlayer[Int(node)])
        return true
      }
      // Queued for evaluation earlier in this step: give up this walk.
      guard tree.isExpanded(node) else { return false }
      let e = depth == 0 ? selectAtRoot(i, tree) : selectInterior(tree, node)
      walkEdges[depth] = Int32(e)
      walkParents[depth] = node
      state.apply(Int(tree.action[e]))
      depth += 1
      if tree.child[e] < 0 {
        let c = tree.addNode(player: state.currentPlayer)
        tree.child[e] = c
        maxDepth[i] = max(maxDepth[i], depth)
        simulationsDone[i] += 1
        let path = UnsafeBufferPointer(start: walkEdges, count: depth)
        if state.isTerminal {
          let v = state.outcome(for: state.currentPlayer) ?? 0
          tree.expand(c, actions: [], priors: [], value: v, terminal: true)
          tree.backup(path: path, parents: UnsafeBufferPointer(start: walkParents, count: depth), leaf: c, value: v,
                      leafPlayer: tree.nodePlayer[Int(c)])
        } else {
          if config.leavesPerTree > 1 { tree.addVirtualLoss(path: path, amount: 1) }
          pathEdges.append(contentsOf: path)
          pathParents.append(contentsOf: UnsafeBufferPointer(start: walkParents, count: depth))
          queueLeaf(game: i, node: c, state: state)
        }
        return true
      }
      node = tree.child[e]
    }
  }

  /// The line the search of game `i` expects after `action` at its root: `action`, then at each node
  /// the most visited edge, while one has visits (at most `length` moves). Empty if `action` is not a root edge.
  public func principalVariation(_ i: Int, startingWith action: Action, length: Int) -> [Action] {
    let t = trees[i]
    guard t.nodeCount > 0, t.isExpanded(0), let first = t.edges(of: 0).first(where: { Int(t.action[$0]) == action }) else { return [] }
    var line = [action]
    var node = t.child[first]
    while line.count < length, node >= 0, t.isExpanded(node) {
      guard let e = t.edges(of: node).max(by: { t.edgeVisits[$0] < t.edgeVisits[$1] }), t.edgeVisits[e] > 0 else { break }
      line.append(Int(t.action[e]))
      node = t.child[e]
    }
    return line
  }

  func result(_ i: Int) -> SearchResult {
    let t = trees[i]
    let r = t.edges(of: 0)
    var out = SearchResult()
    out.actions = r.map { Int(t.action[$0]) }
    out.visits = r.map { t.edgeVisits[$0] }
    out.q = r.map { t.q($0) }
    out.priors = r.map { t.prior[$0] }
    out.rootValue = t.value(of: 0)
    out.evaluatorValue = t.rawValue[0]
    out.simulations = simulationsDone[i]
    out.maxDepth = maxDepth[i]
    out.nodeCount = t.nodeCount
    if config.rootPolicy == .gumbel {
      out.policyTarget = improvedPolicy(t, node: 0)
      out.selectedAction = Int(t.action[gumbelChoice(i, t)])
    } else {
      out.policyTarget = prunedVisitTarget(t)
      out.selectedAction = out.actions[out.visits.indices.max { out.visits[$0] < out.visits[$1] }!]
    }
    return out
  }
}
