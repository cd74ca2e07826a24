import ArgumentParser
import DojoGames
import Foundation
import Rainbow

struct Play: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Play a game in the terminal: against another person or against a bot.",
    discussion: """
      Type moves in the game's notation (d3 for Othello, 4 for Connect Four's fourth column).
      Commands: undo (take back your last move), moves (list the legal moves), help, quit.
      """
  )

  @Argument(help: "The game, e.g. connect_four or hex(size=9).")
  var game: String

  @Option(help: "Who you play against: human (two people at one keyboard) or random.")
  var opponent = "human"

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
    guard ["human", "random"].contains(opponent) else {
      throw ValidationError("unknown opponent '\(opponent)'; use human or random")
    }
  }

  func run() throws {
    let bot: Player? = opponent == "random" ? (side == .first ? .second : .first) : nil
    try playInTerminal(parseGame(game), botSide: bot, seed: seed, colour: !noColor)
  }
}

func playInTerminal<G: Game>(_ game: G, botSide: Player?, seed: UInt64, colour: Bool) {
  var session = TerminalSession(game: game, botSide: botSide, seed: seed, colour: colour)
  session.run()
}

/// A game at the terminal: draws the board, reads moves, answers bad input with a message.
struct TerminalSession<G: Game> {
  let game: G
  /// The side the random bot plays, or nil for two humans.
  let botSide: Player?
  let colour: Bool
  var rng: SplitMix64
  var history: [G.State]

  init(game: G, botSide: Player?, seed: UInt64, colour: Bool) {
    self.game = game
    self.colour = colour
    self.botSide = botSide
    rng = SplitMix64(seed: seed)
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
      if state.currentPlayer == botSide {
        let a = actions[rng.next(below: actions.count)]
        print("random plays \(game.notation(of: a))")
        history.append(state.applying(a))
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
        print("Moves are written like \(game.notation(of: actions[0])). Commands: undo, moves, help, quit.")
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
