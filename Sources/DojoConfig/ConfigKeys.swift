// Every key a game's configuration file may hold, in the order the effective configuration is
// written: its section, its name, what it means (with the reference value from the literature),
// how to read it and how to write it. One table serves parsing (unknown keys are errors, values
// are range-checked) and `dojo config` / a run's config.toml (every default written out, commented).

import DojoNN
import DojoPlayers
import DojoSearch
import DojoTraining
import TOMLKit

struct ConfigKey: @unchecked Sendable {
  let name: String
  let doc: String
  let read: (inout GameConfig, TOMLValueConvertible, _ path: String, _ key: String) throws(ConfigError) -> Void
  let write: (GameConfig) -> String

  static func int(_ name: String, _ kp: WritableKeyPath<GameConfig, Int>, _ range: ClosedRange<Int>, _ doc: String) -> ConfigKey {
    ConfigKey(name: name, doc: doc, read: { c, v, path, key throws(ConfigError) in
      guard let i = v.int else { throw .wrongType(path, key, "an integer") }
      guard range.contains(i) else { throw .badValue(path, key, "\(i) is outside \(range.lowerBound)...\(range.upperBound)") }
      c[keyPath: kp] = i
    }, write: { "\($0[keyPath: kp])" })
  }

  static func double(_ name: String, _ kp: WritableKeyPath<GameConfig, Double>, _ range: ClosedRange<Double>, _ doc: String) -> ConfigKey {
    ConfigKey(name: name, doc: doc, read: { c, v, path, key throws(ConfigError) in
      guard let d = v.double ?? v.int.map(Double.init) else { throw .wrongType(path, key, "a number") }
      guard range.contains(d) else { throw .badValue(path, key, "\(d) is outside \(range.lowerBound)...\(range.upperBound)") }
      c[keyPath: kp] = d
    }, write: { "\($0[keyPath: kp])" })
  }

  static func float(_ name: String, _ kp: WritableKeyPath<GameConfig, Float>, _ range: ClosedRange<Float>, _ doc: String) -> ConfigKey {
    // Checked as the Float it becomes (1e-7 is the bound 1e-7, not below its Float's Double
    // expansion), written as the Float reads (-0.95, not -0.949999988…).
    ConfigKey(name: name, doc: doc, read: { c, v, path, key throws(ConfigError) in
      guard let d = v.double ?? v.int.map(Double.init) else { throw .wrongType(path, key, "a number") }
      guard range.contains(Float(d)) else { throw .badValue(path, key, "\(d) is outside \(range.lowerBound)...\(range.upperBound)") }
      c[keyPath: kp] = Float(d)
    }, write: { "\($0[keyPath: kp])" })
  }

  static func bool(_ name: String, _ kp: WritableKeyPath<GameConfig, Bool>, _ doc: String) -> ConfigKey {
    ConfigKey(name: name, doc: doc, read: { c, v, path, key throws(ConfigError) in
      guard let b = v.bool else { throw .wrongType(path, key, "true or false") }
      c[keyPath: kp] = b
    }, write: { "\($0[keyPath: kp])" })
  }

  /// A player spec (`mcts:N`, `gtp:COMMAND`, …), or empty for none.
  static func player(_ name: String, _ kp: WritableKeyPath<GameConfig, String>, _ doc: String) -> ConfigKey {
    ConfigKey(name: name, doc: doc, read: { c, v, path, key throws(ConfigError) in
      guard let s = v.string else { throw .wrongType(path, key, "a string (a player spec, or \"\" for none)") }
      if !s.isEmpty {
        let spec: PlayerSpec
        do { spec = try PlayerSpec(parsing: s) } catch { throw .badValue(path, key, "\(error)") }
        guard spec != .human else { throw .badValue(path, key, "'human' cannot be a fixed opponent") }
      }
      c[keyPath: kp] = s
    }, write: { tomlString($0[keyPath: kp]) })
  }

  static func choice<E: RawRepresentable<String> & CaseIterable>(_ name: String, _ kp: WritableKeyPath<GameConfig, E>, _ doc: String) -> ConfigKey {
    ConfigKey(name: name, doc: doc, read: { c, v, path, key throws(ConfigError) in
      guard let s = v.string else { throw .wrongType(path, key, "a string") }
      guard let e = E(rawValue: s) else { throw .badValue(path, key, "'\(s)' is not one of " + E.allCases.map(\.rawValue).joined(separator: ", ")) }
      c[keyPath: kp] = e
    }, write: { "\"\($0[keyPath: kp].rawValue)\"" })
  }
}

