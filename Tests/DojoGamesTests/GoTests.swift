// Go's rules on constructed positions: captures, suicide, ko and superko, Tromp–Taylor scoring,
// the end after two passes, notation without `i`, and the registry's name with komi; and random games
// cross-checked move by move against an independent implementation (Python's sgfmill).

import DojoGames
import DojoTestSupport
import Foundation
import Testing

func go(_ rows: [String], toMove: Player = .first, size: Int? = nil, komi: Double = 7) -> (Go, GoState) {
  let game = Go(size: size ?? rows.count, komi: komi)
  return (game, GoState(game: game, rows: rows, toMove: toMove))
}

@Test func goCapturesAStoneWithoutLiberties() {
  let (game, state) = go([
    ".....",
    "..X..",
    ".XO..",
    "..X..",
    ".....",
  ])
  let capture = game.action(fromNotation: "d3")!  // right of the white stone at c3
  #expect(state.isLegal(capture))
  let after = state.applying(capture)
  #expect(after.owner(ofPoint: game.action(fromNotation: "c3")!) == nil, "the surrounded white stone is taken")
  #expect(after.areaScore.white == 0)
}

@Test func goRefusesSuicideButAllowsACapturingMoveIntoNoLiberties() {
  let (game, state) = go([
    ".X...",
    "X....",
    ".....",
    ".....",
    ".....",
  ], toMove: .second)
  // a5 has no liberties for White and captures nothing: suicide.
  #expect(!state.isLegal(game.action(fromNotation: "a5")!))
  #expect(!state.legalActions.contains(game.action(fromNotation: "a5")!))
  // Black may fill its own eye.
  #expect(state.applying(game.pass).isLegal(game.action(fromNotation: "a5")!))
}

@Test func goRefusesTheImmediateKoRecapture() {
  // White takes at c3 (capturing the black stone at b3); Black may not take back at b3 at once.
  let (game, state) = go([
    ".....",
    ".XO..",
    "X.XO.",
    ".XO..",
    ".....",
  ], toMove: .second)
  let take = game.action(fromNotation: "b3")!
  #expect(state.isLegal(take))
  let taken = state.applying(take)
  #expect(taken.owner(ofPoint: game.action(fromNotation: "c3")!) == nil)
  let retake = game.action(fromNotation: "c3")!
  #expect(!taken.isLegal(retake), "the ko recapture repeats the board")
  // The observation marks the forbidden point (plane 3).
  let obs = game.observation(of: taken)
  #expect(obs[3 * 25 + retake] == 1)
  // After a move elsewhere by each side, the recapture is legal again.
  let later = taken.applying(game.action(fromNotation: "e1")!).applying(game.action(fromNotation: "e5")!)
  #expect(later.isLegal(retake))
}

@Test func goScoresTrompTaylorAreaWithKomi() {
  let (game, state) = go([
    ".X.O.",
    ".X.O.",
    ".X.O.",
    ".X.O.",
    ".X.O.",
  ], komi: 0.5)
  // Black: 5 stones + column a (5); White: 5 stones + column e (5); column c touches both: nobody's.
  #expect(state.areaScore.black == 10 && state.areaScore.white == 10)
  let ended = state.applying(game.pass).applying(game.pass)
  #expect(ended.isTerminal && ended.outcome(for: .second) == 1 && ended.resultText == "W+0.5")
  let (_, even) = go(["..X..", ".....", ".....", ".....", "....."], komi: 0)
  let evenEnd = even.applying(Go(size: 5, komi: 0).pass).applying(Go(size: 5, komi: 0).pass)
  #expect(evenEnd.outcome(for: .first) == 1 && evenEnd.resultText == "B+25")
}

@Test func goEndsAfterTwoPassesInARowOnly() {
  let game = Go(size: 5)
  var state = game.initialState()
  state.apply(game.pass)
  #expect(!state.isTerminal)
  state.apply(game.action(fromNotation: "c3")!)
  state.apply(game.pass)
  #expect(!state.isTerminal)
  state.apply(game.pass)
  #expect(state.isTerminal && state.legalActions.isEmpty)
}

@Test func goKnowsTheMoversOwnEyes() {
  // Black's eyes: a5 and a1 (corners), b3 (centre, one white diagonal). Not eyes: c1 (edge, a white
  // diagonal), e1 (corner, a white diagonal), d5 and e4 (next to white stones).
  let (game, s) = go([
    ". X O . O",
    "X X O O .",
    "X . X X X",
    "X X X O X",
    ". X . X .",
  ])
  func at(_ m: String) -> Int { game.action(fromNotation: m)! }
  let eyes = (0..<25).filter { s.isOwnEye($0) }.map { game.notation(of: $0) }.sorted()
  #expect(eyes == ["a1", "a5", "b3"], "\(eyes)")
  #expect(game.fillsOwnEye(at("b3"), in: s) && !game.fillsOwnEye(at("c1"), in: s) && !game.fillsOwnEye(at("d5"), in: s))
  #expect(!game.fillsOwnEye(game.pass, in: s))
  // White to move: d5 (edge, its stones around, no black diagonal) is its eye; Black's are not.
  var white = s
  white.apply(game.pass)
  #expect((0..<25).filter { white.isOwnEye($0) }.map { game.notation(of: $0) } == ["d5"])
  #expect(!TicTacToe().fillsOwnEye(0, in: TicTacToe().initialState()))
}

