// Outside engines through GTP: `dojo gtp` as a process against GNU Go (installed by tools/setup) in
// the arena, the result checked against GNU Go's own count; a hung engine forfeits its game and is
// restarted for the next.

import DojoArena
import DojoGTP
import DojoGames
import DojoPlayers
import DojoTestSupport
import Foundation
import Testing

let gnugo = "/usr/games/gnugo"
let gnugoInstalled = FileManager.default.isExecutableFile(atPath: gnugo)

@Test(.enabled(if: gnugoInstalled, "GNU Go is not installed (tools/setup installs it with DOJO_SETUP_TESTS=1)"))
func dojoGTPPlaysGNUGoToTheEndAndTheyAgreeOnTheScore() throws {
  let dojo = repositoryRoot + "/.build/debug/dojo"
  let game = Go(size: 9, komi: 7)
  // Dojo's engine as a process, spoken to over GTP, against GNU Go under area scoring that captures
  // every dead stone before it passes, so that games are played out.
  let players = [try PlayerSpec(parsing: "gtp:\(dojo) gtp 'go(size=9,komi=7)' --player mcts:24"),
                 try PlayerSpec(parsing: "gtp:\(gnugo) --mode gtp --level 1 --chinese-rules --capture-all-dead")]
  let runner = try MatchRunner(game: game, players: players, seed: 11, openings: .random(plies: 0))
  var playedOut = 0
  for (index, (first, second)) in [(0, 1), (1, 0)].enumerated() {
    let played = try runner.play(ScheduledGame(index: index, round: 0, first: first, second: second, opening: 0))
    #expect(!played.reason.contains("forfeit"), "game \(index): \(played.reason)")
    let moves = played.moves.map { game.action(fromNotation: $0)! }
    let final = moves.reduce(into: game.initialState()) { $0.apply($1) }
    #expect(final.isTerminal, "game \(index) stopped before its end: \(played.moves.count) moves")
    #expect(played.scoreForFirst == Double((final.outcome(for: .first) ?? 0) + 1) / 2)

    // GNU Go's count of the same moves.
    let judge = try GTPClient(command: "\(gnugo) --mode gtp --chinese-rules")
    try judge.send("boardsize 9")
    try judge.send("clear_board")
    try judge.send("komi 7")
    var s = game.initialState()
    for a in moves {
      try judge.send("play \(GTP.name(of: s.currentPlayer)) \(GTP.vertex(a, in: game))")
      s.apply(a)
    }
    let dead = try judge.send("final_status_list dead")
    let score = try judge.send("final_score")
    judge.stop()
    if dead.isEmpty {
      playedOut += 1
      #expect(margin(score) == margin(final.resultText), "game \(index): GNU Go counts \(score), Dojo \(final.resultText); moves \(played.moves.joined(separator: " "))")
    }
  }
  #expect(playedOut >= 1, "no game was played out (GNU Go saw dead stones in every final position)")
}

/// Black's margin in a result (`B+3.5`, `W+88.0`, `0`).
func margin(_ result: String) -> Double? {
  if result == "0" { return 0 }
  guard result.count > 2, let points = Double(result.dropFirst(2)) else { return nil }
  return result.hasPrefix("B+") ? points : result.hasPrefix("W+") ? -points : nil
}

@Test func aHungGTPEngineForfeitsItsGameAndIsRestartedForTheNext() throws {
  // An engine that sets up the board, then never answers genmove.
  let dir = temporaryDirectory("gtp-hung")
  let script = dir + "/hung.sh"
  try """
    while read -r id cmd rest; do
      case "$cmd" in
        genmove) sleep 600 ;;
        *) printf '=%s\\n\\n' "$id" ;;
      esac
    done
    """.write(toFile: script, atomically: true, encoding: .utf8)
  let game = Go(size: 5, komi: 0.5)
  let runner = try MatchRunner(game: game, players: [.mcts(simulations: 4), try PlayerSpec(parsing: "gtp:timeout=1:sh \(script)")], seed: 3,
                               openings: .random(plies: 0))
  for index in 0..<2 {
    let start = Date()
    let played = try runner.play(ScheduledGame(index: index, round: 0, first: 0, second: 1, opening: 0))
    #expect(played.scoreForFirst == 1, "the hung engine lost game \(index)")
    #expect(played.reason.contains("first wins (second forfeits: white: the engine gave no reply to 'genmove white' within 1 s)"), "\(played.reason)")
    #expect(played.moves.count == 1)
    #expect(Date().timeIntervalSince(start) < 30)
  }
  // An engine that cannot start is an error naming it.
  #expect(throws: (any Error).self) { _ = try GTPBot(game: game, command: dir + "/missing-engine", timeout: 2) }
  do { _ = try GTPBot(game: game, command: dir + "/missing-engine", timeout: 2) } catch {
    #expect("\(error)".contains("boardsize"), "\(error)")
  }
}

@Test func gtpPlayerSpecsReadTimeoutAndCommand() throws {
  #expect(try PlayerSpec(parsing: "gtp:gnugo --mode gtp --level 10") == .gtp(command: "gnugo --mode gtp --level 10", timeout: 60))
  #expect(try PlayerSpec(parsing: "gtp:timeout=2.5:gnugo --mode gtp") == .gtp(command: "gnugo --mode gtp", timeout: 2.5))
  #expect(PlayerSpec.gtp(command: "gnugo", timeout: 5).description == "gtp:timeout=5:gnugo")
  #expect(throws: PlayerSpecError.self) { try PlayerSpec(parsing: "gtp:") }
  #expect(throws: PlayerSpecError.self) { try PlayerSpec(parsing: "gtp:timeout=0:gnugo") }
  #expect(throws: PlayerSpecError.self) { _ = try makeBot(.gtp(command: "gnugo", timeout: 1), game: TicTacToe(), seed: 1) }
}