extension SearchConfig.RootPolicy: CaseIterable {
  public static let allCases: [SearchConfig.RootPolicy] = [.puct, .gumbel]
}

extension OptimizerConfig.Kind: CaseIterable {
  public static let allCases: [OptimizerConfig.Kind] = [.sgd, .adamw]
}

struct ConfigSection {
  let name: String
  let doc: String
  let keys: [ConfigKey]
}

enum ConfigSchema {
  static let sections: [ConfigSection] = [
    ConfigSection(name: "network", doc: "The residual policy-value network (Sources/DojoNN).", keys: network),
    ConfigSection(name: "search", doc: "Monte Carlo tree search in self-play (Sources/DojoSearch).", keys: search),
    ConfigSection(name: "selfplay", doc: "Move choice, playout caps and resignation in self-play games.", keys: selfPlay),
    ConfigSection(name: "training", doc: "Actors, replay and the learner (Sources/DojoTraining).", keys: training),
    ConfigSection(name: "gating", doc: "Whether a checkpoint replaces the actors' model (through the arena).", keys: gating),
  ]

  static let network: [ConfigKey] = [
    .int("blocks", \.network.blocks, 0...100, "Residual blocks in the trunk, each two 3×3 convolutions with batch norm and a skip.\nAlphaGo Zero: 19 or 39; AlphaZero: 19; KataGo's first small nets: 6."),
    .int("channels", \.network.channels, 1...1024, "Channels of every trunk convolution. AlphaZero: 256; KataGo's small nets: 96."),
    .int("policy_channels", \.network.policyChannels, 1...256, "Channels of the policy head's 1×1 convolution, before its fully connected layer. AlphaGo Zero: 2."),
    .int("value_channels", \.network.valueChannels, 1...256, "Channels of the value head's 1×1 convolution, averaged over the board (global average\npooling, as KataGo's heads pool). KataGo: 32. (AlphaGo Zero: 1 channel, flattened.)"),
    .int("value_hidden", \.network.valueHidden, 1...4096, "Hidden units of the value head's fully connected layer. AlphaGo Zero: 256."),
    .choice("value_head", \.network.valueHead, "\"tanh\": one value in [-1, 1] trained by squared error (AlphaZero); \"wdl\": win/draw/loss\nprobabilities trained by cross-entropy (Leela Chess Zero, KataGo)."),
    .choice("inference_precision", \.inferencePrecision, "The actors' tower on oneDNN: \"fp32\"; \"bf16\" (bfloat16 activations and weights, f32 sums; fast on\nCPUs with AMX, slower than fp32 without); \"int8\" (u8 activations, s8 weights, scales calibrated on\nrandom positions of the game; 3-4× fp32 with VNNI, 2.5× on AVX2); \"auto\": bf16 with AMX, else int8 with AVX2."),
  ]

  static let search: [ConfigKey] = [
    .int("simulations", \.selfPlay.search.simulations, 1...100_000, "Simulations of a full search. AlphaZero: 800; Gumbel AlphaZero learns from as few as 2 to 16."),
    .choice("root_policy", \.selfPlay.search.rootPolicy, "\"gumbel\": Gumbel-top-k with sequential halving at the root (Danihelka et al. 2022), sound with few\nsimulations; \"puct\": PUCT with Dirichlet noise (AlphaZero)."),
    .float("c_puct_init", \.selfPlay.search.cPuctInit, 0...100, "PUCT exploration c(s) = log((1 + N + c_base) / c_base) + c_init. AlphaZero: 1.25."),
    .float("c_puct_base", \.selfPlay.search.cPuctBase, 1...1e9, "AlphaZero: 19652."),
    .float("fpu_reduction", \.selfPlay.search.fpuReduction, 0...2, "First-play urgency: an unvisited child's value is the parent's minus this × sqrt(visited prior).\nLeela Zero: 0.25."),
    .float("dirichlet_scale", \.selfPlay.search.dirichletScale, 0...1000, "PUCT root noise: Dirichlet α = this / legal actions (AlphaZero's 0.3 / 0.03 for chess / Go ≈ 10 / moves)."),
    .float("dirichlet_epsilon", \.selfPlay.search.dirichletEpsilon, 0...1, "PUCT root noise weight. AlphaZero: 0.25."),
    .float("forced_playout_factor", \.selfPlay.search.forcedPlayoutFactor, 0...100, "KataGo's forced playouts and policy target pruning (PUCT root): k = 2 in KataGo; 0 is off."),
    .int("gumbel_considered", \.selfPlay.search.gumbelConsidered, 1...4096, "Gumbel root: actions sampled for sequential halving (m). Paper: 16."),
    .float("gumbel_c_visit", \.selfPlay.search.gumbelCVisit, 0...1e6, "Gumbel σ(q) = (c_visit + max visits) · c_scale · q. Paper: 50."),
    .float("gumbel_c_scale", \.selfPlay.search.gumbelCScale, 0...1e3, "Paper: 1.0."),
    .int("leaves_per_tree", \.selfPlay.search.leavesPerTree, 1...64, "Leaves gathered per tree per step, kept apart by virtual loss. 1 is plain MCTS."),
  ]

