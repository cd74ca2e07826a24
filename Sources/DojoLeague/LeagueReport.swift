// What `dojo league status` shows, from a league's database alone (a running league writes it;
// reading never blocks the writer): agents with their ratings and hyperparameters, historical
// players, the payoff matrix, each agent's current PFSP distribution, and recent events.

import DojoArena
import Foundation

public struct LeagueReport: Sendable, Codable {
  public struct Agent: Sendable, Codable {
    public var name: String
    public var role: String
    public var generation: Int
    public var steps: Int
    public var rating: Double?
    /// Half-width of the rating's 95 % interval.
    public var ratingMargin: Double?
    public var hyperparameters: [String: Double]
    public var lineage: [String]
  }
  public struct Historical: Sendable, Codable {
    public var name: String
    public var parent: String
    public var role: String
    public var step: Int
    public var rating: Double?
  }
  public struct PayoffEntry: Sendable, Codable {
    public var home: String
    public var away: String
    public var games: Double
    public var winRate: Double
  }
  public struct Choice: Sendable, Codable {
    public var opponent: String
    public var probability: Double
  }
  public struct Event: Sendable, Codable {
    public var kind: String
    public var agents: [String]
    public var reason: String
    public var step: Int
    public var at: String
  }

  public var league: String
  public var game: String
  public var results: Int
  public var agents: [Agent]
  public var historical: [Historical]
  public var payoff: [PayoffEntry]
  public var pfsp: [String: [Choice]]
  public var ratings: [String: Double]
  public var events: [Event]

  enum CodingKeys: String, CodingKey {
    case league, game, results, agents, historical, payoff, pfsp, ratings, events
  }

  /// The report of `manager`'s league (its state as stored and counted), with the newest `eventLimit` events.
  public static func make(_ manager: LeagueManager, eventLimit: Int = 20) throws -> LeagueReport {
    let ratings = manager.ratings(fresh: true)
    let byName = Dictionary(uniqueKeysWithValues: ratings.map { ($0.name, $0) })
    let view = manager.view
    let stamp = ISO8601DateFormatter()
    return LeagueReport(
      league: manager.config.name, game: manager.config.game, results: try manager.store.resultCount(),
      agents: manager.agents.map { a in
        Agent(name: a.name, role: a.role.rawValue + (manager.config.isFrozen(a.name) ? " (frozen)" : ""), generation: a.generation, steps: a.steps, rating: byName[a.name]?.rating,
              ratingMargin: byName[a.name]?.margin, hyperparameters: encodeHyperparameters(a.hyperparameters), lineage: a.lineage)
      },
      historical: manager.historical.map {
        Historical(name: $0.player.name, parent: $0.player.parent, role: $0.player.role.rawValue, step: $0.player.step, rating: byName[$0.player.name]?.rating)
      },
      payoff: view.payoff.pairs.map { PayoffEntry(home: $0.home, away: $0.away, games: $0.games, winRate: $0.winRate) },
      pfsp: Dictionary(uniqueKeysWithValues: manager.agents.map { a in
        (a.name, Matchmaker(config: manager.config.matchmaking).distribution(for: a.name, role: a.role, in: view).map { Choice(opponent: $0.opponent, probability: $0.probability) })
      }),
      ratings: Dictionary(uniqueKeysWithValues: ratings.map { ($0.name, $0.rating) }),
      events: try manager.store.events(limit: eventLimit).map {
        Event(kind: $0.kind.rawValue, agents: $0.agents, reason: $0.reason, step: $0.step, at: stamp.string(from: Date(timeIntervalSince1970: $0.at)))
      })
  }

  public var json: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
  }

  /// The report as text: tables and the payoff matrix among learning agents and historical players.
  public var text: String {
    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    func rating(_ r: Double?, _ m: Double?) -> String {
      guard let r else { return "—" }
      return String(format: "%.0f", r) + (m.map { String(format: " ± %.0f", $0) } ?? "")
    }
    var out = "league \(league) (\(game)): \(results) results\n\nagents\n"
    out += pad("name", 20) + pad("role", 18) + pad("gen", 6) + pad("steps", 9) + pad("rating", 14) + "hyperparameters\n"
    for a in agents {
      let h = a.hyperparameters.keys.sorted().map { "\($0)=\(formatValue(a.hyperparameters[$0]!))" }.joined(separator: " ")
      out += pad(a.name, 20) + pad(a.role, 18) + pad("\(a.generation)", 6) + pad("\(a.steps)", 9) + pad(rating(a.rating, a.ratingMargin), 14) + h + "\n"
      if !a.lineage.isEmpty { out += pad("", 20) + "copied: " + a.lineage.joined(separator: ", ") + "\n" }
    }
    out += "\nhistorical players (\(historical.count))\n"
    for h in historical { out += pad(h.name, 28) + pad(h.role, 18) + "rating " + rating(h.rating, nil) + "\n" }
    // One line per opponent (agents, anchors, then historical players, newest first), one column per agent.
    let others = ratings.keys.filter { k in !agents.contains { $0.name == k } && !historical.contains { $0.name == k } }.sorted()
    let opponents = agents.map(\.name) + others + historical.reversed().map(\.name)
    let lookup = Dictionary(uniqueKeysWithValues: payoff.map { ("\($0.home)|\($0.away)", $0) })
    out += "\npayoff: each agent's win rate against each opponent (weighted games)\n" + pad("opponent", 28) + agents.map { pad($0.name, 20) }.joined() + "\n"
    for away in opponents {
      out += pad(away, 28)
      for home in agents.map(\.name) {
        if let e = lookup["\(home)|\(away)"] { out += pad(String(format: "%.2f (%.0f)", e.winRate, e.games), 20) } else { out += pad("·", 20) }
      }
      out += "\n"
    }
    out += "\nPFSP: where each agent's historical games go now\n"
    for a in agents {
      let p = (pfsp[a.name] ?? []).sorted { $0.probability > $1.probability }.prefix(5).map { "\($0.opponent) \(Int(($0.probability * 100).rounded())) %" }
      out += pad(a.name, 20) + (p.isEmpty ? "(no historical players yet)" : p.joined(separator: ", ")) + "\n"
    }
    out += "\nevents (newest last)\n"
    for e in events { out += "\(e.at)  \(pad(e.kind, 9)) \(e.agents.joined(separator: ", ")): \(e.reason)\n" }
    return out
  }
}
