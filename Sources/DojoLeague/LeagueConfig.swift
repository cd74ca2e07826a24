// A league's settings (league/<name>.toml; parsed in DojoConfig): who learns, how opponents are
// chosen, when snapshots and resets happen, how results are weighed, and population-based
// training. Reference values are AlphaStar's (Vinyals et al. 2019) and PBT's (Jaderberg et al. 2017).

import DojoNN
import DojoTraining

/// The three kinds of learning agent in an AlphaStar league.
public enum AgentRole: String, Sendable, Codable, CaseIterable, Comparable {
  /// Trains against everyone: self-play, PFSP over all past players, and verification games.
  case mainAgent = "main_agent"
  /// Trains against the current main agents to find their weaknesses; reset at every snapshot.
  case mainExploiter = "main_exploiter"
  /// Trains by PFSP against all past players to find the league's systemic weaknesses; sometimes reset.
  case leagueExploiter = "league_exploiter"

  public static func < (a: AgentRole, b: AgentRole) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

/// Prioritized fictitious self-play: how an opponent is weighted by the learner's win rate x against it.
public enum PFSPWeighting: String, Sendable, Codable, CaseIterable {
  /// (1 − x)²: focus on the hardest opponents (AlphaStar's default).
  case squared
  /// x(1 − x): focus on opponents at the learner's level.
  case variance
  /// min(0.5, 1 − x): every opponent not yet beaten equally, beaten ones less.
  case linearCapped = "linear_capped"
  /// 1: plain fictitious self-play.
  case uniform

  public func weight(_ x: Double) -> Double {
    switch self {
    case .squared: (1 - x) * (1 - x)
    case .variance: x * (1 - x)
    case .linearCapped: min(0.5, 1 - x)
    case .uniform: 1
    }
  }
}

/// How the league shares its actors' games among the learning agents.
public enum MatchBalance: String, Sendable, Codable, CaseIterable {
  /// Each learning agent is handed the same number of matches. A self-play match between two
  /// current learners also teaches the opponent, so main agents learn from about twice as many
  /// game sides as exploiters, who learn only from their own.
  case matches
  /// Each learning agent learns from about the same number of game sides: a match counts for the
  /// agent, and for its opponent when the opponent learns from it too. AlphaStar gives every agent
  /// the same compute; this is that on one shared pool of actors.
  case samples
}

/// How learning agents pick opponents.
public struct MatchmakingConfig: Sendable, Equatable {
  /// A main agent's branches: against the current main agents, PFSP over every historical player,
  /// and verification. AlphaStar: 0.35 / 0.5 / 0.15. They must sum to 1.
  public var selfPlay = 0.35
  public var pfsp = 0.5
  public var verification = 0.15
  /// The weighting of a main agent's and a league exploiter's PFSP. AlphaStar: squared.
  public var weighting = PFSPWeighting.squared
  /// The weighting a main exploiter uses over a main agent's snapshots. AlphaStar: variance.
  public var exploiterWeighting = PFSPWeighting.variance
  /// Verification: exploiters' snapshots a main agent beats less often than this.
  public var exploiterVerificationBelow = 0.3
  /// Verification: the main agents' own old snapshots ("forgotten") beaten less often than this.
  public var forgottenBelow = 0.7
  /// A main exploiter that beats the current main agent less often than this trains against that
  /// agent's snapshots instead (AlphaStar: 0.1).
  public var exploiterFallbackBelow = 0.1
  /// How the actors' games are shared among the learning agents.
  public var balance = MatchBalance.matches
  public init() {}
}

/// When a learning agent's current weights are frozen into the league.
public struct SnapshotConfig: Sendable, Equatable {
  /// At least this many optimizer steps since the last snapshot (N), and a win rate above
  /// `winRate` against the role's reference set; or 2N steps regardless.
  public var minSteps = 2_000
  public var winRate = 0.7
  /// Main exploiters go back to the initial weights at every snapshot (AlphaStar).
  public var resetMainExploiters = true
  /// League exploiters go back with this probability at a snapshot (AlphaStar: 0.25).
  public var leagueExploiterResetProbability = 0.25
  /// A role's own N and win rate (`[snapshot.<role>]`), in place of `minSteps` and `winRate`; AlphaStar
  /// freezes main agents, main exploiters and league exploiters on different budgets.
  public var roleMinSteps: [AgentRole: Int] = [:]
  public var roleWinRate: [AgentRole: Double] = [:]
  public init() {}

