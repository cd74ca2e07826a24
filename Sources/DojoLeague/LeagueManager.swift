// The league manager: holds the payoff table, the historical players and every learning agent's
// state and hyperparameters (durably, in a LeagueStore); hands out matches; takes results; and
// when a learner writes a checkpoint, decides snapshots, resets and PBT exploit/explore, each
// recorded with its reason. Thread-safe: actors and learners call it from their own threads.

import DojoTelemetry
import DojoConcurrency
import DojoArena
import DojoGames
import DojoSearch
import DojoTraining
import Foundation

/// A match an actor plays: the learning agent (whose positions become its training samples) with
/// its model and settings, and its opponent with its own.
public struct LeagueMatch: Sendable {
  public var id: String
  public var agent: String
  public var agentModel: CheckpointReference
  public var agentSelfPlay: SelfPlayConfig
  public var opponent: String
  public var opponentModel: CheckpointReference
  public var opponentSelfPlay: SelfPlayConfig
  public var branch: MatchBranch
  /// Games to play, half with the agent moving first.
  public var games: Int
  /// Whether the opponent is a current learning agent in a self-play game, so its positions are
  /// samples too (for its own replay table).
  public var opponentLearns: Bool

  public init(id: String, agent: String, agentModel: CheckpointReference, agentSelfPlay: SelfPlayConfig, opponent: String,
              opponentModel: CheckpointReference, opponentSelfPlay: SelfPlayConfig, branch: MatchBranch, games: Int,
              opponentLearns: Bool = false) {
    self.id = id
    self.agent = agent
    self.agentModel = agentModel
    self.agentSelfPlay = agentSelfPlay
    self.opponent = opponent
    self.opponentModel = opponentModel
    self.opponentSelfPlay = opponentSelfPlay
    self.branch = branch
    self.games = games
    self.opponentLearns = opponentLearns
  }

  /// Whose positions become samples: the agent's, both sides' (each for its own table), or, when
  /// the agent plays itself, every position from one search.
  public var samples: MatchSamples {
    guard opponentLearns else { return .learner }
    return opponent == agent ? .mirror : .bothSides
  }
}

/// What a learner must do after a checkpoint: load other weights and settings.
public struct LearnerDirective: Sendable, Equatable {
  public enum Kind: String, Sendable { case reset, exploit }
  public var kind: Kind
  /// The weights to continue from (and, for an exploit, the optimizer state saved beside them).
  public var model: CheckpointReference
  public var keepsOptimizerState: Bool
  public var hyperparameters: Hyperparameters

  public init(kind: Kind, model: CheckpointReference, keepsOptimizerState: Bool, hyperparameters: Hyperparameters) {
    self.kind = kind
    self.model = model
    self.keepsOptimizerState = keepsOptimizerState
    self.hyperparameters = hyperparameters
  }
}

/// What a league actor needs from the manager: in process the manager itself, in a cluster a
/// client of its server (`RemoteLeague`).
public protocol LeagueMatchmaking: Sendable {
  /// The next match for `actor` to play.
  func nextMatch(actor: String) throws -> LeagueMatch
  /// One game's result, stored before this returns (a retried result counts once: false).
  @discardableResult
  func report(_ result: LeagueResult) throws -> Bool
}

/// What a learning agent's learner needs from the manager.
public protocol LeagueLearning: Sendable {
  /// The agent as the manager holds it (its model, steps, samples seen and hyperparameters).
  func agentState(_ name: String) throws -> AgentState
  /// A checkpoint written; returns what the learner must load, if anything (see LeagueManager.checkpointed).
  func checkpointed(agent: String, model: CheckpointReference, steps: Int, samplesSeen: Int) throws -> LearnerDirective?
  /// Losses for the league's records.
  func recordTraining(agent: String, step: Int, policyLoss: Float, valueLoss: Float) throws
}

public final class LeagueManager: LeagueMatchmaking, LeagueLearning, @unchecked Sendable {
  public let config: LeagueConfig
  public let store: LeagueStore
  let matchmaker: Matchmaker

