// Dojo's metrics, through swift-metrics (the Swift server ecosystem's metrics API): the roles
// count and time what they do here; a process started with `--metrics HOST:PORT` bootstraps the
// Prometheus backend (DojoHTTP) and serves them at /metrics. Without it every call is a no-op.
// Names and units follow Prometheus's conventions: counters end in _total, durations in _seconds.

import CoreMetrics
import Foundation

public enum DojoMetrics {
  // Self-play (actors): games and positions the replay store acknowledged.
  public static let selfPlayGames = Counter(label: "dojo_selfplay_games_total")
  public static let selfPlayPositions = Counter(label: "dojo_selfplay_positions_total")
  // The replay store.
  public static let samplesInserted = Counter(label: "dojo_replay_samples_inserted_total")
  public static let samplesDrawn = Counter(label: "dojo_replay_samples_drawn_total")
  public static let gamesStored = Counter(label: "dojo_replay_games_stored_total")
  public static let windowSamples = Gauge(label: "dojo_replay_window_samples")
  /// Requests the replay service answered, by how long they took.
  public static let replayRequest = Timer(label: "dojo_replay_request_seconds")
  // The learner.
  public static let optimizerSteps = Counter(label: "dojo_learner_steps_total")
  public static let policyLoss = Gauge(label: "dojo_learner_policy_loss")
  public static let valueLoss = Gauge(label: "dojo_learner_value_loss")
  public static let generation = Gauge(label: "dojo_learner_generation")
  // The network: one call per batch of leaves.
  public static let networkBatch = Timer(label: "dojo_network_batch_seconds")
  // The evaluator: the newest accepted checkpoint's score against the fixed benchmark opponent.
  public static let benchmarkScore = Gauge(label: "dojo_evaluator_benchmark_score")

  /// Games the replay store refused, by reason: `invalid` (the rules), `malformed` (the wire),
  /// `disk_full`.
  public static func gamesRefused(_ reason: String) -> Counter {
    Counter(label: "dojo_replay_games_refused_total", dimensions: [("reason", reason)])
  }

  /// Gating verdicts: `accepted` or `rejected`.
  public static func gates(_ verdict: String) -> Counter {
    Counter(label: "dojo_evaluator_gates_total", dimensions: [("verdict", verdict)])
  }

  /// League games by pair (the learning agent, its opponent).
  public static func leagueGames(agent: String, opponent: String) -> Counter {
    Counter(label: "dojo_league_games_total", dimensions: [("agent", agent), ("opponent", opponent)])
  }

  /// Creates every metric that has no label, or a known set of labels, so a scrape shows it from the
  /// start (at 0) rather than from its first event. Call after bootstrapping a backend.
  public static func register() {
    _ = [selfPlayGames, selfPlayPositions, samplesInserted, samplesDrawn, gamesStored, optimizerSteps]
    _ = [windowSamples, policyLoss, valueLoss, generation, benchmarkScore]
    _ = [replayRequest, networkBatch]
    for reason in ["invalid", "malformed", "disk_full"] { _ = gamesRefused(reason) }
    for verdict in ["accepted", "rejected"] { _ = gates(verdict) }
  }

  /// Every metric Dojo defines, with its Prometheus type (the README's list; the tests check it).
  public static let catalogue: [(name: String, type: String)] = [
    ("dojo_selfplay_games_total", "counter"), ("dojo_selfplay_positions_total", "counter"),
    ("dojo_replay_samples_inserted_total", "counter"), ("dojo_replay_samples_drawn_total", "counter"),
    ("dojo_replay_games_stored_total", "counter"), ("dojo_replay_games_refused_total", "counter"),
    ("dojo_replay_window_samples", "gauge"), ("dojo_replay_request_seconds", "histogram"),
    ("dojo_learner_steps_total", "counter"), ("dojo_learner_policy_loss", "gauge"), ("dojo_learner_value_loss", "gauge"),
    ("dojo_learner_generation", "gauge"), ("dojo_network_batch_seconds", "histogram"),
    ("dojo_evaluator_gates_total", "counter"), ("dojo_evaluator_benchmark_score", "gauge"), ("dojo_league_games_total", "counter"),
  ]
}

extension CoreMetrics.Timer {
  /// Records a measured `Duration`.
  public func record(duration d: Duration) {
    recordNanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
  }
}