  /// The rule for `role`: its own N and win rate where the league sets them, else the shared ones.
  public func forRole(_ role: AgentRole) -> SnapshotConfig {
    var c = self
    c.minSteps = roleMinSteps[role] ?? minSteps
    c.winRate = roleWinRate[role] ?? winRate
    return c
  }
}

/// How results are weighed in the payoff table.
public struct PayoffConfig: Sendable, Equatable {
  public enum Mode: String, Sendable, Codable, CaseIterable { case decay, window }
  public var mode = Mode.decay
  /// Decay: every older result between a pair is multiplied by this at each new one (AlphaStar: 0.99).
  public var decay = 0.99
  /// Window: only the newest this many results between a pair count.
  public var window = 200
  /// Below this many (weighted) games a win rate is not trusted and reads 0.5.
  public var minGames = 10.0
  public init() {}
}

/// The hyperparameters population-based training may evolve.
public enum Hyperparameter: String, Sendable, Codable, CaseIterable, Comparable {
  case learningRate = "learning_rate"
  case weightDecay = "weight_decay"
  case valueWeight = "value_weight"
  case simulations
  case gumbelCVisit = "gumbel_c_visit"
  case cPuctInit = "c_puct_init"
  case temperature

  public static func < (a: Hyperparameter, b: Hyperparameter) -> Bool { a.rawValue < b.rawValue }

  /// Rates and decays are perturbed and resampled on a log scale; the others linearly.
  public var isLogScale: Bool { self == .learningRate || self == .weightDecay }
  public var isInteger: Bool { self == .simulations }

  /// The value in `settings`.
  public func value(in settings: RunSettings) -> Double {
    switch self {
    case .learningRate: Double(settings.training.learningRate)
    case .weightDecay: Double(settings.training.optimizer.weightDecay)
    case .valueWeight: Double(settings.training.valueWeight)
    case .simulations: Double(settings.selfPlay.search.simulations)
    case .gumbelCVisit: Double(settings.selfPlay.search.gumbelCVisit)
    case .cPuctInit: Double(settings.selfPlay.search.cPuctInit)
    case .temperature: Double(settings.selfPlay.temperature)
    }
  }

