// PUCT (AlphaZero): select argmax Q + c(s) · P · sqrt(N) / (1 + n), with first-play urgency for
// unvisited children; Dirichlet noise at the root; KataGo's forced playouts and target pruning.

import DojoGames

#if canImport(Glibc)
import Glibc
#endif

extension BatchedSearch {
  func selectAtRoot(_ i: Int, _ t: Tree) -> Int {
    if config.rootPolicy == .gumbel { return gumbelRootSelection(i, t) }
    if config.forcedPlayoutFactor > 0 {
      let total = Float(t.nodeVisits[0])
      for e in t.edges(of: 0) where Float(t.edgeVisits[e]) < (config.forcedPlayoutFactor * t.prior[e] * total).squareRoot() {
        return e
      }
    }
    return puct(t, node: 0)
  }

  func selectInterior(_ t: Tree, _ node: Int32) -> Int {
    config.rootPolicy == .gumbel ? gumbelInteriorSelection(t, node: node) : puct(t, node: node)
  }

  @inline(__always) func explorationFactor(_ visits: Float) -> Float {
    log((1 + visits + config.cPuctBase) / config.cPuctBase) + config.cPuctInit
  }

  /// c(s) · sqrt(N(s)) for a node with `visits` visits: from a table built once (PUCT asked for a
  /// log and a square root on every selection, 5 % of pure MCTS's time).
  @inline(__always) func explorationScale(_ visits: Int32) -> Float {
    let v = Int(visits)
    if v < explorationTable.count { return explorationTable[v] }
    let n = Float(v)
    return explorationFactor(n) * n.squareRoot()
  }

  /// The PUCT choice at `node`; ties go to the lower action.
  func puct(_ t: Tree, node: Int32) -> Int {
    let r = t.edges(of: node)
    let c = explorationScale(t.nodeVisits[Int(node)])
    var visitedMass: Float = 0
    for e in r where t.edgeVisits[e] > 0 { visitedMass += t.prior[e] }
    let fpu = t.value(of: node) - config.fpuReduction * visitedMass.squareRoot()
    var best = r.lowerBound, bestScore = -Float.infinity
    for e in r {
      let visits = t.edgeVisits[e]
      let q = visits > 0 ? t.edgeValueSum[e] / Float(visits) : fpu
      let score = q + c * t.prior[e] / Float(1 + visits)
      if score > bestScore {
        bestScore = score
        best = e
      }
    }
    return best
  }

  /// Sets up game i's root for a search: Dirichlet noise (PUCT) or Gumbel noise and the
  /// considered actions (Gumbel).
  func prepareRoot(_ i: Int, noise: Bool) {
    if config.rootPolicy == .gumbel {
      prepareGumbelRoot(i, noise: noise)
      return
    }
    guard noise, config.dirichletEpsilon > 0 else { return }
    let r = trees[i].edges(of: 0)
    let alpha = config.dirichletScale / Float(r.count)
    var eta = r.map { _ in gammaSample(alpha, &rng) }
    let sum = eta.reduce(0, +)
    if sum > 0 { eta = eta.map { $0 / sum } }
    let eps = config.dirichletEpsilon
    for (k, e) in r.enumerated() { trees[i].prior[e] = (1 - eps) * trees[i].prior[e] + eps * eta[k] }
  }

  /// The root's visit distribution as a training target. With forced playouts, the forced visits
  /// of every child but the best are removed as long as that child would still not have been
  /// chosen over the best by PUCT, and children left with one visit are dropped (KataGo).
  func prunedVisitTarget(_ t: Tree) -> [Float] {
    let r = t.edges(of: 0)
    var visits = r.map { Float(t.edgeVisits[$0]) }
    if config.forcedPlayoutFactor > 0, let bestIndex = visits.indices.max(by: { visits[$0] < visits[$1] }) {
      let total = Float(t.nodeVisits[0])
      let c = explorationFactor(total) * total.squareRoot()
      let best = r.lowerBound + bestIndex
      let bestScore = t.q(best) + c * t.prior[best] / (1 + visits[bestIndex])
      for (k, e) in r.enumerated() where k != bestIndex && visits[k] > 0 {
        let forced = (config.forcedPlayoutFactor * t.prior[e] * total).squareRoot()
        var n = visits[k]
        while n > 1, visits[k] - n < forced, t.q(e) + c * t.prior[e] / n < bestScore { n -= 1 }
        visits[k] = n <= 1 ? 0 : n
      }
    }
    let sum = visits.reduce(0, +)
    return sum > 0 ? visits.map { $0 / sum } : Array(repeating: 1 / Float(r.count), count: r.count)
  }
}

/// A Gamma(shape, 1) sample (Marsaglia & Tsang 2000; shape < 1 by the boost U^(1/shape)).
func gammaSample(_ shape: Float, _ rng: inout SplitMix64) -> Float {
  if shape < 1 {
    return gammaSample(shape + 1, &rng) * pow(uniform(&rng), 1 / shape)
  }
  let d = shape - 1 / 3, c = 1 / (9 * d).squareRoot()
  while true {
    var x: Float, v: Float
    repeat {
      x = standardNormal(&rng)
      v = 1 + c * x
    } while v <= 0
    v = v * v * v
    let u = uniform(&rng)
    if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
  }
}

/// Uniform in (0, 1).
@inline(__always) func uniform(_ rng: inout SplitMix64) -> Float {
  (Float(rng.next() >> 40) + 0.5) / Float(1 << 24)
}

func standardNormal(_ rng: inout SplitMix64) -> Float {
  (-2 * log(uniform(&rng))).squareRoot() * cos(2 * Float.pi * uniform(&rng))
}

/// A Gumbel(0, 1) sample.
@inline(__always) func gumbelSample(_ rng: inout SplitMix64) -> Float { -log(-log(uniform(&rng))) }
