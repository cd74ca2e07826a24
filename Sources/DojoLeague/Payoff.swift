// The payoff table: for every ordered pair of players, the (decayed or windowed) games between them
// and the home player's win rate, a draw counting half. Rebuilt from the stored results in their
// order after a restart, so it comes back exactly.

public struct Payoff: Sendable {
  public let config: PayoffConfig

  struct Entry: Sendable {
    var points = 0.0
    var games = 0.0
    /// Window mode: the newest scores, oldest first.
    var recent: [Double] = []
  }

  struct Pair: Hashable, Sendable {
    var home: String
    var away: String
  }

  var entries: [Pair: Entry] = [:]

  public init(config: PayoffConfig) { self.config = config }

  /// One game's result: `score` is the home player's (1 win, 0.5 draw, 0 loss).
  public mutating func record(home: String, away: String, score: Double) {
    update(Pair(home: home, away: away), score)
    if home != away { update(Pair(home: away, away: home), 1 - score) }
  }

  mutating func update(_ pair: Pair, _ score: Double) {
    var e = entries[pair] ?? Entry()
    switch config.mode {
    case .decay:
      e.points = e.points * config.decay + score
      e.games = e.games * config.decay + 1
    case .window:
      e.recent.append(score)
      if e.recent.count > config.window { e.recent.removeFirst(e.recent.count - config.window) }
      e.points = e.recent.reduce(0, +)
      e.games = Double(e.recent.count)
    }
    entries[pair] = e
  }

  /// The weighted number of games `home` played against `away`.
  public func games(_ home: String, _ away: String) -> Double { entries[Pair(home: home, away: away)]?.games ?? 0 }

  /// `home`'s win rate against `away`; 0.5 until `minGames` (weighted) games back it.
  public func winRate(_ home: String, _ away: String) -> Double {
    guard let e = entries[Pair(home: home, away: away)], e.games >= config.minGames, e.games > 0 else { return 0.5 }
    return e.points / e.games
  }

  /// Every pair that has played, in a stable order.
  public var pairs: [(home: String, away: String, games: Double, winRate: Double)] {
    entries.keys.sorted { ($0.home, $0.away) < ($1.home, $1.away) }.map { ($0.home, $0.away, games($0.home, $0.away), winRate($0.home, $0.away)) }
  }
}

/// PFSP: the probability of each opponent given the learner's win rates against them, normalized;
/// uniform when every weight is zero (every opponent beaten or none yet weighted).
public func pfspDistribution(_ winRates: [Double], weighting: PFSPWeighting) -> [Double] {
  let w = winRates.map { max(0, weighting.weight($0)) }
  let total = w.reduce(0, +)
  if total <= 0 { return winRates.map { _ in 1 / Double(max(winRates.count, 1)) } }
  return w.map { $0 / total }
}
