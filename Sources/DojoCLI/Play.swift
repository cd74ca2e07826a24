import ArgumentParser
import DojoGames
import DojoPlayers
import DojoTraining
import DojoLeague
import Foundation
import Rainbow

struct Play: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Play a game in the terminal: against another person or against a bot.",
    discussion: """
      Type moves in the game's notation (d3 for Othello, 4 for Connect Four's fourth column).
      Commands: undo (take back your last move), hint (the engine's move for you, its value and top
      moves), moves (list the legal moves), help, quit. After each of its moves the engine shows its
      value (from its side: +1 a sure win) and its top moves with their share of the search.
      Against a trained model: dojo play connect_four --checkpoint runs/<run> [--sims 200] [--second].
      """
  )

  @Argument(help: "The game, e.g. connect_four or hex(size=9).", completion: .games)
  var game: String

  @Option(help: "Who you play against: human (two people at one keyboard), random, mcts:N (pure MCTS, N simulations), ckpt:PATH[:sims=N], gtp:COMMAND (an outside Go engine, e.g. gtp:/usr/games/gnugo --mode gtp).")
  var opponent = "human"

  @OptionGroup var engine: CheckpointOptions

  @Flag(help: "Against a bot: move first (default) or second.")
  var side: Side = .first

  @Option(help: "Seed of the random bot's choices.")
  var seed: UInt64 = 1

  @Flag(help: "Draw the board without colour (also when NO_COLOR is set or the output is not a terminal).")
  var noColor = false

  enum Side: String, EnumerableFlag {
    case first, second
  }

  func validate() throws {
    _ = try parseGame(game)
    do { _ = try PlayerSpec(parsing: opponent) } catch { throw ValidationError(error.description) }
  }

  func run() throws {
    var spec = try PlayerSpec(parsing: opponent)
    if let checkpoint = try engine.spec() {
      spec = checkpoint
      print("playing against \(spec)")
    }
    let botSide: Player? = spec == .human ? nil : (side == .first ? .second : .first)
    try PlayInTerminal(spec: spec, botSide: botSide, seed: seed, colour: !noColor)(parseGame(game)).get()
  }
}

/// --checkpoint and --sims, as `dojo play` and `dojo gtp` take them.
struct CheckpointOptions: ParsableArguments {
  @Option(help: "A checkpoint, a run directory's best model, or a league member (LEAGUE_DIR:MEMBER); it replaces the other player option.")
  var checkpoint: String?

  @Option(help: "Simulations per move for --checkpoint (0: the network's policy alone).")
  var sims = 200

  func validate() throws {
    if sims < 0 { throw ValidationError("--sims must be 0 or more") }
  }

  /// The checkpoint as a player, or nil without --checkpoint. A reference that names nothing is an error.
  func spec() throws -> PlayerSpec? {
    guard let checkpoint else { return nil }
    do {
      let path = try LeagueDirectory.checkpoint(fromReference: checkpoint) ?? RunDirectory.checkpoint(checkpoint)
      return .checkpoint(path: path, simulations: sims)
    } catch {
      throw CommandError("\(error)")
    }
  }
}

struct PlayInTerminal: GameTask {
  let spec: PlayerSpec
  let botSide: Player?
  let seed: UInt64
  let colour: Bool

  func run<G: Game>(_ game: G) -> Result<Void, Error> {
    do {
      let bot = botSide == nil ? nil : try makeBot(spec, game: game, seed: seed)
      var session = TerminalSession(game: game, bot: bot, botSide: botSide, botName: spec.description, colour: colour)
      session.run()
      return .success(())
    } catch {
      return .failure(CommandError(String(describing: error)))
    }
  }
}

/// A game at the terminal: draws the board, reads moves, answers bad input with a message.
struct TerminalSession<G: Game> {
  let game: G
  /// The bot and the side it plays, or nil for two humans.
  var bot: (any Bot<G>)?
  let botSide: Player?
  let botName: String
  let colour: Bool
  var history: [G.State]

  init(game: G, bot: (any Bot<G>)?, botSide: Player?, botName: String, colour: Bool) {
    self.game = game
    self.bot = bot
    self.botSide = botSide
    self.botName = botName
    self.colour = colour
    history = [game.initialState()]
  }

  mutating func run() {
    print("\(game.name): type a move, or undo, moves, help, quit.\n")
    var actions: [Action] = []
    var shown = -1  // the history length whose board is on screen
    while true {
      let state = history.last!
      if shown != history.count {
        print(draw(game.drawing(of: state), colour: colour) + "\n")
        shown = history.count
      }
      if state.isTerminal { return }
      state.legalActions(into: &actions)
      if state.currentPlayer == botSide, var b = bot {
        let move = b.choose(state)
        bot = b
        if let reason = move.forfeit {
          print("\(botName) forfeits the game: \(reason)")
          return
        }
        print("\(botName) plays " + describe(move, for: "it"))
        history.append(state.applying(move.action))
        continue
      }
      print("move> ", terminator: "")
      fflush(nil)
      guard let line = readLine() else { print(""); return }
      switch line.trimmingCharacters(in: .whitespaces).lowercased() {
      case "quit", "exit", "q":
        return
      case "":
        continue
      case "help", "?":
        print("Moves are written like \(game.notation(of: actions[0])). Commands: undo, hint, moves, help, quit.")
      case "hint":
        guard var b = bot else { print("hint needs an engine to ask: play against --checkpoint or --opponent"); continue }
        let move = b.choose(state)
        bot = b
        guard move.forfeit == nil else { print("no hint: \(move.forfeit!)"); continue }
        print("hint: " + describe(move, for: "you"))
      case "moves":
        print("legal: " + actions.map(game.notation(of:)).joined(separator: " "))
      case "undo":
        undo()
      default:
        guard let a = game.action(fromNotation: line) else {
          print("'\(line)' is not a move in \(game.name); moves look like \(game.notation(of: actions[0])) (type moves to list them)")
          continue
        }
        guard state.isLegal(a) else {
          print("\(game.notation(of: a)) is not legal here; legal: " + actions.map(game.notation(of:)).joined(separator: " "))
          continue
        }
        history.append(state.applying(a))
      }
    }
  }

  /// "4   value +0.31 (for it)   top: 4 62%, 3 20%, 5 9%".
  func describe(_ move: BotMove, for whom: String) -> String {
    var line = game.notation(of: move.action)
    if let v = move.value { line += String(format: "   value %+.2f (for %@)", v, whom) }
    if !move.top.isEmpty {
      line += "   top: " + move.top.map { "\(game.notation(of: $0.action)) \(Int(($0.share * 100).rounded()))%" }.joined(separator: ", ")
    }
    return line
  }

  /// Takes back the last human move (and the bot's reply to it).
  mutating func undo() {
    let humanTurns = history.indices.filter { history[$0].currentPlayer != botSide && !history[$0].isTerminal }
    guard let target = humanTurns.last(where: { $0 < history.count - 1 }) else { print("nothing to undo"); return }
    history.removeSubrange((target + 1)...)
  }
}

/// The board with colour where the terminal has it (Rainbow leaves text plain when stdout is not a
/// terminal or NO_COLOR is set): red and yellow stones, the last move bold and underlined.
func draw(_ board: DrawnBoard, colour: Bool) -> String {
  guard colour else { return board.plainText }
  return board.render { glyph, mark, last in
    switch mark {
    case .empty: return glyph.dim
    case .stone(let p):
      let s = p == .first ? glyph.red.bold : glyph.yellow.bold
      return last ? s.underline : s
    }
  }
}