  struct State {
    var agents: [String: AgentState] = [:]
    var historical: [HistoricalRecord] = []
    var payoff: Payoff
    var rng: SplitMix64
    /// Shares of the games per learning agent since this process started: matches handed out, or
    /// game sides learnt from (`matchmaking.balance`). The next match goes to the agent with fewest.
    var shares: [String: Int] = [:]
    var matchCounter = 0
  }

  let state: Locked<State>
  let session: String

  /// Opens the league in `store`: agents, historical players and the payoff as they were stored.
  /// `ratingsMaxAge`: seconds a fit of the ratings is reused.
  public init(config: LeagueConfig, store: LeagueStore, seed: UInt64, ratingsMaxAge: Double = 5) throws {
    self.config = config
    self.ratingsMaxAge = ratingsMaxAge
    self.store = store
    matchmaker = Matchmaker(config: config.matchmaking)
    var s = State(payoff: Payoff(config: config.payoff), rng: SplitMix64(seed: seed))
    for a in try store.agents() { s.agents[a.name] = a }
    s.historical = try store.historical()
    for r in try store.results() { s.payoff.record(home: r.home, away: r.away, score: r.score) }
    state = Locked(s)
    session = String(UInt32(truncatingIfNeeded: SplitMix64.mix(seed ^ UInt64(Date().timeIntervalSince1970 * 1e6))), radix: 36)
  }

  /// Adds `definition` with its initial model, unless the league already holds it.
  public func register(_ definition: AgentDefinition, initial: CheckpointReference) throws {
    guard agent(definition.name) == nil else { return }
    let values = Dictionary(uniqueKeysWithValues: Hyperparameter.allCases.map { ($0, $0.value(in: definition.settings)) })
    let a = AgentState(name: definition.name, role: definition.role, model: initial, hyperparameters: values)
    var update = LeagueUpdate()
    update.agents = [a]
    try store.apply(update)
    state.withLock { $0.agents[a.name] = a }
  }

  public func agent(_ name: String) -> AgentState? { state.withLock { $0.agents[name] } }
  public var agents: [AgentState] { state.withLock { s in config.agents.compactMap { s.agents[$0.name] } } }
  public var historical: [HistoricalRecord] { state.withLock { $0.historical } }
  public var payoff: Payoff { state.withLock { $0.payoff } }

  /// The settings `agent`'s definition gives, with `hyperparameters` applied.
  public func settings(of agent: String, hyperparameters: Hyperparameters) -> RunSettings {
    config.settings(of: agent, hyperparameters: hyperparameters)
  }

  public func agentState(_ name: String) throws -> AgentState {
    guard let a = agent(name) else { throw InvalidRun("no learning agent named \(name) in this league") }
    return a
  }

  public func recordTraining(agent: String, step: Int, policyLoss: Float, valueLoss: Float) throws {
    try store.recordTraining(agent: agent, step: step, policyLoss: policyLoss, valueLoss: valueLoss)
  }

  public func nextMatch(actor: String) throws -> LeagueMatch { nextMatch() }

  public var view: LeagueView { state.withLock { view($0) } }

  func view(_ s: State) -> LeagueView {
    LeagueView(agents: config.agents.compactMap { s.agents[$0.name].map { ($0.name, $0.role) } },
               historical: s.historical.map(\.player), payoff: s.payoff)
  }

  // MARK: Matches

