// Ratings for many players from all their games by maximum likelihood: the Bradley–Terry model on
// Elo's logistic scale with a draw counted as half a win and half a loss, fitted by Newton's
// method, anchored so that one named player has a fixed rating. Error bars from the inverse of the
// observed information.

import Foundation

public struct PlayerRating: Sendable, Equatable {
  public var name: String
  public var rating: Double
  /// Half-width of the 95 % interval (0 for the anchor).
  public var margin: Double
  public var games: Int
  public var score: Double
}

/// One game's result between two players: `score` is player a's (1, 0.5 or 0). With a `weight`
/// other than 1 it stands for that many games (weighted, e.g. decayed) scoring `score` on average.
public struct GameOutcome: Sendable, Equatable {
  public var a: Int
  public var b: Int
  public var score: Double
  public var weight: Double
  public init(a: Int, b: Int, score: Double, weight: Double = 1) {
    self.a = a
    self.b = b
    self.score = score
    self.weight = weight
  }
}

/// Ratings fitted together with their uncertainty: the covariance of the fitted ratings (Elo²; the
/// anchor's row and column are 0), so that the error of a difference between two players counts
/// what their ratings share (two players linked to the anchor only through each other's opponents
/// have large margins, but their difference may be known well from their own games).
public struct RatingFit: Sendable, Equatable {
  public var ratings: [PlayerRating]
  /// By index in `ratings`.
  public var covariance: [[Double]]

  public init(ratings: [PlayerRating], covariance: [[Double]]) {
    self.ratings = ratings
    self.covariance = covariance
  }

  public func index(of name: String) -> Int? { ratings.firstIndex { $0.name == name } }

  /// The standard error of rating i − rating j.
  public func differenceError(_ i: Int, _ j: Int) -> Double {
    max(covariance[i][i] + covariance[j][j] - 2 * covariance[i][j], 0).squareRoot()
  }

  /// The probability that `a` is the stronger of the two, under the fit's normal approximation
  /// (1 or 0 when the difference has no error; nil when either has no rating).
  public func probabilityStronger(_ a: String, than b: String) -> Double? {
    guard let i = index(of: a), let j = index(of: b) else { return nil }
    let gap = ratings[i].rating - ratings[j].rating, error = differenceError(i, j)
    guard error > 0 else { return gap > 0 ? 1 : gap < 0 ? 0 : 0.5 }
    return 0.5 * erfc(-gap / (error * 2.0.squareRoot()))
  }
}

/// Fits ratings to `games` among `names`; `anchor` is held at `anchorRating`.
public func fitRatings(names: [String], games: [GameOutcome], anchor: Int = 0, anchorRating: Double = 0) -> [PlayerRating] {
  fitRatingModel(names: names, games: games, anchor: anchor, anchorRating: anchorRating).ratings
}

/// `fitRatings` with the ratings' covariance.
public func fitRatingModel(names: [String], games: [GameOutcome], anchor: Int = 0, anchorRating: Double = 0) -> RatingFit {
  let n = names.count
  let k = log(10.0) / 400  // d/dr of the logistic on the Elo scale
  var r = [Double](repeating: 0, count: n)
  // A weak prior (one virtual draw against a player of equal rating) keeps perfect scores finite.
  let prior = 1.0
  var hessian = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
  for _ in 0..<100 {
    var grad = [Double](repeating: 0, count: n)
    hessian = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for g in games {
      let p = 1 / (1 + exp(-k * (r[g.a] - r[g.b])))
      let resid = g.weight * k * (g.score - p), w = g.weight * k * k * p * (1 - p)
      grad[g.a] += resid
      grad[g.b] -= resid
      hessian[g.a][g.a] += w
      hessian[g.b][g.b] += w
      hessian[g.a][g.b] -= w
      hessian[g.b][g.a] -= w
    }
    for i in 0..<n {
      // The prior: a draw against a virtual player at the anchor's rating.
      let p = 1 / (1 + exp(-k * (r[i] - r[anchor])))
      grad[i] += prior * k * (0.5 - p)
      hessian[i][i] += prior * k * k * p * (1 - p)
    }
    // Newton step with the anchor fixed: solve the reduced system.
    let free = (0..<n).filter { $0 != anchor }
    let step = solve(free.map { i in free.map { hessian[i][$0] } }, free.map { grad[$0] })
    var largest = 0.0
    for (j, i) in free.enumerated() {
      r[i] += step[j]
      largest = max(largest, abs(step[j]))
    }
    if largest < 1e-9 { break }
  }
  let free = (0..<n).filter { $0 != anchor }
  let covariance = invert(free.map { i in free.map { hessian[i][$0] } })
  var margins = [Double](repeating: 0, count: n)
  var full = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
  for (j, i) in free.enumerated() {
    margins[i] = 1.959964 * max(covariance[j][j], 0).squareRoot()
    for (l, k) in free.enumerated() { full[i][k] = covariance[j][l] }
  }
  let ratings = (0..<n).map { i in
    let mine = games.filter { $0.a == i || $0.b == i }
    let played = mine.reduce(0.0) { $0 + $1.weight }
    let points = mine.reduce(0.0) { $0 + $1.weight * ($1.a == i ? $1.score : 1 - $1.score) }
    return PlayerRating(name: names[i], rating: r[i] - r[anchor] + anchorRating, margin: margins[i], games: Int(played.rounded()),
                        score: played > 0 ? points / played : 0)
  }
  return RatingFit(ratings: ratings, covariance: full)
}

/// Solves A x = b by Gaussian elimination with partial pivoting (small, dense systems).
func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
  let n = b.count
  var m = a, v = b
  for c in 0..<n {
    let p = (c..<n).max { abs(m[$0][c]) < abs(m[$1][c]) }!
    m.swapAt(c, p)
    v.swapAt(c, p)
    guard abs(m[c][c]) > 1e-300 else { continue }
    for r in (c + 1)..<max(n, c + 1) where r < n {
      let f = m[r][c] / m[c][c]
      for k in c..<n { m[r][k] -= f * m[c][k] }
      v[r] -= f * v[c]
    }
  }
  var x = [Double](repeating: 0, count: n)
  for c in stride(from: n - 1, through: 0, by: -1) {
    var s = v[c]
    for k in (c + 1)..<max(n, c + 1) where k < n { s -= m[c][k] * x[k] }
    x[c] = abs(m[c][c]) > 1e-300 ? s / m[c][c] : 0
  }
  return x
}

/// The inverse of a small dense matrix by Gauss–Jordan elimination with partial pivoting: one
/// elimination, O(n³) (a singular pivot leaves that row and column at 0).
func invert(_ a: [[Double]]) -> [[Double]] {
  let n = a.count
  var m = a
  var inv = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
  for c in 0..<n {
    let p = (c..<n).max { abs(m[$0][c]) < abs(m[$1][c]) }!
    m.swapAt(c, p)
    inv.swapAt(c, p)
    let pivot = m[c][c]
    guard abs(pivot) > 1e-300 else { continue }
    for k in 0..<n {
      m[c][k] /= pivot
      inv[c][k] /= pivot
    }
    for r in 0..<n where r != c && m[r][c] != 0 {
      let f = m[r][c]
      for k in 0..<n {
        m[r][k] -= f * m[c][k]
        inv[r][k] -= f * inv[c][k]
      }
    }
  }
  return inv
}