  /// `settings` with this hyperparameter set to `value`.
  public func set(_ value: Double, in settings: inout RunSettings) {
    switch self {
    case .learningRate:
      settings.training.learningRate = Float(value)
      settings.training.applySchedule()
    case .weightDecay: settings.training.optimizer.weightDecay = Float(value)
    case .valueWeight: settings.training.valueWeight = Float(value)
    case .simulations: settings.selfPlay.search.simulations = max(1, Int(value.rounded()))
    case .gumbelCVisit: settings.selfPlay.search.gumbelCVisit = Float(value)
    case .cPuctInit: settings.selfPlay.search.cPuctInit = Float(value)
    case .temperature: settings.selfPlay.temperature = Float(value)
    }
  }
}

/// Population-based training.
public struct PBTConfig: Sendable, Equatable {
  public enum Exploit: String, Sendable, Codable, CaseIterable {
    /// The bottom `truncation` of the population copies a member of the top `truncation` (PBT: 20 %).
    case truncation
    /// A member copies one other member drawn at random if that one is fitter.
    case binaryTournament = "binary_tournament"
  }
  public enum Explore: String, Sendable, Codable, CaseIterable {
    /// Multiply each hyperparameter by one of the factors at random (PBT: 0.8 or 1.2).
    case perturb
    /// Perturb, but resample each hyperparameter within its bounds with `resampleProbability`.
    case resample
  }
  /// Off when empty: the roles whose agents form the population.
  public var population: [AgentRole] = []
  /// A member is ready for exploit/explore after this many steps since its last one (or its start).
  public var readySteps = 2_000
  public var exploit = Exploit.truncation
  public var truncation = 0.2
  /// A member copies another only when the ratings' fit says the other is fitter with at least this
  /// probability (normal approximation of their rating difference, its error from the fit's
  /// covariance). 0: whenever the other's fitness is higher, as in PBT; with few members and noisy
  /// ratings that copies on noise at every ready point.
  public var exploitConfidence = 0.95
  public var explore = Explore.perturb
  public var perturbFactors = [0.8, 1.2]
  public var resampleProbability = 0.25
  /// The hyperparameters that evolve, each within its bounds.
  public var bounds: [Hyperparameter: ClosedRange<Double>] = [:]
  public init() {}
}

/// How many agents of a role learn, and their settings on top of the game's config.
public struct RoleConfig: Sendable {
  public var role: AgentRole
  public var count: Int
  public init(role: AgentRole, count: Int) {
    self.role = role
    self.count = count
  }
}

/// A learning agent as the league file defines it.
public struct AgentDefinition: Sendable {
  /// `<role>_<index>`, e.g. main_agent_0.
  public var name: String
  public var role: AgentRole
  /// The game's config with the role's and the agent's overrides applied.
  public var settings: RunSettings
  /// A checkpoint whose weights are the agent's initial weights (nil: fresh random weights).
  public var initialCheckpoint: String?
  /// A frozen agent keeps its initial checkpoint: it has no learner and is handed no matches of its
  /// own, but is an opponent as its role makes it (a frozen main agent is what main exploiters
  /// train against), e.g. for measuring how fast an exploiter finds a fixed model's weaknesses.
  public var frozen: Bool
  public init(name: String, role: AgentRole, settings: RunSettings, initialCheckpoint: String? = nil, frozen: Bool = false) {
    self.name = name
    self.role = role
    self.settings = settings
    self.initialCheckpoint = initialCheckpoint
    self.frozen = frozen
  }
}

/// Fixed players that anchor the league's ratings (not self-relative): `random`, `mcts:N`.
public struct RatingConfig: Sendable, Equatable {
  public var anchors = ["random", "mcts:32"]
  /// Seconds between rating rounds (each current agent against each anchor).
  public var intervalSeconds = 60.0
  /// Games per agent and anchor in a round (colour-swapped pairs).
  public var games = 10
  /// Simulations the agents search with in rating games.
  public var simulations = 16
  public init() {}
}

/// A whole league.
public struct LeagueConfig: Sendable {
  /// The league file's name (its base name), and the game's registry name with parameters.
  public var name: String
  public var game: String
  public var agents: [AgentDefinition]
  public var matchmaking = MatchmakingConfig()
  public var snapshot = SnapshotConfig()
  public var payoff = PayoffConfig()
  public var pbt = PBTConfig()
  public var rating = RatingConfig()
  /// Games an actor plays per match, in lockstep (half with each colour).
  public var gamesPerMatch = 16
  /// Self-play actor threads (0: one per core).
  public var actors = 0
  public init(name: String, game: String, agents: [AgentDefinition]) {
    self.name = name
    self.game = game
    self.agents = agents
  }

  public func agents(_ role: AgentRole) -> [AgentDefinition] { agents.filter { $0.role == role } }

  /// The agents that learn (not frozen): each has a learner, a replay table and matches of its own.
  public var learningAgents: [AgentDefinition] { agents.filter { !$0.frozen } }

  /// The format league actors run every network in (`network.inference_precision` of the first
  /// agent; one actor serves every agent's matches, so one format for all).
  public var actorPrecision: InferencePrecision { agents.first?.settings.inferencePrecision ?? .auto }

  /// How much league actors raise their threads' nice value (`training.actor_nice` of the first
  /// agent, as `actorPrecision`).
  public var actorNice: Int { agents.first?.settings.training.actorNice ?? TrainingConfig().actorNice }

  /// Whether the agent named `name` is frozen.
  public func isFrozen(_ name: String) -> Bool { agents.first { $0.name == name }?.frozen == true }

  /// The settings `agent`'s definition gives, with `hyperparameters` applied.
  public func settings(of agent: String, hyperparameters: Hyperparameters) -> RunSettings {
    var settings = agents.first { $0.name == agent }!.settings
    for (h, v) in hyperparameters { h.set(v, in: &settings) }
    return settings
  }
}
