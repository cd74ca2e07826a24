// Players and GTP, both ways: an outside engine as a bot (`gtp:COMMAND`), and any player spec as the
// brain of Dojo's own GTP engine (`dojo gtp`).

import DojoGTP
import DojoGames
import DojoNN
import DojoSearch
import Foundation

/// An outside GTP engine as a bot. The engine is started for the game and told the board size and komi;
/// before each of its moves it is told the moves since its last one (or, after moves it cannot be
/// told in order, such as a tournament's opening, the position's stones). Its resignation, silence
/// past the timeout, exit or an illegal reply forfeits the game, the reason recorded.
public struct GTPBot: Bot {
  public typealias G = Go
  public let game: Go
  let client: GTPClient
  let timeout: Double
  /// The position the engine holds.
  var known: GoState

  public init(game: Go, command: String, timeout: Double = PlayerSpec.defaultGTPTimeout) throws {
    self.game = game
    self.timeout = timeout
    client = try GTPClient(command: command)
    try client.send("boardsize \(game.size)", timeout: timeout)
    try client.send("clear_board", timeout: timeout)
    try client.send("komi \(Go.text(ofKomi: game.komi))", timeout: timeout)
    known = game.initialState()
  }

  public mutating func choose(_ state: GoState) -> BotMove {
    do {
      try synchronise(with: state)
      let colour = GTP.name(of: state.currentPlayer)
      let reply = try client.send("genmove \(colour)", timeout: timeout)
      if reply.lowercased() == "resign" { return BotMove(action: game.pass, value: nil, top: [], forfeit: "\(colour) resigned") }
      guard let a = GTP.action(reply, in: game), state.isLegal(a) else {
        return BotMove(action: game.pass, value: nil, top: [], forfeit: "\(colour) answered genmove with an illegal move '\(reply)'")
      }
      known = state.applying(a)
      return BotMove(action: a, value: nil, top: [])
    } catch {
      return BotMove(action: game.pass, value: nil, top: [], forfeit: "\(GTP.name(of: state.currentPlayer)): \(error)")
    }
  }

  mutating func synchronise(with state: GoState) throws {
    if state == known { return }
    let last = Int(state.lastMove)
    if state.plyCount == known.plyCount + 1, last >= 0, known.isLegal(last), known.applying(last) == state {
      try client.send("play \(GTP.name(of: known.currentPlayer)) \(GTP.vertex(last, in: game))", timeout: timeout)
    } else {
      // Stones placed one by one never capture (each group placed so far has a liberty at a point of
      // its final group not yet placed, or its final liberties), so any position can be set up.
      try client.send("clear_board", timeout: timeout)
      for p in 0..<(game.size * game.size) {
        if let owner = state.owner(ofPoint: p) { try client.send("play \(GTP.name(of: owner)) \(GTP.vertex(p, in: game))", timeout: timeout) }
      }
    }
    known = state
  }
}

/// Any bot as the brain of `dojo gtp` (it does not search: no analysis, no time budget).
final class BotBrain: GTPBrain {
  var bot: any Bot<Go>
  init(_ bot: any Bot<Go>) { self.bot = bot }
  var simulations: Int { 0 }
  func move(_ state: GoState, simulations: Int) -> Action {
    let m = bot.choose(state)
    return m.action
  }
  func analyse(_ state: GoState, simulations: Int) -> [GTPMoveInfo]? { nil }
}

/// The brain `dojo gtp` plays with for `spec` on `game`: a search for mcts:N and checkpoints (a
/// checkpoint of another komi on the same board plays too: the network does not see komi).
public func makeGTPBrain(_ spec: PlayerSpec, game: Go, seed: UInt64, search: SearchConfig = SearchConfig()) throws -> any GTPBrain {
  switch spec {
  case .human:
    throw PlayerSpecError.malformed(spec.description, "a GTP engine needs a player that chooses its own moves")
  case let .mcts(n):
    var config = search
    config.rootPolicy = .puct
    config.fpuReduction = 0
    return SearchBrain(game: game, evaluator: RolloutEvaluator<GoState>(seed: seed), config: config, simulations: n, seed: seed)
  case let .checkpoint(path, n):
    let loaded = try Checkpoint.read(path)
    guard let trained = try? parseGoName(loaded.metadata.game), trained.size == game.size else {
      throw PlayerSpecError.malformed(spec.description, "the checkpoint plays \(loaded.metadata.game), not \(game.size)×\(game.size) Go")
    }
    let engine = InferenceEngine(network: loaded.network)
    if n == 0 { return BotBrain(PolicyBot(game: game, engine: engine)) }
    return SearchBrain(game: game, evaluator: NetworkEvaluator(game: game, engine: engine), config: search, simulations: n, seed: seed)
  case .random, .gtp:
    return BotBrain(try makeBot(spec, game: game, seed: seed, search: search))
  }
}

/// The Go a game name describes (`go(size=9,komi=7)`).
func parseGoName(_ name: String) throws -> Go {
  guard let go = try GameRegistry.make(name) as? Go else { throw PlayerSpecError.malformed(name, "not a Go game") }
  return go
}
