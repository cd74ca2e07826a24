import Testing
@testable import DojoGames

func play<G: Game>(_ game: G, _ moves: String) throws -> G.State {
  try game.state(afterMoves: moves.split(separator: " ").map(String.init))
}

@Test func ticTacToeWinsAndDraws() throws {
  let g = TicTacToe()
  let win = try play(g, "a1 a2 b1 b2 c1")
  #expect(win.isTerminal && win.winner == .first && win.outcome(for: .second) == -1)
  let draw = try play(g, "a1 b1 c1 b2 a2 a3 c2 c3 b3")
  #expect(draw.isTerminal && draw.winner == nil && draw.outcome(for: .first) == 0)
  #expect(g.action(fromNotation: "b3") == 7)
}

@Test func connectFourLinesInEveryDirection() throws {
  let g = ConnectFour<UInt64>()
  #expect(try play(g, "1 2 1 2 1 2 1").winner == .first)  // vertical
  #expect(try play(g, "1 1 2 2 3 3 4").winner == .first)  // horizontal
  #expect(try play(g, "1 2 2 3 3 4 3 4 4 7 4").winner == .first)  // diagonal up-right
  #expect(try play(g, "7 6 6 5 5 4 5 4 4 1 4").winner == .first)  // diagonal up-left
  #expect(try play(g, "1 1 2 2 3 3 7 4 7 4").winner == .second)  // O along the second row
  let notYet = try play(g, "1 2 1 2 1 2")
  #expect(!notYet.isTerminal && notYet.legalActions == Array(0..<7))
  // A full column is not playable.
  let full = try play(g, "1 1 1 1 1 1")
  #expect(!full.isLegal(0) && full.legalActions == Array(1..<7))
  #expect(throws: MoveError.illegal(move: "1", ply: 6, game: g.name)) { try play(g, "1 1 1 1 1 1 1") }
  #expect(throws: MoveError.unreadable(move: "8", ply: 0, game: g.name)) { try play(g, "8") }
}

@Test func othelloOpeningsAndNotation() throws {
  let g = Othello()
  let start = g.initialState()
  #expect(start.legalActions.map(g.notation(of:)) == ["d3", "c4", "f5", "e6"])
  let s = try play(g, "d3")
  #expect(s.discCount(.first) == 4 && s.discCount(.second) == 1 && s.currentPlayer == .second)
}

@Test func othelloPassesWhenStuckAndEndsWhenBothAre() {
  // Black on b1, white on c1...h1, black to move: black cannot move, white can (a1).
  var s = OthelloState(first: 1 << 1, second: 0b1111_1100, toMove: .first)
  #expect(s.legalActions == [Othello.pass])
  #expect(!s.isLegal(0))
  s.apply(Othello.pass)
  #expect(s.legalActions == [0])
  s.apply(0)
  #expect(s.isTerminal && s.outcome(for: .second) == 1 && s.discCount(.second) == 8)
}

@Test func hexConnectsAlongNeighboursOnly() throws {
  let g = Hex(size: 5)
  // X down the anti-diagonal (adjacent cells) wins; O plays far away.
  let win = try play(g, "e1 a1 d2 a2 c3 a3 b4 a4 a5")
  #expect(win.winner == .first)
  // X down the main diagonal (cells not adjacent in Hex) has not joined the edges.
  let gaps = try play(g, "a1 e1 b2 e2 c3 e3 d4 e4 e5")
  #expect(!gaps.isTerminal)
  // O joins left to right along a row.
  let o = try play(g, "a1 a3 b1 b3 c1 c3 d1 d3 a5 e3")
  #expect(o.winner == .second)
}

@Test func hexSwapRule() throws {
  let g = Hex(size: 5, swapRule: true)
  let one = try play(g, "b1")
  #expect(one.isLegal(g.swapAction) && g.notation(of: g.swapAction) == "swap")
  let swapped = try play(g, "b1 swap")
  #expect(swapped.currentPlayer == .first && swapped.plyCount == 2 && !swapped.isLegal(g.swapAction))
  // b1 is row 1, column b; mirrored it is row 2, column a.
  #expect(swapped.owner(ofCell: g.action(fromNotation: "a2")!) == .second)
  #expect(swapped.owner(ofCell: g.action(fromNotation: "b1")!) == nil)
  #expect(Hex(size: 5).action(fromNotation: "swap") == nil)
}

@Test func gomokuExactFiveAndOverlines() throws {
  let standard = Gomoku(size: 9, rule: .standard), free = Gomoku(size: 9, rule: .freestyle)
  let five = "a1 a9 b1 b9 c1 c9 d1 d9 e1"
  #expect(try play(standard, five).winner == .first)
  // X makes six in a row by filling the gap: a win only in freestyle.
  let six = "a1 a9 b1 c9 c1 e9 d1 g9 f1 i9 e1"
  #expect(!(try play(standard, six)).isTerminal)
  #expect(try play(free, six).winner == .first)
  #expect(Gomoku(size: 15).action(fromNotation: "h8") == 7 * 15 + 7)  // renju centre
  #expect(Gomoku(size: 15).notation(of: 0) == "a15")
}

@Test func symmetryMapsObservationAndPolicyTogether() throws {
  let g = TicTacToe()
  let s = try play(g, "a1")
  let rot = g.symmetries[1]  // rotate90: (r, c) -> (c, 2 - r)
  let obs = rot.transform(observation: g.observation(of: s))
  // a1 = (0,0) goes to (0,2) = c1 in the "opponent" plane (X moved, O to move).
  #expect(obs[9 + 2] == 1 && obs[9 + 0] == 0)
  var policy = [Float](repeating: 0, count: 9)
  policy[0] = 1
  #expect(rot.transform(policy: policy)[2] == 1)
}

@Test func drawnBoardShowsCoordinatesAndCaption() throws {
  let g = ConnectFour<UInt64>(rows: 4, columns: 4)
  let text = g.drawing(of: try play(g, "1 2 2")).plainText
  #expect(text == """
      1 2 3 4
      . . . .
      . . . .
      . X . .
      X O . .
      1 2 3 4
    O to move
    """)
}
