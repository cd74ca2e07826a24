// The dashboard in a real browser: headless Chromium (Debian's `chromium`, installed by tools/setup)
// loads each page from `dojo dashboard` over a run and a league made by dojo itself, runs its
// script, and the test reads the DOM it built and keeps a screenshot of each page.

import DojoArena
import DojoConcurrency
import DojoGames
import DojoLeague
import DojoTestSupport
import DojoTraining
import DojoWire
import Foundation
import Testing

let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// Chromium's DOM of `url` after its scripts ran for `virtualSeconds` of virtual time, its stderr
/// (console messages), and a screenshot at `screenshot`. The DOM is returned without the page's script.
func browse(_ url: String, virtualSeconds: Int = 4, screenshot: String? = nil, height: Int = 1100) throws -> (dom: String, console: String) {
  func run(_ extra: [String]) throws -> (String, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: chromium!)
    p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0",
                   "--window-size=1280,\(height)", "--virtual-time-budget=\(virtualSeconds * 1000)"] + extra + [url]
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
  }
  if let screenshot { _ = try run(["--screenshot=\(screenshot)"]) }
  var (dom, console) = try run(["--dump-dom"])
  // What the script drew, without the script's own text (which spells every element it can draw).
  if let start = dom.range(of: "<script>"), let end = dom.range(of: "</script>", range: start.upperBound..<dom.endIndex) {
    dom.removeSubrange(start.lowerBound..<end.upperBound)
  }
  return (dom, console)
}

/// The text of the element with `id`'s bold value (a card), e.g. "1639".
func card(_ dom: String, _ id: String) -> String? {
  guard let start = dom.range(of: "id=\"\(id)\"") else { return nil }
  let rest = dom[start.upperBound...]
  guard let b = rest.range(of: "<b>"), let e = rest.range(of: "</b>") else { return nil }
  return String(rest[b.upperBound..<e.lowerBound])
}

func attribute(_ dom: String, _ name: String) -> String? {
  guard let r = dom.range(of: "\(name)=\"") else { return nil }
  return String(dom[r.upperBound...].prefix { $0 != "\"" })
}

