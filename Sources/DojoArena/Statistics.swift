// Match statistics as engine testers compute them (cutechess, fastchess, fishtest): score, Elo
// difference with a 95 % interval, likelihood of superiority, and the sequential probability ratio
// test in its generalised form (GSPRT) on game results (trinomial) or game-pair results
// (pentanomial).

import Foundation

/// Expected score of a player `elo` points stronger (logistic Elo).
public func expectedScore(elo: Double) -> Double { 1 / (1 + pow(10, -elo / 400)) }

/// The Elo difference that gives expected score `score` (clamped away from 0 and 1).
public func eloDifference(score: Double) -> Double {
  let s = min(max(score, 1e-9), 1 - 1e-9)
  return -400 * log10(1 / s - 1)
}

/// Wins, draws and losses of one player against another.
public struct MatchResult: Sendable, Equatable, Codable {
  public var wins = 0
  public var draws = 0
  public var losses = 0

  public init(wins: Int = 0, draws: Int = 0, losses: Int = 0) {
    self.wins = wins
    self.draws = draws
    self.losses = losses
  }

  /// Counts one game by its score: 1 a win, 0 a loss, anything between a draw.
  public mutating func add(score s: Double) {
    if s == 1 { wins += 1 } else if s == 0 { losses += 1 } else { draws += 1 }
  }

  public var games: Int { wins + draws + losses }
  public var score: Double { games > 0 ? (Double(wins) + 0.5 * Double(draws)) / Double(games) : 0.5 }

  /// The Elo difference and its 95 % interval (normal approximation on the per-game score).
  public var elo: (value: Double, lower: Double, upper: Double) {
    let n = Double(games)
    guard n > 0 else { return (0, -.infinity, .infinity) }
    let s = score
    let variance = (Double(wins) * (1 - s) * (1 - s) + Double(draws) * (0.5 - s) * (0.5 - s) + Double(losses) * s * s) / n
    let margin = 1.959964 * (variance / n).squareRoot()
    return (eloDifference(score: s), eloDifference(score: s - margin), eloDifference(score: s + margin))
  }

  /// Likelihood of superiority: the probability that the player is the stronger, from wins and losses.
  public var likelihoodOfSuperiority: Double {
    let decisive = Double(wins + losses)
    guard decisive > 0 else { return 0.5 }
    return 0.5 * (1 + erf((Double(wins) - Double(losses)) / (2 * decisive).squareRoot()))
  }
}

/// Results of colour-swapped game pairs, by the pair's total score: 0, ½, 1, 1½, 2 points.
public struct PairResult: Sendable, Equatable, Codable {
  public var counts = [0, 0, 0, 0, 0]
  public init(counts: [Int] = [0, 0, 0, 0, 0]) { self.counts = counts }
  public var pairs: Int { counts.reduce(0, +) }
  /// Adds a pair given the two games' scores (0, 0.5 or 1 each).
  public mutating func add(_ first: Double, _ second: Double) { counts[Int(((first + second) * 2).rounded())] += 1 }
}

/// The sequential probability ratio test of H0: elo = elo0 against H1: elo = elo1, with error rates
/// alpha and beta. The log-likelihood ratio is the generalised one: each hypothesis' distribution of
/// outcomes is the maximum-likelihood one whose expected score matches it.
public struct SPRT: Sendable, Equatable, Codable {
  public var elo0: Double
  public var elo1: Double
  public var alpha: Double
  public var beta: Double

  public init(elo0: Double = 0, elo1: Double = 35, alpha: Double = 0.05, beta: Double = 0.05) {
    self.elo0 = elo0
    self.elo1 = elo1
    self.alpha = alpha
    self.beta = beta
  }

  public var lowerBound: Double { log(beta / (1 - alpha)) }
  public var upperBound: Double { log((1 - beta) / alpha) }

  public enum Verdict: String, Sendable, Codable {
    case continuing, acceptH0 = "H0", acceptH1 = "H1"
  }

  /// The fewest games, as colour-swapped pairs the candidate wins twice, after which the test
  /// accepts H1; nil if that takes more than `limit` games. A gate of fewer games can only reject.
  public func fewestGamesToAccept(limit: Int) -> Int? {
    guard elo1 > elo0 else { return nil }
    var pairs = PairResult()
    while 2 * (pairs.pairs + 1) <= limit {
      pairs.counts[4] += 1
      if verdict(llr: llr(pairs)) == .acceptH1 { return 2 * pairs.pairs }
    }
    return nil
  }

  public func verdict(llr: Double) -> Verdict {
    llr >= upperBound ? .acceptH1 : llr <= lowerBound ? .acceptH0 : .continuing
  }

  /// The LLR on game results (trinomial: losses, draws, wins score 0, ½, 1).
  public func llr(_ r: MatchResult) -> Double {
    generalisedLLR(counts: [r.losses, r.draws, r.wins], scores: [0, 0.5, 1], perUnit: 1)
  }

  /// The LLR on game-pair results (pentanomial: pair scores 0, ¼, ½, ¾, 1 per game).
  public func llr(_ p: PairResult) -> Double {
    generalisedLLR(counts: p.counts, scores: [0, 0.25, 0.5, 0.75, 1], perUnit: 1)
  }

  func generalisedLLR(counts: [Int], scores: [Double], perUnit: Double) -> Double {
    let n = Double(counts.reduce(0, +))
    guard n > 0 else { return 0 }
    // Regularise empty outcome classes slightly so the maximum-likelihood solution exists.
    let freq = counts.map { (Double($0) + 1e-3) / (n + 1e-3 * Double(counts.count)) }
    let s0 = expectedScore(elo: elo0), s1 = expectedScore(elo: elo1)
    guard let p0 = constrainedMLE(freq, scores, mean: s0), let p1 = constrainedMLE(freq, scores, mean: s1) else { return 0 }
    var llr = 0.0
    for i in counts.indices where counts[i] > 0 { llr += Double(counts[i]) * (log(p1[i]) - log(p0[i])) }
    return llr
  }
}

/// The distribution closest to `freq` (maximum likelihood) whose mean of `scores` is `mean`:
/// p_i = freq_i / (1 + λ (a_i − mean)), λ found by bisection. Nil if `mean` is outside the scores.
func constrainedMLE(_ freq: [Double], _ scores: [Double], mean: Double) -> [Double]? {
  let d = scores.map { $0 - mean }
  guard let lo = d.min(), let hi = d.max(), lo < 0, hi > 0 else { return nil }
  // λ must keep every 1 + λ d_i positive: λ ∈ (−1/hi, −1/lo).
  var a = -1 / hi + 1e-12, b = -1 / lo - 1e-12
  func g(_ l: Double) -> Double { zip(freq, d).reduce(0) { $0 + $1.0 * $1.1 / (1 + l * $1.1) } }
  // g decreases in λ.
  for _ in 0..<200 {
    let m = (a + b) / 2
    if g(m) > 0 { a = m } else { b = m }
  }
  let l = (a + b) / 2
  let p = zip(freq, d).map { $0 / (1 + l * $1) }
  let sum = p.reduce(0, +)
  return p.map { $0 / sum }
}
