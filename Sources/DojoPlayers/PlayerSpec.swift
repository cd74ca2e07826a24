// Players written as strings, for the command line and for files:
//   random                     uniformly random legal moves
//   human                      a person at the terminal
//   mcts:N                     pure MCTS, N simulations per move (uniform priors, random rollouts)
//   ckpt:PATH[:sims=N]         a checkpoint searching N simulations per move (default 200; 0 = its policy alone)
//   gtp:[timeout=S:]COMMAND    an outside Go engine speaking GTP on its standard input and output, run
//                              by /bin/sh (for example gtp:gnugo --mode gtp --level 10); S seconds per
//                              reply before the engine is judged hung (default 60)

import DojoGames
import DojoNN
import DojoSearch
import Foundation

public enum PlayerSpec: Equatable, Sendable, CustomStringConvertible {
  case random
  case human
  case mcts(simulations: Int)
  case checkpoint(path: String, simulations: Int)
  case gtp(command: String, timeout: Double)

  public static let defaultGTPTimeout = 60.0

  public init(parsing text: String) throws(PlayerSpecError) {
    if text.hasPrefix("gtp:") {
      var rest = Substring(text.dropFirst(4)), timeout = PlayerSpec.defaultGTPTimeout
      if rest.hasPrefix("timeout=") {
        let option = rest.prefix { $0 != ":" }
        guard let s = Double(option.dropFirst(8)), s > 0, rest.count > option.count else {
          throw .malformed(text, "gtp:timeout=S:COMMAND with S > 0 seconds")
        }
        timeout = s
        rest = rest.dropFirst(option.count + 1)
      }
      guard !rest.trimmingCharacters(in: .whitespaces).isEmpty else { throw .malformed(text, "gtp:COMMAND names the engine to run") }
      self = .gtp(command: String(rest), timeout: timeout)
      return
    }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    switch parts[0] {
    case "random" where parts.count == 1: self = .random
    case "human" where parts.count == 1: self = .human
    case "mcts":
      guard parts.count == 2, let n = Int(parts[1]), n >= 1 else { throw .malformed(text, "mcts:N with N ≥ 1 simulations") }
      self = .mcts(simulations: n)
    case "ckpt":
      guard parts.count >= 2, !parts[1].isEmpty else { throw .malformed(text, "ckpt:PATH or ckpt:PATH:sims=N") }
      var sims = 200
      for option in parts.dropFirst(2) {
        let kv = option.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2, kv[0] == "sims", let n = Int(kv[1]), n >= 0 else {
          throw .malformed(text, "unknown option '\(option)'; ckpt takes sims=N")
        }
        sims = n
      }
      self = .checkpoint(path: parts[1], simulations: sims)
    default:
      throw .malformed(text, "players are random, human, mcts:N, ckpt:PATH[:sims=N], gtp:COMMAND")
    }
  }

  public var description: String {
    switch self {
    case .random: "random"
    case .human: "human"
    case let .mcts(n): "mcts:\(n)"
    case let .checkpoint(path, n): "ckpt:\(path):sims=\(n)"
    case let .gtp(command, timeout): "gtp:" + (timeout == PlayerSpec.defaultGTPTimeout ? "" : "timeout=\(timeout == timeout.rounded() ? String(Int(timeout)) : String(timeout)):") + command
    }
  }
}

public enum PlayerSpecError: Error, Equatable, CustomStringConvertible {
  case malformed(String, String)
  public var description: String {
    switch self {
    case let .malformed(text, hint): "cannot read player '\(text)': \(hint)"
    }
  }
}

/// Something that picks moves in one game (a human is handled by the terminal, not here).
public protocol Bot<G> {
  associatedtype G: Game
  /// The move to play in `state`, with what the bot thinks (value for the side to move, top moves).
  mutating func choose(_ state: G.State) -> BotMove
}