  /// The next match: for the learning agent that has had the fewest (matches, or game sides to
  /// learn from: `matchmaking.balance`), against the opponent its role's matchmaking picks.
  public func nextMatch() -> LeagueMatch {
    state.withLock { s in
      let names = config.learningAgents.map(\.name).filter { s.agents[$0] != nil }
      let agentName = names.min { (s.shares[$0] ?? 0, names.firstIndex(of: $0)!) < (s.shares[$1] ?? 0, names.firstIndex(of: $1)!) }!
      s.shares[agentName, default: 0] += 1
      s.matchCounter += 1
      let a = s.agents[agentName]!
      let (opponent, branch) = matchmaker.opponent(for: agentName, role: a.role, in: view(s), rng: &s.rng)
      let (model, settings): (CheckpointReference, RunSettings)
      if let o = s.agents[opponent] {
        (model, settings) = (o.model, self.settings(of: o.name, hyperparameters: o.hyperparameters))
      } else {
        let h = s.historical.first { $0.player.name == opponent }!
        (model, settings) = (h.model, self.settings(of: h.player.parent, hyperparameters: h.hyperparameters))
      }
      let opponentLearns = branch == .selfPlay && s.agents[opponent] != nil && !config.isFrozen(opponent)
      if opponentLearns && config.matchmaking.balance == .samples { s.shares[opponent, default: 0] += 1 }
      return LeagueMatch(id: "\(session)-\(s.matchCounter)", agent: agentName, agentModel: a.model,
                         agentSelfPlay: self.settings(of: agentName, hyperparameters: a.hyperparameters).selfPlay,
                         opponent: opponent, opponentModel: model, opponentSelfPlay: settings.selfPlay, branch: branch, games: config.gamesPerMatch,
                         opponentLearns: opponentLearns)
    }
  }

  /// Takes one game's result: stored in its own transaction, then counted (a retried result counts
  /// once). Returns whether it was new.
  @discardableResult
  public func report(_ result: LeagueResult) throws -> Bool {
    guard try store.insert(result) else { return false }
    state.withLock { $0.payoff.record(home: result.home, away: result.away, score: result.score) }
    DojoMetrics.leagueGames(agent: result.home, opponent: result.away).increment()
    return true
  }

  // MARK: Decisions

  /// A learner wrote `model` after `steps` steps: records it, then decides a snapshot (and a reset)
  /// and PBT exploit/explore. Returns what the learner must load, if anything.
  public func checkpointed(agent name: String, model: CheckpointReference, steps: Int, samplesSeen: Int) throws -> LearnerDirective? {
    let fit = self.ratingFit()
    let ratings = fit.ratings
    return try state.withLock { s throws -> LearnerDirective? in
      guard var a = s.agents[name] else { throw InvalidRun("no learning agent named \(name) in this league") }
      a.model = model
      a.steps = steps
      a.samplesSeen = samplesSeen
      var update = LeagueUpdate()
      var directive: LearnerDirective?
      let league = view(s)
      let reference = SnapshotRule.referenceSet(for: a.role, in: league).filter { $0 != name }.map { s.payoff.winRate(name, $0) }
      let rule = config.snapshot.forRole(a.role)
      if let reason = SnapshotRule.due(stepsSinceLast: a.steps - a.lastSnapshotStep, referenceWinRates: reference, config: rule) {
        let player = HistoricalPlayer(name: "\(name)@\(a.steps)", parent: name, role: a.role, step: a.steps, generation: model.generation)
        let record = HistoricalRecord(player: player, model: model, hyperparameters: a.hyperparameters)
        update.historical.append(record)
        update.events.append(LeagueEvent(kind: .snapshot, agents: [name, player.name], reason: reason, step: a.steps))
        a.lastSnapshotStep = a.steps
        if SnapshotRule.resets(a.role, draw: Double.random(in: 0..<1, using: &s.rng), config: rule) {
          a.model = a.initial
          directive = LearnerDirective(kind: .reset, model: a.initial, keepsOptimizerState: false, hyperparameters: a.hyperparameters)
          let why = a.role == .mainExploiter
            ? "main exploiters restart from the initial weights at every snapshot"
            : "league exploiters restart from the initial weights with probability \(config.snapshot.leagueExploiterResetProbability)"
          update.events.append(LeagueEvent(kind: .reset, agents: [name], reason: why, step: a.steps))
        }
        s.historical.append(record)
      }
      if config.pbt.population.contains(a.role), a.steps - a.lastReadyStep >= config.pbt.readySteps {
        a.lastReadyStep = a.steps
        let members = config.learningAgents.filter { config.pbt.population.contains($0.role) }.map(\.name)
        let fitness = Dictionary(uniqueKeysWithValues: members.map { m in (m, ratings.first { $0.name == m }?.rating ?? 0) })
        if let donor = PBT.donor(for: name, fitness: fitness, config: config.pbt, rng: &s.rng, stronger: fit.probabilityStronger),
          let d = s.agents[donor] {
          let explored = PBT.explore(d.hyperparameters, config: config.pbt, rng: &s.rng)
          a.model = d.model
          a.hyperparameters = explored
          a.lineage.append("\(donor)@\(d.steps)")
          directive = LearnerDirective(kind: .exploit, model: d.model, keepsOptimizerState: true, hyperparameters: explored)
          let rank = members.sorted { fitness[$0]! > fitness[$1]! }.firstIndex(of: name)! + 1
          let confidence = config.pbt.exploitConfidence > 0
            ? String(format: ", fitter with probability %.3f", fit.probabilityStronger(donor, than: name) ?? 0) : ""
          update.events.append(LeagueEvent(kind: .exploit, agents: [name, donor], reason: String(
            format: "fitness (league rating) %.0f, rank %d of %d, below %@'s %.0f (%@%@): copies its weights, optimizer state and hyperparameters",
            fitness[name]!, rank, members.count, donor, fitness[donor]!, config.pbt.exploit.rawValue, confidence), step: a.steps))
          let changes = config.pbt.bounds.keys.sorted().compactMap { h -> String? in
            guard let from = d.hyperparameters[h], let to = explored[h] else { return nil }
            return "\(h.rawValue) \(formatValue(from)) → \(formatValue(to))"
          }
          update.events.append(LeagueEvent(kind: .explore, agents: [name], reason: "\(config.pbt.explore.rawValue): " + changes.joined(separator: ", "), step: a.steps))
        }
      }
      update.agents = [a]
      try store.apply(update)
      s.agents[name] = a
      return directive
    }
  }