  static let selfPlay: [ConfigKey] = [
    .float("full_search_probability", \.selfPlay.fullSearchProbability, 0...1, "Playout cap randomization (KataGo): a move gets a full search, kept as a training sample, with this\nprobability; otherwise a cheap search that is not kept. KataGo: 0.25. 1 turns it off."),
    .int("cheap_simulations", \.selfPlay.cheapSimulations, 1...100_000, "Simulations of a cheap search. KataGo: 100 (against 600 full)."),
    .float("temperature", \.selfPlay.temperature, 0...10, "PUCT roots only: sample moves by visits^(1/temperature) in the opening. AlphaZero: 1."),
    .int("temperature_plies", \.selfPlay.temperaturePlies, 0...1000, "PUCT roots only: plies played with the temperature, then the most visited move. AlphaZero: 30 (chess)."),
    .float("resign_threshold", \.selfPlay.resignThreshold, -2...1, "Resign when the root value and the best move's value are below this; -1 or less never resigns.\nAlphaGo Zero tuned it to keep false resignations under 5 %."),
    .float("no_resign_fraction", \.selfPlay.noResignFraction, 0...1, "Games that may not resign, to measure false resignations. AlphaGo Zero: 0.1."),
    .int("random_opening_plies", \.selfPlay.randomOpeningPlies, 0...1000, "Each game opens with 0 to this many uniformly random moves (not samples), so the data holds\npositions after bad play. 0: off (AlphaZero); KataGo varies its starting positions likewise."),
    .int("earliest_pass_ply", \.selfPlay.earliestPassPly, 0...100_000, "Games with a pass (Go), passing = \"free\": before this ply no player passes while it has another\nlegal move; the search still weighs the pass, the move and its policy target leave it out. An\nuntrained 9×9 net with komi otherwise passes as Black and White passes back: games of 8 plies. 0: off."),
    .choice("passing", \.selfPlay.passing, "Games with a pass (Go): \"free\", as the search decides (after earliest_pass_ply); \"when_done\", only\nwhen every other legal move fills one of the player's own eyes, which it never fills while it has\nanother move, so games are played out until the dead stones are captured and the area count is\nthe true result (how Monte-Carlo Go programs play their playouts)."),
  ]

