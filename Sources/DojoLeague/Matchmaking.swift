// Who a learning agent plays next (AlphaStar's matchmaking), given the league as it stands: the
// current learning agents, the frozen historical players and the payoff between them.

import DojoGames

/// A frozen snapshot of a learning agent.
public struct HistoricalPlayer: Sendable, Equatable, Codable {
  /// `<agent>@<step>`, e.g. main_agent_0@4000.
  public var name: String
  /// The learning agent it was taken from, and that agent's role.
  public var parent: String
  public var role: AgentRole
  /// The optimizer step and checkpoint generation it froze.
  public var step: Int
  public var generation: Int
  public init(name: String, parent: String, role: AgentRole, step: Int, generation: Int) {
    self.name = name
    self.parent = parent
    self.role = role
    self.step = step
    self.generation = generation
  }
}

/// Why an opponent was chosen.
public enum MatchBranch: String, Sendable, Codable, CaseIterable {
  /// A main agent against a current main agent (itself included).
  case selfPlay = "self_play"
  /// PFSP over every historical player.
  case pfsp
  /// A main agent against an exploiter's snapshot or a forgotten snapshot it no longer beats.
  case verification
  /// A main exploiter against a current main agent.
  case exploitMain = "exploit_main"
  /// A main exploiter that cannot beat the main agent yet, against that agent's snapshots.
  case exploitSnapshots = "exploit_snapshots"
}

/// The league as matchmaking sees it.
public struct LeagueView: Sendable {
  public var agents: [(name: String, role: AgentRole)]
  public var historical: [HistoricalPlayer]
  public var payoff: Payoff
  public init(agents: [(name: String, role: AgentRole)], historical: [HistoricalPlayer], payoff: Payoff) {
    self.agents = agents
    self.historical = historical
    self.payoff = payoff
  }

  public var mainAgents: [String] { agents.filter { $0.role == .mainAgent }.map(\.name) }
}

public struct Matchmaker: Sendable {
  public let config: MatchmakingConfig
  public init(config: MatchmakingConfig) { self.config = config }

  /// The opponent of `agent` (of `role`) and the branch that chose it.
  public func opponent(for agent: String, role: AgentRole, in league: LeagueView, rng: inout SplitMix64) -> (opponent: String, branch: MatchBranch) {
    let mains = league.mainAgents
    switch role {
    case .mainAgent:
      let r = Double.random(in: 0..<1, using: &rng)
      if r < config.verification, let v = verification(agent, league, &rng) { return (v, .verification) }
      if r >= config.verification && r < config.verification + config.pfsp, !league.historical.isEmpty {
        return (pfsp(agent, league.historical.map(\.name), config.weighting, league, &rng), .pfsp)
      }
      return (mains.isEmpty ? agent : mains[rng.next(below: mains.count)], .selfPlay)
    case .mainExploiter:
      guard !mains.isEmpty else { return (agent, .selfPlay) }
      let main = mains[rng.next(below: mains.count)]
      if league.payoff.winRate(agent, main) >= config.exploiterFallbackBelow { return (main, .exploitMain) }
      let snapshots = league.historical.filter { $0.parent == main }.map(\.name)
      if snapshots.isEmpty { return (main, .exploitMain) }
      return (pfsp(agent, snapshots, config.exploiterWeighting, league, &rng), .exploitSnapshots)
    case .leagueExploiter:
      if league.historical.isEmpty { return (mains.isEmpty ? agent : mains[rng.next(below: mains.count)], .selfPlay) }
      return (pfsp(agent, league.historical.map(\.name), config.weighting, league, &rng), .pfsp)
    }
  }

  /// Verification (AlphaStar): an exploiter's snapshot the agent beats less than
  /// `exploiterVerificationBelow`, else a forgotten main-agent snapshot beaten less than
  /// `forgottenBelow`; nil when there is none (the game becomes self-play).
  func verification(_ agent: String, _ league: LeagueView, _ rng: inout SplitMix64) -> String? {
    let exploiters = league.historical.filter { $0.role != .mainAgent && league.payoff.winRate(agent, $0.name) < config.exploiterVerificationBelow }
    if !exploiters.isEmpty { return pfsp(agent, exploiters.map(\.name), config.weighting, league, &rng) }
    let forgotten = league.historical.filter { $0.role == .mainAgent && league.payoff.winRate(agent, $0.name) < config.forgottenBelow }
    if !forgotten.isEmpty { return pfsp(agent, forgotten.map(\.name), config.weighting, league, &rng) }
    return nil
  }

  func pfsp(_ agent: String, _ candidates: [String], _ weighting: PFSPWeighting, _ league: LeagueView, _ rng: inout SplitMix64) -> String {
    let p = pfspDistribution(candidates.map { league.payoff.winRate(agent, $0) }, weighting: weighting)
    var u = Double.random(in: 0..<1, using: &rng)
    for (i, q) in p.enumerated() {
      u -= q
      if u < 0 { return candidates[i] }
    }
    return candidates[candidates.count - 1]
  }

  /// The PFSP distribution `agent` samples its historical opponents from now (for status).
  public func distribution(for agent: String, role: AgentRole, in league: LeagueView) -> [(opponent: String, probability: Double)] {
    let names: [String], weighting: PFSPWeighting
    switch role {
    case .mainAgent, .leagueExploiter:
      names = league.historical.map(\.name)
      weighting = config.weighting
    case .mainExploiter:
      let mains = Set(league.mainAgents)
      names = league.historical.filter { mains.contains($0.parent) }.map(\.name)
      weighting = config.exploiterWeighting
    }
    return Array(zip(names, pfspDistribution(names.map { league.payoff.winRate(agent, $0) }, weighting: weighting)))
      .map { (opponent: $0.0, probability: $0.1) }
  }
}

/// The snapshot and reset rules.
public enum SnapshotRule {
  /// Whether an agent `stepsSinceLast` steps past its last snapshot freezes now: at least N steps
  /// and a win rate above the threshold against every player of its reference set (the lowest
  /// counts), or 2N steps. `referenceWinRates` empty: only the 2N rule applies. Returns the reason.
  public static func due(stepsSinceLast: Int, referenceWinRates: [Double], config: SnapshotConfig) -> String? {
    if stepsSinceLast >= 2 * config.minSteps { return "\(stepsSinceLast) steps since the last snapshot (2N = \(2 * config.minSteps))" }
    guard stepsSinceLast >= config.minSteps, let worst = referenceWinRates.min(), worst > config.winRate else { return nil }
    return "\(stepsSinceLast) steps (N = \(config.minSteps)) and a win rate of at least \(percent(worst)) against its reference set"
  }

  /// The reference set a role's win rates are taken against: main exploiters against the current
  /// main agents; main agents and league exploiters against every historical player.
  public static func referenceSet(for role: AgentRole, in league: LeagueView) -> [String] {
    switch role {
    case .mainExploiter: league.mainAgents
    case .mainAgent, .leagueExploiter: league.historical.map(\.name)
    }
  }

  /// Whether an agent goes back to its initial weights after a snapshot (`draw` in 0..<1).
  public static func resets(_ role: AgentRole, draw: Double, config: SnapshotConfig) -> Bool {
    switch role {
    case .mainAgent: false
    case .mainExploiter: config.resetMainExploiters
    case .leagueExploiter: draw < config.leagueExploiterResetProbability
    }
  }
}

func percent(_ x: Double) -> String { "\(Int((x * 100).rounded())) %" }