  // MARK: Ratings

  /// Ratings of every player in the payoff (learning agents, historical players, anchors) fitted to
  /// the weighted games of the payoff table, anchored at the first rating anchor (0) when it has played.
  /// Refitted at most every `ratingsMaxAge` seconds (a fit over hundreds of players takes a while;
  /// PBT's fitness and the status line can use one a few seconds old).
  public func ratings(fresh: Bool = false) -> [PlayerRating] { ratingFit(fresh: fresh).ratings }

  /// The ratings with their covariance (PBT's significance test).
  public func ratingFit(fresh: Bool = false) -> RatingFit {
    if !fresh, let cached = ratingsCache.withLock({ $0 }), Date().timeIntervalSince(cached.at) < ratingsMaxAge { return cached.fit }
    let fresh = Self.ratingFit(payoff: payoff, anchor: config.rating.anchors.first)
    ratingsCache.withLock { $0 = (Date(), fresh) }
    return fresh
  }

  let ratingsCache = Locked<(at: Date, fit: RatingFit)?>(nil)
  let ratingsMaxAge: Double

  public static func ratings(payoff: Payoff, anchor: String?) -> [PlayerRating] { ratingFit(payoff: payoff, anchor: anchor).ratings }

  public static func ratingFit(payoff: Payoff, anchor: String?) -> RatingFit {
    let pairs = payoff.entries.filter { $0.key.home < $0.key.away && $0.value.games > 0 }
    var names = Array(Set(pairs.keys.flatMap { [$0.home, $0.away] })).sorted()
    guard !names.isEmpty else { return RatingFit(ratings: [], covariance: []) }
    if let anchor, let i = names.firstIndex(of: anchor) { names.swapAt(0, i) }
    let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    let games = pairs.map { GameOutcome(a: index[$0.key.home]!, b: index[$0.key.away]!, score: $0.value.points / $0.value.games, weight: $0.value.games) }
    return fitRatingModel(names: names, games: games, anchor: 0)
  }
}

func formatValue(_ x: Double) -> String {
  x == x.rounded() && abs(x) < 1e6 ? String(Int(x)) : String(format: abs(x) < 0.01 ? "%.2e" : "%.4g", x)
}