@Test func goNotationSkipsIAndNamesRoundTrip() throws {
  let game = Go(size: 19)
  #expect(game.notation(of: 0) == "a19" && game.notation(of: 8) == "j19" && game.notation(of: 18 * 19 + 18) == "t1")
  #expect(game.action(fromNotation: "i5") == nil && game.action(fromNotation: "PASS") == game.pass)
  let named = try GameRegistry.make("go(size=13,komi=6.5)")
  #expect(named.name == "go(size=13,komi=6.5)")
  #expect(throws: GameSpecError.self) { try GameRegistry.make("go(komi=6.3)") }
  #expect(throws: GameSpecError.self) { try GameRegistry.make("go(size=21)") }
}

@Test(arguments: [5, 9, 19]) func goPassesTheConformanceCheck(size: Int) {
  let report = checkConformance(Go(size: size), options: ConformanceOptions(gameCount: size == 19 ? 3 : 20, seed: 11))
  #expect(report.passed, "\(report.violations)")
}

/// Python's sgfmill (tools/.venv) reads each SGF record, replays it on its own board (its captures;
/// suicide and positional superko checked here by trying every empty point on a copy) and compares the
/// number of legal moves before every ply and the final Tromp–Taylor area with Dojo's.
let sgfmillGoCheck = #"""
import json, sys
from sgfmill import sgf, boards

def key(b):
    return tuple(b.get(r, c) for r in range(b.side) for c in range(b.side))

long_cycles = 0  # moves refused for repeating a board older than the simple ko's

def legal_count(b, colour, seen, history):
    global long_cycles
    n = 1  # the pass is always legal
    for r in range(b.side):
        for c in range(b.side):
            if b.get(r, c) is not None:
                continue
            t = b.copy()
            t.play(r, c, colour)
            if t.get(r, c) is None:
                continue  # suicide (sgfmill allows it)
            k = key(t)
            if k in seen:
                if len(history) < 2 or k != history[-2]:
                    long_cycles += 1
                continue  # a repeated position
            n += 1
    return n

games = json.load(open(sys.argv[1]))
plies = 0
for number, g in enumerate(games):
    game = sgf.Sgf_game.from_string(g["sgf"])
    b = boards.Board(game.get_size())
    seen = {key(b)}
    history = [key(b)]
    counts = []
    colour = "b"
    for node in game.get_main_sequence()[1:]:
        colour, move = node.get_move()
        counts.append(legal_count(b, colour, seen, history))
        if move is not None:
            b.play(move[0], move[1], colour)
        seen.add(key(b))
        history.append(key(b))
    if counts != g["legal"]:
        ply = next(i for i, (a, e) in enumerate(zip(counts, g["legal"])) if a != e)
        sys.exit(f"game {number} (seed {g['seed']}): before ply {ply + 1} sgfmill counts {counts[ply]} legal moves, Dojo {g['legal'][ply]}\n{g['sgf']}")
    score = b.area_score()  # black minus white, no komi
    if score != g["area"]:
        sys.exit(f"game {number} (seed {g['seed']}): sgfmill's area margin {score}, Dojo's {g['area']}")
    plies += len(counts)
print(plies, long_cycles)
"""#

@Test func goAgreesWithSgfmillOnLegalMovesAndScoresOfRandomGames() throws {
  var games: [[String: Any]] = []
  var expectedPlies = 0
  for (size, count) in [(5, 300), (9, 6)] {
    let game = Go(size: size, komi: 6.5)
    for n in 0..<count {
      let seed = UInt64(size * 1000 + n)
      var rng = SplitMix64(seed: seed)
      var state = game.initialState()
      var moves: [SGF.Move] = [], legal: [Int] = []
      while !state.isTerminal {
        let actions = state.legalActions
        legal.append(actions.count)
        let a = actions[rng.next(below: actions.count)]
        moves.append(SGF.Move(action: a))
        state.apply(a)
      }
      let score = state.areaScore
      let sgf = try #require(SGF.record(game: game, moves: moves, black: "random", white: "random",
                                        result: SGF.Result(outcomeForFirst: state.outcome(for: .first) ?? 0)))
      games.append(["sgf": sgf, "legal": legal, "area": score.black - score.white, "seed": seed])
      expectedPlies += legal.count
    }
  }
  let file = temporaryDirectory("go-sgfmill") + "/games.json"
  try JSONSerialization.data(withJSONObject: games).write(to: URL(fileURLWithPath: file))
  let out = String(decoding: try runPython(sgfmillGoCheck, [file]), as: UTF8.self).split(separator: " ")
  #expect(out.count == 2 && Int(out[0]) == expectedPlies, "sgfmill checked \(out) plies")
  // Positional superko beyond the simple ko was exercised: moves refused for recreating a board
  // older than the one two plies back, and both sides agreed on them.
  #expect(out.count == 2 && (Int(out[1].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "no long cycle refused: \(out)")
}
