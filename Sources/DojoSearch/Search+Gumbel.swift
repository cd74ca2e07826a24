// Gumbel AlphaZero's search (Danihelka, Guez, Schrittwieser, Silver 2022): at the root, sample
// Gumbel noise g, consider the top m actions by g + logits, and share the simulations among them by
// sequential halving, ranking by g + logits + σ(q̂). The improved policy softmax(logits + σ(completed
// Q)) is the training target; interior nodes pick argmax π'(a) − N(a) / (1 + ΣN), which makes
// visits follow the improved policy.

import DojoGames

#if canImport(Glibc)
import Glibc
#endif

extension BatchedSearch {
  func prepareGumbelRoot(_ i: Int, noise: Bool) {
    let t = trees[i]
    let r = t.edges(of: 0)
    gumbelNoise[i] = r.map { _ in noise ? gumbelSample(&rng) : 0 }
    let m = min(config.gumbelConsidered, r.count)
    // Consider the top m by g + logits.
    let ranked = r.indices.sorted { a, b in
      let sa = gumbelNoise[i][a - r.lowerBound] + logPrior(t.prior[a]), sb = gumbelNoise[i][b - r.lowerBound] + logPrior(t.prior[b])
      return sa != sb ? sa > sb : a < b
    }
    considered[i] = Array(repeating: false, count: r.count)
    for e in ranked.prefix(m) { considered[i][e - r.lowerBound] = true }
    schedule[i] = sequentialHalvingSchedule(considered: m, simulations: simulationsWanted[i])
  }

  @inline(__always) func logPrior(_ p: Float) -> Float { log(max(p, 1e-12)) }

  /// σ of a Q in [-1, 1]: (cVisit + max visits) · cScale · (q + 1) / 2.
  @inline(__always) func sigma(_ q: Float, maxVisits: Int32) -> Float {
    (config.gumbelCVisit + Float(maxVisits)) * config.gumbelCScale * (q + 1) / 2
  }

  /// Sequential halving's root schedule: simulation k goes to a considered action that has
  /// exactly `schedule[k]` visits. Each phase gives every remaining action
  /// max(1, n / (⌈log2 m⌉ · remaining)) more visits, then halves the remaining actions.
  func sequentialHalvingSchedule(considered m: Int, simulations n: Int) -> [Int32] {
    guard m > 1 else { return (0..<n).map(Int32.init) }
    let phases = Int(ceil(log2(Double(m))))
    var out: [Int32] = []
    out.reserveCapacity(n)
    var visits = Array(repeating: Int32(0), count: m)
    var remaining = m
    while out.count < n {
      let extra = max(1, n / (phases * remaining))
      for _ in 0..<extra {
        out.append(contentsOf: visits[..<remaining])
        for k in 0..<remaining { visits[k] += 1 }
      }
      remaining = max(2, remaining / 2)
    }
    return Array(out.prefix(n))
  }

  /// The root score g + logits + σ(q̂) of edge e (unvisited: its Q completed by the mixed value).
  func gumbelScore(_ i: Int, _ t: Tree, _ e: Int, maxVisits: Int32, mixed: Float) -> Float {
    let k = e - t.edges(of: 0).lowerBound
    let q = t.edgeVisits[e] > 0 ? t.q(e) : mixed
    return gumbelNoise[i][k] + logPrior(t.prior[e]) + sigma(q, maxVisits: maxVisits)
  }

  func gumbelRootSelection(_ i: Int, _ t: Tree) -> Int {
    let r = t.edges(of: 0)
    let k = min(simulationsDone[i], schedule[i].count - 1)
    let target = schedule[i].isEmpty ? 0 : schedule[i][max(0, k)]
    var maxVisits: Int32 = 0
    for e in r { maxVisits = max(maxVisits, t.edgeVisits[e]) }
    let mixed = mixedValue(t, node: 0)
    var best = -1, bestScore = -Float.infinity
    var fallback = -1, fallbackKey = (Int32.max, -Float.infinity)
    for e in r where considered[i][e - r.lowerBound] {
      let score = gumbelScore(i, t, e, maxVisits: maxVisits, mixed: mixed)
      if t.edgeVisits[e] == target && score > bestScore {
        best = e
        bestScore = score
      }
      // If no considered action has exactly the scheduled count (virtual loss can shift counts),
      // take the least visited, best scoring one.
      if t.edgeVisits[e] < fallbackKey.0 || (t.edgeVisits[e] == fallbackKey.0 && score > fallbackKey.1) {
        fallback = e
        fallbackKey = (t.edgeVisits[e], score)
      }
    }
    return best >= 0 ? best : fallback
  }

  /// The action sequential halving settles on: among the considered actions with the most visits,
  /// the best by g + logits + σ(q̂).
  func gumbelChoice(_ i: Int, _ t: Tree) -> Int {
    let r = t.edges(of: 0)
    let maxVisits = r.filter { considered[i][$0 - r.lowerBound] }.map { t.edgeVisits[$0] }.max() ?? 0
    let mixed = mixedValue(t, node: 0)
    return r.filter { considered[i][$0 - r.lowerBound] && t.edgeVisits[$0] == maxVisits }
      .max { gumbelScore(i, t, $0, maxVisits: maxVisits, mixed: mixed) < gumbelScore(i, t, $1, maxVisits: maxVisits, mixed: mixed) } ?? r.lowerBound
  }

  /// The mixed value approximation (paper, appendix D): the evaluator's value blended with the
  /// prior-weighted Q of the visited children, for the side to move at `node`.
  func mixedValue(_ t: Tree, node: Int32) -> Float {
    let r = t.edges(of: node)
    var sumN: Float = 0, sumP: Float = 0, sumPQ: Float = 0
    for e in r where t.edgeVisits[e] > 0 {
      sumN += Float(t.edgeVisits[e])
      sumP += t.prior[e]
      sumPQ += t.prior[e] * t.q(e)
    }
    let raw = t.rawValue[Int(node)]
    guard sumN > 0, sumP > 0 else { return raw }
    return (raw + sumN * sumPQ / sumP) / (1 + sumN)
  }

  /// π' = softmax(logits + σ(completed Q)) over `node`'s edges.
  func improvedPolicy(_ t: Tree, node: Int32) -> [Float] {
    let r = t.edges(of: node)
    var maxVisits: Int32 = 0
    for e in r { maxVisits = max(maxVisits, t.edgeVisits[e]) }
    let mixed = mixedValue(t, node: node)
    var logits = r.map { e in logPrior(t.prior[e]) + sigma(t.edgeVisits[e] > 0 ? t.q(e) : mixed, maxVisits: maxVisits) }
    let top = logits.max() ?? 0
    var sum: Float = 0
    for k in logits.indices {
      logits[k] = exp(logits[k] - top)
      sum += logits[k]
    }
    return logits.map { $0 / sum }
  }

  func gumbelInteriorSelection(_ t: Tree, node: Int32) -> Int {
    let r = t.edges(of: node)
    let policy = improvedPolicy(t, node: node)
    var total: Float = 0
    for e in r { total += Float(t.edgeVisits[e]) }
    var best = r.lowerBound, bestScore = -Float.infinity
    for (k, e) in r.enumerated() {
      let score = policy[k] - Float(t.edgeVisits[e]) / (1 + total)
      if score > bestScore {
        bestScore = score
        best = e
      }
    }
    return best
  }
}
