import DojoGames

// One search tree as a struct of arrays. Nodes and edges live in flat arrays that keep their
// capacity when the tree is reset, so a search allocates nothing per simulation once warm.
//
// Perspective (the one rule): an edge's value sum W and mean Q are from the point of view of the
// player who chooses that edge, the side to move at its parent. A node's value sum is from the
// point of view of the side to move at that node.

struct Tree {
  // Nodes. Node 0 is the root.
  var firstEdge: [Int32] = []
  var edgeCount: [Int32] = []
  var nodeVisits: [Int32] = []
  var nodeValueSum: [Float] = []
  /// The side to move at the node (Player.rawValue).
  var nodePlayer: [UInt8] = []
  /// The evaluator's value at expansion (side to move's view); NaN until expanded.
  var rawValue: [Float] = []
  /// Whether the node is a finished game (its rawValue is then the exact outcome).
  var isTerminal: [Bool] = []

  // Edges: the legal actions of expanded nodes, ascending by action within a node.
  var action: [Int32] = []
  var prior: [Float] = []
  /// The child node, or -1 if never visited.
  var child: [Int32] = []
  var edgeVisits: [Int32] = []
  var edgeValueSum: [Float] = []

  var nodeCount: Int { nodeVisits.count }

  mutating func removeAll() {
    firstEdge.removeAll(keepingCapacity: true)
    edgeCount.removeAll(keepingCapacity: true)
    nodeVisits.removeAll(keepingCapacity: true)
    nodeValueSum.removeAll(keepingCapacity: true)
    nodePlayer.removeAll(keepingCapacity: true)
    rawValue.removeAll(keepingCapacity: true)
    isTerminal.removeAll(keepingCapacity: true)
    action.removeAll(keepingCapacity: true)
    prior.removeAll(keepingCapacity: true)
    child.removeAll(keepingCapacity: true)
    edgeVisits.removeAll(keepingCapacity: true)
    edgeValueSum.removeAll(keepingCapacity: true)
  }

  /// Adds an unexpanded node for a position with `player` to move; returns its index.
  mutating func addNode(player: Player) -> Int32 {
    firstEdge.append(Int32(action.count))
    edgeCount.append(0)
    nodeVisits.append(0)
    nodeValueSum.append(0)
    nodePlayer.append(UInt8(player.rawValue))
    rawValue.append(.nan)
    isTerminal.append(false)
    return Int32(nodeVisits.count - 1)
  }

  func isExpanded(_ n: Int32) -> Bool { !rawValue[Int(n)].isNaN }

  /// Gives node `n` its edges (the leaf's legal actions and priors) and its evaluated value.
  mutating func expand(_ n: Int32, actions: ArraySlice<Action>, priors: ArraySlice<Float>, value: Float, terminal: Bool) {
    let i = Int(n)
    firstEdge[i] = Int32(action.count)
    edgeCount[i] = Int32(actions.count)
    for a in actions { action.append(Int32(a)) }
    prior.append(contentsOf: priors)
    for _ in 0..<actions.count {
      child.append(-1)
      edgeVisits.append(0)
      edgeValueSum.append(0)
    }
    rawValue[i] = value
    isTerminal[i] = terminal
  }

  @inline(__always) func edges(of n: Int32) -> Range<Int> {
    let f = Int(firstEdge[Int(n)])
    return f..<(f + Int(edgeCount[Int(n)]))
  }

  /// Q of an edge for its chooser (0 when unvisited).
  @inline(__always) func q(_ e: Int) -> Float { edgeVisits[e] > 0 ? edgeValueSum[e] / Float(edgeVisits[e]) : 0 }

  /// The node's mean value for its side to move.
  func value(of n: Int32) -> Float {
    let i = Int(n)
    return nodeVisits[i] > 0 ? nodeValueSum[i] / Float(nodeVisits[i]) : (rawValue[i].isNaN ? 0 : rawValue[i])
  }

  /// Backs up `value` (for `leafPlayer`) along `path` (edges from the root), ending at `leaf`.
  mutating func backup<C: Collection<Int32>>(path: C, parents: C, leaf: Int32, value: Float, leafPlayer: UInt8) {
    // Through unsafe buffers: one uniqueness check per array instead of one per element written.
    nodeVisits.withUnsafeMutableBufferPointer { nodeN in
      nodeValueSum.withUnsafeMutableBufferPointer { nodeW in
        edgeVisits.withUnsafeMutableBufferPointer { edgeN in
          edgeValueSum.withUnsafeMutableBufferPointer { edgeW in
            nodePlayer.withUnsafeBufferPointer { player in
              nodeN[Int(leaf)] &+= 1
              nodeW[Int(leaf)] += value
              for (e, p) in zip(path, parents) {
                let v = player[Int(p)] == leafPlayer ? value : -value
                edgeN[Int(e)] &+= 1
                edgeW[Int(e)] += v
                nodeN[Int(p)] &+= 1
                nodeW[Int(p)] += v
              }
            }
          }
        }
      }
    }
  }

  /// Adds (or, with a negative `amount`, removes) virtual loss along `path`: the edge looks like it
  /// lost `amount` more times, steering other leaves of the same step elsewhere.
  mutating func addVirtualLoss<C: Collection<Int32>>(path: C, amount: Int32) {
    for e in path {
      edgeVisits[Int(e)] += amount
      edgeValueSum[Int(e)] -= Float(amount)
    }
  }

  /// Copies the subtree under node `n` into `into` (cleared first) with `n` as its root.
  func extractSubtree(_ n: Int32, into out: inout Tree, queue: inout [Int32]) {
    out.removeAll()
    queue.removeAll(keepingCapacity: true)
    queue.append(n)
    _ = out.copyNode(from: self, n)
    var head = 0
    while head < queue.count {
      let old = queue[head], new = Int32(head)
      head += 1
      guard isExpanded(old) else { continue }
      let r = edges(of: old)
      out.firstEdge[Int(new)] = Int32(out.action.count)
      out.edgeCount[Int(new)] = Int32(r.count)
      for e in r {
        out.action.append(action[e])
        out.prior.append(prior[e])
        out.edgeVisits.append(edgeVisits[e])
        out.edgeValueSum.append(edgeValueSum[e])
        if child[e] >= 0 {
          queue.append(child[e])
          out.child.append(out.copyNode(from: self, child[e]))
        } else {
          out.child.append(-1)
        }
      }
    }
  }

  /// Appends a copy of `src`'s node `n` (without edges); returns the new index.
  mutating func copyNode(from src: Tree, _ n: Int32) -> Int32 {
    let i = Int(n)
    firstEdge.append(0)
    edgeCount.append(0)
    nodeVisits.append(src.nodeVisits[i])
    nodeValueSum.append(src.nodeValueSum[i])
    nodePlayer.append(src.nodePlayer[i])
    rawValue.append(src.rawValue[i])
    isTerminal.append(src.isTerminal[i])
    return Int32(nodeVisits.count - 1)
  }
}