public struct BotMove: Sendable {
  public var action: Action
  /// The bot's value of the position for the side to move, if it has one.
  public var value: Float?
  /// Its preferred moves with their share of the search (or the policy).
  public var top: [(action: Action, share: Float)]
  /// Set when the bot gives up the game instead of moving (`action` is then meaningless): a resigning
  /// outside engine, or one that hung, died or answered an illegal move; the reason says which.
  public var forfeit: String? = nil
}

public struct RandomBot<G: Game>: Bot {
  var rng: SplitMix64
  var actions: [Action] = []
  public init(game: G, seed: UInt64) { rng = SplitMix64(seed: seed) }
  public mutating func choose(_ state: G.State) -> BotMove {
    state.legalActions(into: &actions)
    return BotMove(action: actions[rng.next(below: actions.count)], value: nil, top: [])
  }
}

/// A searching bot over any evaluator: most-visited move, no noise (deterministic for a seed).
public struct SearchBot<G: Game, E: Evaluator>: Bot where E.State == G.State {
  let search: BatchedSearch<G, E>
  let simulations: Int

  public init(game: G, evaluator: E, config: SearchConfig, simulations: Int, seed: UInt64) {
    search = BatchedSearch(game: game, evaluator: evaluator, config: config, gameCount: 1, seed: seed)
    self.simulations = simulations
  }

  public mutating func choose(_ state: G.State) -> BotMove {
    search.setRoot(0, state)
    let r = search.search(simulations: [max(1, simulations)], noise: [false])[0]
    let total = Float(r.visits.reduce(0, +))
    let order = r.actions.indices.sorted { r.visits[$0] > r.visits[$1] }
    let best = search.config.rootPolicy == .gumbel ? r.selectedAction : r.actions[order[0]]
    return BotMove(action: best, value: r.rootValue, top: order.prefix(3).map { (r.actions[$0], Float(r.visits[$0]) / total) })
  }
}

/// A checkpoint's raw policy: the most probable legal move, no search.
public struct PolicyBot<G: Game>: Bot {
  var evaluator: NetworkEvaluator<G>
  var batch = LeafBatch<G.State>()
  var scratch: [Action] = []

  public init(game: G, engine: any PolicyValueFunction) { evaluator = NetworkEvaluator(game: game, engine: engine) }

  public mutating func choose(_ state: G.State) -> BotMove {
    batch = LeafBatch()
    batch.append(state, scratch: &scratch)
    batch.prepareOutputs()
    evaluator.evaluate(&batch)
    let order = batch.actions.indices.sorted { batch.priors[$0] > batch.priors[$1] }
    return BotMove(action: batch.actions[order[0]], value: batch.values[0], top: order.prefix(3).map { (batch.actions[$0], batch.priors[$0]) })
  }
}

/// Makes the bot a spec names, for `game`. Checkpoints are checked against the game.
public func makeBot<G: Game>(_ spec: PlayerSpec, game: G, seed: UInt64, search: SearchConfig = SearchConfig()) throws -> any Bot<G> {
  switch spec {
  case .random, .human:
    return RandomBot(game: game, seed: seed)
  case let .gtp(command, timeout):
    guard let go = game as? Go else { throw PlayerSpecError.malformed(spec.description, "GTP engines play Go, not \(game.name)") }
    return try GTPBot(game: go, command: command, timeout: timeout) as! any Bot<G>
  case let .mcts(n):
    var config = search
    config.rootPolicy = .puct
    config.fpuReduction = 0
    return SearchBot(game: game, evaluator: RolloutEvaluator<G.State>(seed: seed), config: config, simulations: n, seed: seed)
  case let .checkpoint(path, n):
    let loaded = try Checkpoint.read(path, game: game.name)
    let engine = InferenceEngine(network: loaded.network)
    if n == 0 { return PolicyBot(game: game, engine: engine) }
    return SearchBot(game: game, evaluator: NetworkEvaluator(game: game, engine: engine), config: search, simulations: n, seed: seed)
  }
}
