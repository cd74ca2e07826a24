// Leagues for tests: small enough to show every decision of the league manager (snapshots,
// resets, PBT exploits) within seconds of a debug build.

/// A league small enough to show every decision within a minute or two of a debug build.
public let tinyLeague = """
  game = "tic_tac_toe"
  games_per_match = 8
  actors = 2
  [agents.main_agent]
  count = 2
  [agents.main_agent.training]
  checkpoint_steps = 10
  min_replay_size = 100
  rate_error_buffer = 200.0
  batch_size = 32
  [agents.main_agent.network]
  blocks = 1
  channels = 8
  [agents.main_exploiter]
  count = 1
  [agents.main_exploiter.training]
  checkpoint_steps = 10
  min_replay_size = 100
  rate_error_buffer = 200.0
  batch_size = 32
  [agents.main_exploiter.network]
  blocks = 1
  channels = 8
  [agents.league_exploiter]
  count = 1
  [agents.league_exploiter.training]
  checkpoint_steps = 10
  min_replay_size = 100
  rate_error_buffer = 200.0
  batch_size = 32
  [agents.league_exploiter.network]
  blocks = 1
  channels = 8
  [members.main_agent_1.training]
  learning_rate = 0.02
  [snapshot]
  min_steps = 20
  [pbt]
  population = ["main_agent"]
  ready_steps = 20
  # Seconds of play give no significant rating gap; the tests want exploits to happen.
  exploit_confidence = 0.0
  [pbt.bounds]
  learning_rate = [0.0001, 0.05]
  simulations = [4, 32]
  [rating]
  anchors = ["random", "mcts:16"]
  interval_seconds = 5.0
  games = 4
  simulations = 4
  """
