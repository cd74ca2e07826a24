// The final table and the crosstable of a set of games.

import Foundation

public struct Standing: Sendable {
  public var rank: Int
  public var name: String
  public var rating: Double
  public var margin: Double
  public var result: MatchResult
  /// Likelihood of superiority over the next player in the table, from their games together (nil if none).
  public var losOverNext: Double?
}

public struct Standings: Sendable {
  public var rows: [Standing]
  /// crosstable[a][b]: a's results against b.
  public var crosstable: [[MatchResult]]
  public var names: [String]
  public var anchor: String

  public init(names: [String], games: [PlayedGame], anchor: Int) {
    self.names = names
    self.anchor = names[anchor]
    var cross = Array(repeating: Array(repeating: MatchResult(), count: names.count), count: names.count)
    var outcomes: [GameOutcome] = []
    for g in games {
      let a = g.game.first, b = g.game.second
      outcomes.append(GameOutcome(a: a, b: b, score: g.scoreForFirst))
      switch g.scoreForFirst {
      case 1: cross[a][b].wins += 1; cross[b][a].losses += 1
      case 0: cross[a][b].losses += 1; cross[b][a].wins += 1
      default: cross[a][b].draws += 1; cross[b][a].draws += 1
      }
    }
    crosstable = cross
    let ratings = fitRatings(names: names, games: outcomes, anchor: anchor)
    let order = names.indices.sorted { ratings[$0].rating > ratings[$1].rating }
    rows = order.enumerated().map { rank, i in
      let total = cross[i].reduce(MatchResult()) { MatchResult(wins: $0.wins + $1.wins, draws: $0.draws + $1.draws, losses: $0.losses + $1.losses) }
      var los: Double? = nil
      if rank + 1 < order.count, cross[i][order[rank + 1]].games > 0 { los = cross[i][order[rank + 1]].likelihoodOfSuperiority }
      return Standing(rank: rank + 1, name: names[i], rating: ratings[i].rating, margin: ratings[i].margin, result: total, losOverNext: los)
    }
  }

  /// The table as text: rank, player, Elo ± 95 %, games, score, W-D-L, LOS over the next.
  public var table: String {
    let width = max(6, names.map(\.count).max() ?? 6)
    var lines = ["Rank  " + "Player".padding(toLength: width, withPad: " ", startingAt: 0) + "      Elo      ±   Games   Score      W-D-L    LOS"]
    for r in rows {
      let elo = r.name == anchor ? "     0 (anchor)" : String(format: "%+6.0f %6.0f", r.rating, r.margin)
      let wdl = "\(r.result.wins)-\(r.result.draws)-\(r.result.losses)"
      let los = r.losOverNext.map { String(format: "%4.0f%%", 100 * $0) } ?? ""
      lines.append(String(format: "%4d  ", r.rank) + r.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + elo
                   + String(format: "  %6d  %5.1f%%  ", r.result.games, 100 * r.result.score)
                   + String(repeating: " ", count: max(0, 9 - wdl.count)) + wdl + "  " + los)
    }
    return lines.joined(separator: "\n")
  }

  /// The crosstable as text: each row's W-D-L against each column.
  public var crosstableText: String {
    let order = rows.map { r in names.firstIndex(of: r.name)! }
    let width = max(8, names.map(\.count).max() ?? 8)
    let column = max(11, names.map(\.count).max() ?? 11)
    var lines = ["".padding(toLength: width, withPad: " ", startingAt: 0) + order.map { "  " + names[$0].padding(toLength: column, withPad: " ", startingAt: 0) }.joined()]
    for a in order {
      var line = names[a].padding(toLength: width, withPad: " ", startingAt: 0)
      for b in order {
        let r = crosstable[a][b]
        line += "  " + (a == b ? "—" : "\(r.wins)-\(r.draws)-\(r.losses)").padding(toLength: column, withPad: " ", startingAt: 0)
      }
      lines.append(line)
    }
    return lines.joined(separator: "\n")
  }

  public var json: [String: Any] {
    ["anchor": anchor,
     "standings": rows.map { r -> [String: Any] in
       ["rank": r.rank, "name": r.name, "elo": (r.rating * 10).rounded() / 10, "margin": (r.margin * 10).rounded() / 10,
        "games": r.result.games, "wins": r.result.wins, "draws": r.result.draws, "losses": r.result.losses,
        "score": (r.result.score * 10000).rounded() / 10000, "los_over_next": r.losOverNext.map { ($0 * 10000).rounded() / 10000 } as Any]
     },
     "crosstable": Dictionary(uniqueKeysWithValues: names.indices.map { a in
       (names[a], Dictionary(uniqueKeysWithValues: names.indices.filter { $0 != a }.map { b in
         (names[b], [crosstable[a][b].wins, crosstable[a][b].draws, crosstable[a][b].losses])
       }))
     })]
  }

  public var csv: String {
    (["rank,name,elo,margin,games,wins,draws,losses,score"] + rows.map { r in
      "\(r.rank),\(r.name),\(String(format: "%.1f", r.rating)),\(String(format: "%.1f", r.margin)),\(r.result.games),\(r.result.wins),\(r.result.draws),\(r.result.losses),\(String(format: "%.4f", r.result.score))"
    }).joined(separator: "\n") + "\n"
  }
}
