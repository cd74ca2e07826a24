import Testing
@testable import DojoGames

@Test func ticTacToeHas5478ReachablePositions() {
  var seen: Set<TicTacToeState> = [TicTacToe().initialState()]
  var frontier = Array(seen)
  var actions: [Action] = []
  while let s = frontier.popLast() {
    s.legalActions(into: &actions)
    for a in actions {
      let next = s.applying(a)
      if seen.insert(next).inserted { frontier.append(next) }
    }
  }
  #expect(seen.count == 5478)
}

func perft<S: GameState>(_ s: S, _ depth: Int) -> Int {
  if depth == 0 { return 1 }
  var total = 0
  for a in s.legalActions { total += perft(s.applying(a), depth - 1) }
  return total
}

@Test func othelloPerftFromTheStart() {
  let expected = [4, 12, 56, 244, 1_396, 8_200, 55_092, 390_216]
  let start = Othello().initialState()
  for (i, n) in expected.enumerated() {
    #expect(perft(start, i + 1) == n, "depth \(i + 1)")
  }
}

/// OEIS A212693: distinct legal 7×6 positions after n plies (games already won are not extended).
@Test func connectFourPositionsPerPlyMatchOEIS() {
  let expected = [1, 7, 49, 238, 1_120, 4_263, 16_422, 54_859, 184_275]
  var layer: Set<ConnectFourState<UInt64>> = [ConnectFour<UInt64>().initialState()]
  var actions: [Action] = []
  for ply in 0..<expected.count {
    #expect(layer.count == expected[ply], "ply \(ply)")
    var next: Set<ConnectFourState<UInt64>> = []
    for s in layer {
      s.legalActions(into: &actions)
      for a in actions { next.insert(s.applying(a)) }
    }
    layer = next
  }
}

/// The 7×6 board on a UInt128 bitboard must agree with the UInt64 one on every random game.
@Test func connectFourWideBoardAgreesWithNarrow() {
  let seed: UInt64 = 99
  var rng = SplitMix64(seed: seed)
  for _ in 0..<300 {
    var a = ConnectFour<UInt64>().initialState()
    var b = ConnectFour<UInt128>().initialState()
    while !a.isTerminal {
      #expect(a.legalActions == b.legalActions, "seed \(seed)")
      let move = a.legalActions[rng.next(below: a.legalActions.count)]
      a.apply(move)
      b.apply(move)
      #expect(a.positionHash == b.positionHash)
    }
    #expect(b.isTerminal && a.outcome(for: .first) == b.outcome(for: .first), "seed \(seed)")
  }
}