  static let training: [ConfigKey] = [
    .int("actors", \.training.actors, 0...1024, "Self-play threads, each with one BLAS thread. 0: one per core."),
    .int("actor_nice", \.training.actorNice, 0...19, "How much self-play threads raise their nice value (Linux), so where they share cores with the\nlearner it runs first and they take what is left (the rate limiter paces them anyway). 0: the learner's priority."),
    .int("parallel_games", \.training.parallelGames, 1...4096, "Games each actor plays in lockstep (one network call per step for all of them)."),
    .int("window_size", \.training.windowSize, 1...100_000_000, "The replay window: the newest this many samples. AlphaZero: positions of the last 500,000 games."),
    .int("window_growth_minimum", \.training.windowGrowthMinimum, 0...100_000_000, "0: a fixed window. Else KataGo's window that grows with the data, from this many samples\n(n^0.75 growth, scale 0.4), up to window_size. KataGo: 250,000."),
    .double("samples_per_insert", \.training.samplesPerInsert, 0.01...1000, "Samples the learner draws per sample inserted (Reverb's rate limiter). KataGo: about 4."),
    .int("min_replay_size", \.training.minReplaySize, 1...100_000_000, "The learner waits until the window holds this many samples."),
    .double("rate_error_buffer", \.training.rateErrorBuffer, 1...1e9, "How many samples the faster side may run ahead of the ratio before it waits."),
    .int("batch_size", \.training.batchSize, 1...65536, "Samples per optimizer step. AlphaZero: 4,096; AlphaZero.jl's Connect Four: 1,024."),
    .choice("optimizer", \.training.optimizer.kind, "\"sgd\" (with Nesterov momentum, as AlphaZero) or \"adamw\"."),
    .float("learning_rate", \.training.learningRate, 1e-7...10, "The (peak) learning rate. AlphaZero (SGD): 0.2, stepped down to 0.0002; Adam-family: about 1e-3."),
    .choice("schedule", \.training.schedule, "\"constant\", or \"cosine\": linear warm-up over warmup_steps, then a half cosine down to\nminimum_learning_rate at total_steps (KataGo and most modern recipes warm up)."),
    .int("warmup_steps", \.training.warmupSteps, 0...100_000_000, "Cosine schedule: steps of linear warm-up."),
    .int("total_steps", \.training.totalSteps, 1...1_000_000_000, "Cosine schedule: the step at which the rate reaches its minimum (and stays)."),
    .float("minimum_learning_rate", \.training.minimumLearningRate, 0...10, "Cosine schedule: the final rate."),
    .float("momentum", \.training.optimizer.momentum, 0...1, "SGD momentum. AlphaZero: 0.9."),
    .float("weight_decay", \.training.optimizer.weightDecay, 0...1, "L2 (SGD) or decoupled (AdamW) weight decay on weights. AlphaZero: 1e-4."),
    .float("value_weight", \.training.valueWeight, 0...100, "Weight of the value loss against the policy loss. AlphaZero: 1; KataGo: 1.5."),
    .float("value_target_mix", \.training.valueTargetMix, 0...1, "Value target (1 − m)·z + m·(search's root value), z the game's result. 0: z alone (AlphaZero)."),
    .bool("merge_duplicates", \.training.mergeDuplicates, "A position already in the window is merged into it with its targets averaged (AlphaZero.jl),\nnot stored again, so the opening is drawn no more often than any other position."),
    .float("weight_average_decay", \.training.weightAverageDecay, 0...0.999999, "Checkpoints (the actors' model) hold an exponential moving average of the weights with this\ndecay per step; horizon about 1 / (1 − decay) steps. 0: the weights as trained. (`dojo train` and\nthe cluster's learner; league learners train and snapshot the weights as trained.)"),
    .int("checkpoint_steps", \.training.checkpointSteps, 1...10_000_000, "Optimizer steps between checkpoints; each checkpoint is a gating candidate."),
  ]

  static let gating: [ConfigKey] = [
    .choice("rule", \.gating.rule, "\"none\": every checkpoint (AlphaZero); \"fixed\": `games` games and a score threshold (AlphaGo\nZero: 400 games, 55 %); \"sprt\": colour-swapped pairs until the SPRT decides (Leela Zero)."),
    .int("games", \.gating.games, 2...100_000, "Games for \"fixed\"; the most games for \"sprt\" (undecided: rejected)."),
    .double("threshold", \.gating.threshold, 0...1, "The score \"fixed\" needs. AlphaGo Zero: 0.55."),
    .double("elo0", \.gating.elo0, -1000...1000, "SPRT: H0 (no better). Leela Zero: 0."),
    .double("elo1", \.gating.elo1, -1000...1000, "SPRT: H1 (better by this). Leela Zero: 35."),
    .double("alpha", \.gating.alpha, 0.0001...0.5, "SPRT: false acceptance rate. Leela Zero: 0.05."),
    .double("beta", \.gating.beta, 0.0001...0.5, "SPRT: false rejection rate. Leela Zero: 0.05."),
    .int("simulations", \.gating.simulations, 1...100_000, "Simulations per move of both sides in gating games."),
    .player("benchmark", \.gating.benchmark, "A fixed opponent every accepted checkpoint also plays (a player spec: \"mcts:200\",\n\"gtp:/usr/games/gnugo --mode gtp --level 1\"), so strength shows on a scale that does not move.\nThe score is in RUN/run.sqlite, TensorBoard (benchmark/score) and RUN/benchmark.svg. \"\": none."),
    .int("benchmark_games", \.gating.benchmarkGames, 0...100_000, "Games against the benchmark per accepted checkpoint, colours alternating."),
  ]
}

/// `s` as a TOML basic string.
func tomlString(_ s: String) -> String {
  var out = "\""
  for ch in s.unicodeScalars {
    switch ch {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\t": out += "\\t"
    case _ where ch.value < 0x20 || ch.value == 0x7F:
      let hex = String(ch.value, radix: 16, uppercase: true)
      out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    default: out.unicodeScalars.append(ch)
    }
  }
  return out + "\""
}