@Test(.tags(.slow), .enabled(if: chromium != nil, "needs Debian's chromium (tools/setup installs it)"))
func theDashboardShowsRunsAndLeaguesInARealBrowserAndFollowsTraining() throws {
  let dir = temporaryDirectory("dashboard")
  try tinyRunConfig.write(toFile: dir + "/tiny.toml", atomically: true, encoding: .utf8)
  try tinyLeague.write(toFile: dir + "/league.toml", atomically: true, encoding: .utf8)
  let train = try dojo(["train", "tic_tac_toe", "--config", dir + "/tiny.toml", "--run", dir + "/run", "--steps", "200"], output: dir + "/train.log")
  let league = try dojo(["league", "run", dir + "/league.toml", "--run", dir + "/league", "--minutes", "0.3"], output: dir + "/league.log")
  let tournament = try dojo(["tournament", "--game", "tic_tac_toe", "--players", "random,mcts:8,mcts:32", "--games", "4", "--dir", dir + "/tournament"],
                           output: dir + "/tournament.log")
  // A game with an SGF number (Gomoku, GM[4]) for the viewer's SGF link.
  let gomoku = try dojo(["tournament", "--game", "gomoku(size=9,rule=freestyle)", "--players", "random,mcts:4", "--games", "2", "--dir", dir + "/gomoku"],
                        output: dir + "/gomoku.log")
  train.waitUntilExit()
  league.waitUntilExit()
  tournament.waitUntilExit()
  gomoku.waitUntilExit()
  try #require(train.terminationStatus == 0 && league.terminationStatus == 0 && tournament.terminationStatus == 0 && gomoku.terminationStatus == 0,
               "fixtures failed; see \(dir)")

  let port = freePorts(1)
  let server = try dojo(["dashboard", dir + "/run", dir + "/league", dir + "/tournament", dir + "/gomoku", "--port", "\(port)"],
                        output: dir + "/dashboard.log")
  defer { kill(server.processIdentifier, SIGINT); server.waitUntilExit() }
  for _ in 0..<100 where !((try? String(contentsOfFile: dir + "/dashboard.log", encoding: .utf8)) ?? "").contains("dashboard: http") {
    usleep(100_000)
  }
  let shots = dir + "/screenshots"
  try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
  print("dashboard screenshots: \(shots)")
  let base = "http://127.0.0.1:\(port)"

  // The index lists both.
  let index = try browse(base + "/", screenshot: shots + "/index.png")
  #expect(index.dom.contains("href=\"/run/0\"") && index.dom.contains("href=\"/league/1\""))

  // The run page: its cards hold the database's numbers, its charts one point per record.
  let store = try RunStore(path: dir + "/run/run.sqlite")
  let counts = try store.gameCounts(), curve = try store.trainingCurve(), gates = try store.gates()
  let run = try browse(base + "/run/0", screenshot: shots + "/run.png")
  #expect(card(run.dom, "games") == "\(counts.games)", "games card: \(card(run.dom, "games") ?? "missing")")
  #expect(card(run.dom, "steps") == "\(curve.last?.step ?? -1)")
  #expect(card(run.dom, "gated") == "\(gates.count)")
  #expect(run.dom.contains("data-name=\"policy\" data-points=\"\(curve.count)\""), "the loss chart lacks the \(curve.count) records")
  let table = run.dom.range(of: "id=\"gates\"").map { String(run.dom[$0.upperBound...]) } ?? ""
  let rows = table.components(separatedBy: "</table>")[0].components(separatedBy: "<tr>").count - 2  // less the header row
  #expect(rows == gates.count, "the gating table has \(rows) rows, the database \(gates.count) gates")
  #expect(!run.console.contains("Uncaught") && !run.console.contains("cannot reach"), "\(run.console.suffix(2000))")

  // The league page: payoff heat map over its players, ratings, decisions.
  let leagueStore = try LeagueStore(path: dir + "/league/league.sqlite")
  let page = try browse(base + "/league/1", screenshot: shots + "/league.png", height: 3400)
  #expect(card(page.dom, "results") == "\(try leagueStore.resultCount())")
  for agent in try leagueStore.agents().map(\.name) {
    #expect(page.dom.contains("<th>\(agent)</th>"), "\(agent) missing from the payoff table")
  }
  #expect(page.dom.contains("id=\"payoff\"") && page.dom.contains("id=\"ratings\""))
  #expect(!page.console.contains("Uncaught"), "\(page.console.suffix(2000))")
  // Each learner's PFSP distribution, the lineage with every exploit, the hyperparameters' trajectories.
  let agents = try leagueStore.agents().map(\.name)
  for agent in agents { #expect(page.dom.contains("class=\"pfsp\" data-agent=\"\(agent)\""), "no PFSP chart for \(agent)") }
  #expect(!page.dom.contains("cannot be read"), "the manager's state: \(page.dom.components(separatedBy: "cannot be read").last?.prefix(300) ?? "")")
  let exploits = try leagueStore.events().filter { $0.kind == .exploit }.count
  #expect(page.dom.contains("id=\"lineage\" data-exploits=\"\(exploits)\""), "the lineage lacks the \(exploits) exploits")
  let history = try leagueStore.hyperparameterHistory()
  #expect(Set(history.map(\.agent)) == Set(agents), "hyperparameter history of \(Set(history.map(\.agent)))")
  for key in history.first?.values.keys.sorted() ?? [] { #expect(page.dom.contains("id=\"hp-\(key)\""), "no chart of \(key)") }
  #expect(page.dom.contains("id=\"learners\""))
  // The tournament page: the table (a row per player, the anchor at 0) and the crosstable.
  let t = try browse(base + "/tournament/2", screenshot: shots + "/tournament.png")
  #expect(card(t.dom, "played") == "12 of 12" && card(t.dom, "players") == "3", "\(card(t.dom, "played") ?? "missing")")
  for player in ["random", "mcts:8", "mcts:32"] { #expect(t.dom.contains("<td class=\"text\">\(player)</td>"), "\(player) missing from the table") }
  #expect(t.dom.contains("0 (anchor)") && t.dom.contains("id=\"crosstable\"") && !t.dom.contains("NaN"))

  // The games page lists the run's games, newest first; the viewer steps through one.
  let gamesPage = try browse(base + "/games/0", screenshot: shots + "/games.png")
  #expect(card(gamesPage.dom, "total") == "\(counts.games)")
  #expect(gamesPage.dom.components(separatedBy: "class=\"game\" href=").count - 1 == min(50, counts.games))
  var newest: (id: Int64, record: Dojo_GameRecord)?
  try store.forEachGame { id, _, bytes in newest = (id, try Dojo_GameRecord.decode(bytes)) }
  let (id, record) = try #require(newest)
  #expect(gamesPage.dom.contains("href=\"/game/0/\(id)\""), "game \(id) is not listed first")
  let plies = record.moves.count
  let played = try browse(base + "/game/0/\(id)?play=1", virtualSeconds: 6)
  #expect(attribute(played.dom, "data-ply") == "\(plies)" && attribute(played.dom, "data-stones") == "\(plies)",
          "played through: ply \(attribute(played.dom, "data-ply") ?? "-") of \(plies), \(attribute(played.dom, "data-stones") ?? "-") stones")
  let viewer = try browse(base + "/game/0/\(id)?ply=2")
  #expect(attribute(viewer.dom, "data-ply") == "2" && attribute(viewer.dom, "data-stones") == "2")
  #expect(viewer.dom.contains("id=\"next-move\">\(TicTacToe().notation(of: Int(record.moves[2].action)))<"), "the move from ply 2 is not shown")
  #expect(viewer.dom.contains("id=\"top\"") == record.moves[2].fullSearch, "the search's top moves at ply 2")
  #expect(!viewer.dom.contains("id=\"sgf\"") && !viewer.console.contains("Uncaught"), "tic-tac-toe has no SGF: \(viewer.console.suffix(1000))")
  // The screenshot: the first position of the run's newest game whose move was searched in full.
  let searched = record.moves.firstIndex(where: \.fullSearch) ?? 0
  _ = try browse(base + "/game/0/\(id)?ply=\(searched)", screenshot: shots + "/game.png")
  // A league's games: a replay table per learner, filtered by agent.
  let leagueGames = try RunStore(path: dir + "/league/games.sqlite")
  let firstAgent = agents[0]
  let filtered = try browse(base + "/games/1?agent=\(firstAgent)")
  #expect(card(filtered.dom, "total") == "\(try leagueGames.gameCounts(table: firstAgent).games)")

  // A Gomoku game has an SGF link; Python's sgfmill reads the file and replays the tournament's moves.
  let gomokuGames = try ResultStore(path: dir + "/gomoku/tournament.sqlite").load()
  let gomokuViewer = try browse(base + "/game/3/0?ply=\(min(20, gomokuGames[0].moves.count))", screenshot: shots + "/gomoku.png")
  #expect(gomokuViewer.dom.contains("id=\"sgf\" href=\"/sgf/3/0\""), "no SGF link on a Gomoku game")
  let read = try runPython("""
    import json, sys, urllib.request
    from sgfmill import sgf
    out = []
    for url in sys.argv[1:]:
        g = sgf.Sgf_game.from_bytes(urllib.request.urlopen(url).read())
        moves = [n.get_move() for n in g.get_main_sequence()[1:]]
        out.append({"size": g.get_size(), "winner": g.get_winner() or "", "moves": [[c, p[0], p[1]] for c, p in moves]})
    print(json.dumps(out))
    """, gomokuGames.map { "\(base)/sgf/3/\($0.game.index)" })
  let parsed = try #require(try JSONSerialization.jsonObject(with: read) as? [[String: Any]])
  let board = Gomoku(size: 9, rule: .freestyle)
  for (g, sgf) in zip(gomokuGames, parsed) {
    let expected = g.moves.enumerated().map { k, text -> [String] in
      let cell = board.action(fromNotation: text)!
      return [k % 2 == 0 ? "b" : "w", "\(8 - cell / 9)", "\(cell % 9)"]  // sgfmill counts rows from the bottom
    }
    let got = (sgf["moves"] as? [[Any]] ?? []).map { $0.map { "\($0)" } }
    #expect(sgf["size"] as? Int == 9 && got == expected, "game \(g.game.index): sgfmill read \(got), the tournament stored \(expected)")
    let winner = g.scoreForFirst == 1 ? "b" : g.scoreForFirst == 0 ? "w" : ""
    #expect(sgf["winner"] as? String == winner, "game \(g.game.index): RE")
  }
  #expect(gomokuGames.count == 2 && parsed.count == 2)

  for shot in ["index", "run", "league", "tournament", "games", "game", "gomoku"] {
    let size = (try? FileManager.default.attributesOfItem(atPath: "\(shots)/\(shot).png")[.size] as? Int) ?? 0
    #expect(size > 10_000, "\(shot).png: \(size) bytes")
  }

  // Live: while the page is open, the run goes on (rows written every 20 ms); the page redraws with
  // newer records without being reloaded.
  let writing = Locked(true)
  let writer = Thread {
    var step = (curve.last?.step ?? 0) + 10
    while writing.withLock({ $0 }) {
      try? store.recordTraining(step: step, samplesSeen: step * 32, policyLoss: 1, valueLoss: 0.5, learningRate: 0.002)
      step += 10
      usleep(20_000)
    }
  }
  writer.start()
  let live = try browse(base + "/run/0", virtualSeconds: 30)
  writing.withLock { $0 = false }
  let draws = Int(attribute(live.dom, "data-draws") ?? "") ?? 0
  let first = Double(attribute(live.dom, "data-first-updated") ?? "") ?? 0, last = Double(attribute(live.dom, "data-last-updated") ?? "") ?? 0
  #expect(draws >= 2 && last > first, "the page did not follow the run: \(draws) draws, newest record \(first) → \(last)")
}
