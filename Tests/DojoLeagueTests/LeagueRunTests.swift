// The league manager on its database, and a whole tic-tac-toe league in process.

import DojoConcurrency
import DojoConfig
import DojoGames
import DojoLeague
import DojoNN
import DojoSearch
import DojoTelemetry
import DojoTestSupport
import DojoTraining
import Foundation
import Testing

extension Tag {
  /// Minutes rather than seconds (a whole league runs).
  @Tag static var slow: Self
}


func makeTinyLeague() throws -> LeagueConfig {
  try LeagueFile.parse(tinyLeague, name: "tiny", gamesDirectory: repositoryRoot + "/games")
}

/// A manager on a fresh database with every agent registered at a fake initial model.
func makeManager(_ config: LeagueConfig, _ dir: String, seed: UInt64 = 3) throws -> LeagueManager {
  let manager = try LeagueManager(config: config, store: try LeagueStore(path: dir + "/league.sqlite"), seed: seed, ratingsMaxAge: 0)
  for a in config.agents {
    try manager.register(a, initial: CheckpointReference(generation: 0, path: "\(dir)/\(a.name)/000000", sha256: "init-\(a.name)"))
  }
  return manager
}

@Test func aLeagueManagerReopensWithTheSamePayoffPlayersAndPBTState() throws {
  let dir = temporaryDirectory("league-reopen")
  var config = try makeTinyLeague()
  // main_agent_0 wins every game: its lead is significant, so the exploit happens under the test.
  config.pbt.exploitConfidence = 0.95
  let manager = try makeManager(config, dir)
  var rng = SplitMix64(seed: 11)
  var resets = 0
  // Results from matches the manager hands out, then checkpoints that snapshot, reset and exploit.
  for step in stride(from: 10, through: 60, by: 10) {
    for _ in 0..<6 {
      let m = manager.nextMatch()
      for g in 0..<m.games {
        let score = m.agent == "main_agent_0" ? 1.0 : Double(rng.next(below: 3)) / 2
        try manager.report(LeagueResult(match: m.id, game: g, home: m.agent, away: m.opponent, score: score))
        // A retried report counts once.
        try manager.report(LeagueResult(match: m.id, game: g, home: m.agent, away: m.opponent, score: score))
      }
    }
    for a in config.agents {
      let directive = try manager.checkpointed(agent: a.name, model: CheckpointReference(generation: step / 10, path: "\(dir)/\(a.name)/\(step)", sha256: "\(a.name)-\(step)"),
                                   steps: step, samplesSeen: step * 32)
      if a.role == .mainExploiter, let directive {
        // A main exploiter's snapshot resets it to its initial weights and a fresh optimizer.
        #expect(directive.kind == .reset && directive.model.sha256 == "init-main_exploiter_0" && !directive.keepsOptimizerState)
        #expect(manager.agent(a.name)!.model.sha256 == "init-main_exploiter_0")
        resets += 1
      }
    }
  }
  let events = try manager.store.events()
  #expect(events.contains { $0.kind == .snapshot } && events.contains { $0.kind == .reset && $0.agents == ["main_exploiter_0"] })
  #expect(events.contains { $0.kind == .exploit && $0.agents == ["main_agent_1", "main_agent_0"] }, "\(events.map(\.reason))")
  let copied = manager.agent("main_agent_1")!
  #expect(copied.lineage.first?.hasPrefix("main_agent_0@") == true)
  #expect(copied.model.sha256.hasPrefix("main_agent_0-"))
  #expect(resets == 1)  // steps 40 (2N); 60 is not due yet

  let reopened = try LeagueManager(config: config, store: try LeagueStore(path: dir + "/league.sqlite"), seed: 99)
  #expect(reopened.agents == manager.agents)
  #expect(reopened.historical == manager.historical)
  let (a, b) = (manager.payoff.pairs, reopened.payoff.pairs)
  #expect(a.count == b.count && a.count > 0)
  for (x, y) in zip(a, b) { #expect(x.home == y.home && x.away == y.away && x.games == y.games && x.winRate == y.winRate) }
  #expect(try reopened.store.resultCount() == 6 * 6 * config.gamesPerMatch)
}

@Test func eachRoleSnapshotsOnItsOwnStepBudget() throws {
  let dir = temporaryDirectory("league-role-snapshots")
  var config = try makeTinyLeague()
  config.pbt.population = []
  config.snapshot.minSteps = 1000
  config.snapshot.roleMinSteps[.mainExploiter] = 10
  config.snapshot.roleMinSteps[.leagueExploiter] = 25
  let manager = try makeManager(config, dir)
  var snapped: [String: [Int]] = [:]
  for step in stride(from: 10, through: 100, by: 10) {
    for a in config.agents {
      _ = try manager.checkpointed(agent: a.name, model: CheckpointReference(generation: step / 10, path: "\(dir)/\(a.name)/\(step)", sha256: "\(a.name)-\(step)"),
                                   steps: step, samplesSeen: step * 32)
    }
  }
  for e in try manager.store.events() where e.kind == .snapshot { snapped[e.agents[0], default: []].append(e.step) }
  // No results reported, so only the 2N rule fires: every 20 steps for the main exploiter, every 50
  // for the league exploiter, and not within 100 steps for the main agents (2N = 2,000).
  #expect(snapped["main_exploiter_0"] == [20, 40, 60, 80, 100], "\(snapped)")
  #expect(snapped["league_exploiter_0"] == [50, 100], "\(snapped)")
  #expect(snapped["main_agent_0"] == nil && snapped["main_agent_1"] == nil, "\(snapped)")
  #expect(try manager.store.events().first { $0.kind == .snapshot && $0.agents[0] == "main_exploiter_0" }?.reason.contains("2N = 20") == true)
}

@Test(arguments: [MatchBalance.matches, .samples])
func theLeagueSharesItsGamesAsBalanceSays(_ balance: MatchBalance) throws {
  let dir = temporaryDirectory("league-balance-\(balance.rawValue)")
  var config = try makeTinyLeague()
  config.matchmaking.balance = balance
  let manager = try makeManager(config, dir, seed: 19)
  // Game sides each learner learns from: its own in every match, and the opponent's when the
  // opponent learns too (self-play between current agents, an agent against itself counting twice).
  var matches: [String: Int] = [:], sides: [String: Int] = [:]
  for _ in 0..<400 {
    let m = manager.nextMatch()
    matches[m.agent, default: 0] += 1
    sides[m.agent, default: 0] += 1
    if m.opponentLearns { sides[m.opponent, default: 0] += 1 }
  }
  let learners = config.learningAgents.map(\.name)
  let fewestSides = learners.map { sides[$0] ?? 0 }.min()!, mostSides = learners.map { sides[$0] ?? 0 }.max()!
  let fewestMatches = learners.map { matches[$0] ?? 0 }.min()!, mostMatches = learners.map { matches[$0] ?? 0 }.max()!
  switch balance {
  case .matches:
    // Every learner the same matches; the main agents, who also learn from each other's
    // self-play, learn from far more sides than the exploiters.
    #expect(mostMatches - fewestMatches <= 1, "matches \(matches)")
    #expect(sides["main_agent_0"]! > sides["main_exploiter_0"]! * 3 / 2, "sides \(sides)")
  case .samples:
    // Every learner about the same sides (a match adds at most 2 to one of them); the exploiters
    // are handed more matches for it.
    #expect(mostSides - fewestSides <= 2, "sides \(sides)")
    #expect(matches["main_exploiter_0"]! > matches["main_agent_0"]! * 3 / 2, "matches \(matches)")
  }
}

@Test(.tags(.slow)) func aTicTacToeLeagueSnapshotsResetsAndExploitsInProcess() throws {
  let dir = temporaryDirectory("league-run")
  var config = try makeTinyLeague()
  // League actors yield to the learners by the first agent's training.actor_nice (a value no other
  // test's actors use, so the threads below are this league's).
  config.agents[0].settings.training.actorNice = 7
  let log = Log()
  let run = try LeagueRun(game: TicTacToe(), config: config, directory: dir, seed: 5, log: RoleLog { log.add($0) })
  try run.start()
  let deadline = Date().addingTimeInterval(300)
  func kinds() -> Set<LeagueEvent.Kind> { Set(((try? run.manager.store.events()) ?? []).map(\.kind)) }
  // Until every kind of event happened and every agent trained (the exploiter's games come only
  // from its own matches; with the actors yielding to the learners, in a busy test process they
  // can lag the main agents' events).
  func everyAgentTrained() -> Bool { run.agentStatus.allSatisfy { $0.steps > 0 && $0.games > 0 && $0.generation > 0 } }
  while Date() < deadline, !(kinds().isSuperset(of: [.snapshot, .reset, .exploit, .explore]) && run.ratingRounds >= 1 && everyAgentTrained()) {
    Thread.sleep(forTimeInterval: 0.5)
  }
  #if os(Linux)
  let threads = kernelThreads()
  let learner = try #require(threads.first { $0.name.hasPrefix("learner-main_") }, "threads: \(threads.map(\.name))")
  #expect(threads.contains { $0.name.hasPrefix("actor-") && $0.nice == min(learner.nice + 7, 19) },
          "threads: \(threads.map { "\($0.name) nice \($0.nice)" })")
  #endif
  try run.stop()
  let events = try run.manager.store.events()
  #expect(kinds().isSuperset(of: [.snapshot, .reset, .exploit, .explore]), "events: \(events.map { "\($0.kind): \($0.reason)" }); log: \(log.lines)")
  // Every role played: each agent trained and got games; historical players exist; anchors were played.
  for a in run.agentStatus {
    #expect(a.steps > 0 && a.games > 0 && a.generation > 0, "\(a.name): \(a.steps) steps, \(a.games) games")
  }
  let report = try LeagueReport.make(run.manager)
  #expect(!report.historical.isEmpty)
  #expect(report.ratings["random"] == 0 && report.ratings["mcts:16"] != nil)
  #expect(report.payoff.contains { $0.away == "random" })
  #expect(FileManager.default.fileExists(atPath: dir + "/ratings.svg"))
  // The JSON holds what scripts read.
  let json = try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as! [String: Any]
  for key in ["agents", "historical", "payoff", "events"] { #expect(json[key] != nil, "\(key) missing") }
  let agent = (json["agents"] as! [[String: Any]])[0]
  for key in ["name", "role", "generation", "steps", "rating", "hyperparameters"] { #expect(agent[key] != nil, "agents[].\(key) missing") }
  #expect((json["payoff"] as! [[String: Any]]).first?["win_rate"] != nil)
  #expect(log.lines.filter { $0.contains("error") || $0.contains("refused") }.isEmpty, "\(log.lines)")
  // dojo check-run: the league is sound; with one checkpoint's weights gone, that is named.
  func check() throws -> (Int32, String) {
    let p = try dojo(["check-run", dir], output: dir + "/check.out")
    p.waitUntilExit()
    return (p.terminationStatus, (try? String(contentsOfFile: dir + "/check.out", encoding: .utf8)) ?? "")
  }
  let sound = try check()
  #expect(sound.0 == 0 && sound.1.contains("no problems found"), "\(sound.1.suffix(2000))")
  try FileManager.default.removeItem(atPath: dir + "/agents/main_agent_0/checkpoints/000001/model.safetensors")
  let damaged = try check()
  #expect(damaged.0 == 1 && damaged.1.contains("main_agent_0/checkpoints/000001/model.safetensors"), "\(damaged.1.suffix(2000))")
}

@Test(.tags(.slow)) func aLeagueKilledWithSIGKILLResumesWithNothingAcknowledgedLost() throws {
  let dir = temporaryDirectory("league-kill")
  try tinyLeague.write(toFile: dir + "/tiny.toml", atomically: true, encoding: .utf8)
  let run = dir + "/run"
  let first = try dojo(["league", "run", dir + "/tiny.toml", "--run", run, "--status-every", "1"], output: dir + "/first.log")
  var acknowledged = 0
  for _ in 0..<2400 where first.isRunning {
    usleep(50_000)
    guard let store = try? LeagueStore(path: run + "/league.sqlite") else { continue }
    acknowledged = (try? store.resultCount()) ?? 0
    let kinds = Set(((try? store.events()) ?? []).map(\.kind))
    if kinds.isSuperset(of: [.snapshot, .reset, .exploit]) { break }
  }
  kill(first.processIdentifier, SIGKILL)
  first.waitUntilExit()
  let firstLog = (try? String(contentsOfFile: dir + "/first.log", encoding: .utf8)) ?? ""
  try #require(first.terminationReason == .uncaughtSignal, "the first run ended by itself: \(firstLog)")
  let config = try LeagueFile.load(path: run + "/league.toml", gamesDirectory: repositoryRoot + "/games")
  let before = try LeagueManager(config: config, store: try LeagueStore(path: run + "/league.sqlite"), seed: 0)
  let storedBefore = try before.store.results()
  #expect(storedBefore.count >= acknowledged && acknowledged > 0, "acknowledged \(acknowledged), stored \(storedBefore.count)")
  #expect(!before.historical.isEmpty, "no snapshot before the kill: \(firstLog)")

  let second = try dojo(["league", "run", "--resume", run, "--minutes", "0.25", "--status-every", "1"], output: dir + "/second.log")
  second.waitUntilExit()
  let log = try String(contentsOfFile: dir + "/second.log", encoding: .utf8)
  try #require(second.terminationStatus == 0, "resume failed:\n\(log)")
  // The resumed league reads the game's config from the run's own copy, written at the start.
  #expect(FileManager.default.fileExists(atPath: run + "/games/tic_tac_toe/config.toml"))
  #expect(log.contains("agents' config: \(run)/games/tic_tac_toe/config.toml (the run's copy of ") && log.contains("games/tic_tac_toe/config.toml, taken when it started)"), "\(log.prefix(1500))")
  let after = try LeagueManager(config: config, store: try LeagueStore(path: run + "/league.sqlite"), seed: 0)
  // Every result, player and decision from before the kill is still there, in order.
  #expect(Array(try after.store.results().prefix(storedBefore.count)) == storedBefore)
  #expect(Array(after.historical.prefix(before.historical.count)) == before.historical)
  #expect(try after.store.resultCount() > storedBefore.count, "no new results after the resume:\n\(log)")
  for (a, b) in zip(before.agents, after.agents) {
    #expect(b.steps >= a.steps && b.lineage.starts(with: a.lineage) && b.lastReadyStep >= a.lastReadyStep, "\(a.name)")
    // The resumed learner continued from the model the manager held (reset and exploit included).
    #expect(b.steps > a.steps || b.model == a.model)
  }
  // status reads the database (JSON with what scripts need; text with the payoff table).
  let status = try dojo(["league", "status", run, "--json"], output: dir + "/status.json")
  status.waitUntilExit()
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/status.json"))) as? [String: Any]
  #expect((json?["agents"] as? [[String: Any]])?.count == config.agents.count)
  #expect(((json?["events"] as? [[String: Any]]) ?? []).contains { $0["kind"] as? String == "exploit" })
  // TensorBoard: a run per agent with its losses (as the database holds them) and ratings, and
  // historical players' ratings, read by TensorBoard's own reader.
  let losses = try after.store.training(after: 0)
  for agent in config.agents.map(\.name) {
    let board = try readTensorBoard(run + "/tensorboard/" + agent)
    let mine = losses.filter { $0.agent == agent }
    #expect(Set((board["loss/policy"] ?? []).map(\.step)) == Set(mine.map(\.step)), "\(agent)")
    let last = try #require(mine.last)
    #expect(board["loss/policy"]?.last { $0.step == last.step }.map { abs($0.value - last.policyLoss) < 1e-5 } == true, "\(agent)")
    #expect(!(board["rating"] ?? []).isEmpty, "\(agent): no ratings")
  }
  #expect(FileManager.default.fileExists(atPath: run + "/tensorboard/historical"))
}

@Test(.tags(.slow)) func leagueUpRunsEveryRoleAsAProcessAndStopsCleanly() throws {
  let dir = temporaryDirectory("league-up")
  try tinyLeague.write(toFile: dir + "/tiny.toml", atomically: true, encoding: .utf8)
  let run = dir + "/run"
  let up = try dojo(["league", "up", dir + "/tiny.toml", "--run", run, "--actors", "2", "--minutes", "0.5", "--status-every", "5",
                     "--base-port", "\(freePorts(2))"], output: dir + "/up.log")
  up.waitUntilExit()
  let log = (try? String(contentsOfFile: dir + "/up.log", encoding: .utf8)) ?? ""
  try #require(up.terminationStatus == 0, "league up failed:\n\(log)")
  let config = try LeagueFile.load(path: run + "/league.toml", gamesDirectory: repositoryRoot + "/games")
  for role in ["manager", "actor-0", "actor-1"] + config.agents.map({ "learner-\($0.name)" }) {
    let text = (try? String(contentsOfFile: "\(run)/logs/\(role).log", encoding: .utf8)) ?? ""
    #expect(!text.isEmpty && !text.contains("Error:"), "\(role):\n\(text.suffix(2000))")
  }
  let store = try LeagueStore(path: run + "/league.sqlite")
  #expect(try store.resultCount() > 0)
  let agents = try store.agents()
  #expect(agents.allSatisfy { $0.steps > 0 }, "\(agents.map { "\($0.name) \($0.steps)" })")
  #expect(try store.meta("name") == "tiny")
}

/// The tiny league with main_agent_0 starting from a checkpoint of random weights (seeded) written
/// to `dir`/early, and `extra` lines in its member section.
func tinyLeagueFromCheckpoint(_ dir: String, seed: UInt64, extra: String = "") throws -> (LeagueConfig, PolicyValueNet) {
  let source = PolicyValueNet(config: try makeTinyLeague().agents[0].settings.network, seed: seed)
  _ = try Checkpoint.write(source, optimizer: nil, metadata: CheckpointMetadata(game: TicTacToe().name, architecture: source.config), to: dir + "/early")
  let text = tinyLeague + "\n[members.main_agent_0]\ninitial_checkpoint = \"\(dir)/early\"\n" + extra
  return (try LeagueFile.parse(text, name: "t", gamesDirectory: repositoryRoot + "/games"), source)
}

@Test func anAgentCanStartFromAGivenCheckpoint() throws {
  let dir = temporaryDirectory("league-initial")
  let (config, source) = try tinyLeagueFromCheckpoint(dir, seed: 77)
  #expect(config.agents[0].initialCheckpoint == dir + "/early" && config.agents[1].initialCheckpoint == nil)
  let (manager, _) = try LeagueSetup.open(game: TicTacToe(), config: config, directory: dir + "/run", seed: 1)
  let start = try Checkpoint.read(manager.agent("main_agent_0")!.initial.path).network
  let other = try Checkpoint.read(manager.agent("main_agent_1")!.initial.path).network
  let n = source.layout.totalCount
  #expect(Array(UnsafeBufferPointer(start: start.parameters, count: n)) == Array(UnsafeBufferPointer(start: source.parameters, count: n)))
  #expect(Array(UnsafeBufferPointer(start: other.parameters, count: n)) != Array(UnsafeBufferPointer(start: source.parameters, count: n)))
  // A checkpoint that does not exist is named.
  let bad = try LeagueFile.parse(tinyLeague + "\n[members.main_agent_0]\ninitial_checkpoint = \"/nowhere/x\"\n", name: "t", gamesDirectory: repositoryRoot + "/games")
  #expect(throws: InvalidRun.self) { try LeagueSetup.open(game: TicTacToe(), config: bad, directory: dir + "/run2", seed: 1) }
}

@Test func aFrozenAgentKeepsItsCheckpointHasNoLearnerAndIsOnlyAnOpponent() throws {
  // The exploiter experiment's shape: main_agent_0 frozen at a checkpoint; the main exploiter
  // trains against it. Every match goes to a learning agent; the frozen one is an opponent only.
  let dir = temporaryDirectory("league-frozen")
  let (config, _) = try tinyLeagueFromCheckpoint(dir, seed: 78, extra: "frozen = true\n")
  #expect(config.agents.map(\.frozen) == [true, false, false, false])
  #expect(config.learningAgents.map(\.name) == ["main_agent_1", "main_exploiter_0", "league_exploiter_0"])
  let (manager, games) = try LeagueSetup.open(game: TicTacToe(), config: config, directory: dir + "/run", seed: 1)
  let tables = try LeagueSetup.replayTables(game: TicTacToe(), config: config, manager: manager, games: games, seed: 1)
  #expect(tables.map(\.table) == ["main_agent_1", "main_exploiter_0", "league_exploiter_0"])
  #expect(throws: InvalidRun.self) {
    try AgentLearner(name: "main_agent_0", game: TicTacToe(), league: config, manager: manager, source: { _ in nil }, directory: dir + "/x")
  }
  var opponents: [String: Int] = [:]
  for _ in 0..<60 {
    let m = manager.nextMatch()
    #expect(m.agent != "main_agent_0")
    if m.agent == "main_exploiter_0" { opponents[m.opponent, default: 0] += 1 }
    if m.opponent == "main_agent_0" { #expect(m.opponentModel == manager.agent("main_agent_0")!.initial && !m.opponentLearns) }
  }
  #expect(opponents["main_agent_0", default: 0] > 0, "\(opponents)")
  #expect(try LeagueReport.make(manager).agents.first { $0.name == "main_agent_0" }?.role == "main_agent (frozen)")
}

@Test(.timeLimit(.minutes(5))) func aGTPEngineIsARatingAnchor() throws {
  // A 5×5 Go league rated against an outside engine spoken to over GTP (`dojo gtp` as a process; in
  // league/go.toml it is GNU Go), anchored at 0 as the first anchor. (The payoff decays: 2 games
  // weigh a little under 2.)
  let dir = temporaryDirectory("league-gtp-anchor")
  let game = Go(size: 5, komi: 0.5)
  let anchor = "gtp:\(repositoryRoot)/.build/debug/dojo gtp 'go(size=5,komi=0.5)' --player random"
  let config = try LeagueFile.parse("""
    game = "go(size=5,komi=0.5)"
    [agents.main_agent]
    count = 1
    [agents.main_agent.network]
    blocks = 1
    channels = 8
    [rating]
    anchors = ["\(anchor)", "random"]
    games = 2
    simulations = 4
    """, name: "go5", gamesDirectory: repositoryRoot + "/games")
  let (manager, _) = try LeagueSetup.open(game: game, config: config, directory: dir + "/run", seed: 1)
  let rater = try LeagueRater(game: game, manager: manager, seed: 2) { _ in }
  try rater.playRound(stop: StopToken())
  let report = try LeagueReport.make(manager)
  #expect(report.ratings[anchor] == 0, "\(report.ratings)")
  #expect(report.payoff.contains { $0.home == "main_agent_0" && $0.away == anchor && $0.games > 1.9 }, "\(report.payoff.map { ($0.home, $0.away, $0.games) })")
  #expect(report.payoff.contains { $0.home == "main_agent_0" && $0.away == "random" && $0.games > 1.9 })
}

/// A replay table that keeps what it is sent.
final class RecordingSink: GameSink, @unchecked Sendable {
  let records = Locked<[GameRecord]>([])
  func submit(_ game: GameRecord, origin: GameOrigin) throws -> Int64 {
    records.withLock { $0.append(game); return Int64($0.count) }
  }
}

/// Hands out the same match forever and keeps the results.
final class FixedMatch: LeagueMatchmaking, @unchecked Sendable {
  let match: LeagueMatch
  let results = Locked<[LeagueResult]>([])
  init(_ match: LeagueMatch) { self.match = match }
  func nextMatch(actor: String) throws -> LeagueMatch { match }
  func report(_ result: LeagueResult) throws -> Bool { results.withLock { $0.append(result) }; return true }
}

@Test func selfPlayGamesBetweenCurrentAgentsTeachBothSides() throws {
  let dir = temporaryDirectory("league-both-sides")
  let config = try makeTinyLeague()
  let (manager, _) = try LeagueSetup.open(game: TicTacToe(), config: config, directory: dir, seed: 1)
  // The manager says so for self-play games against a learning agent, and for nothing else.
  var flagged = 0
  for _ in 0..<60 {
    let m = manager.nextMatch()
    #expect(m.opponentLearns == (m.branch == .selfPlay), "\(m.agent) against \(m.opponent) (\(m.branch))")
    if m.opponentLearns { flagged += 1 }
  }
  #expect(flagged > 0)
  // An actor sends each learning side's share of a game to that side's table; against itself,
  // every position to its own.
  var selfPlay = config.agents[0].settings.selfPlay
  selfPlay.fullSearchProbability = 1
  selfPlay.randomOpeningPlies = 0
  for opponent in ["main_agent_1", "main_agent_0"] {
    let match = LeagueMatch(id: "m-\(opponent)", agent: "main_agent_0", agentModel: manager.agent("main_agent_0")!.model, agentSelfPlay: selfPlay,
                            opponent: opponent, opponentModel: manager.agent(opponent)!.model, opponentSelfPlay: selfPlay, branch: .selfPlay,
                            games: 8, opponentLearns: true)
    #expect(match.samples == (opponent == "main_agent_0" ? .mirror : .bothSides))
    let sinks = ["main_agent_0": RecordingSink(), "main_agent_1": RecordingSink()]
    let fixed = FixedMatch(match)
    let errors = Locked<[String]>([])
    let actor = LeagueActor(name: "a", game: TicTacToe(), manager: fixed, sink: { sinks[$0]! }, parallelGames: 8, seed: 5,
                            onError: { e in errors.withLock { $0.append("\(e)") } })
    let deadline = Date().addingTimeInterval(60)
    actor.run { fixed.results.withLock { $0.count } >= 8 || Date() > deadline }
    #expect(errors.withLock { $0 }.isEmpty, "\(errors.withLock { $0 })")
    let results = fixed.results.withLock { $0 }
    #expect(results.count == 8 && actor.counters.games == 8)
    // The networks ran in the format `dojo train`'s actors use (int8 where `auto` picks it).
    let probe = InferenceEngine(network: PolicyValueNet(config: config.agents[0].settings.network, seed: 1), precision: .auto,
                                calibration: TicTacToe().randomPositionObservations(count: 256, seed: 5))
    #expect(actor.counters.precision == probe.precision, "\(probe.backendDescription)")
    let mine = sinks["main_agent_0"]!.records.withLock { $0 }, theirs = sinks["main_agent_1"]!.records.withLock { $0 }
    #expect(mine.count == 8)
    #expect(theirs.count == (opponent == "main_agent_1" ? 8 : 0))
    // Game k has the agent moving first when k is even (MatchPlay's order), which is how the
    // results were scored; each table holds exactly its side's full searches.
    var fullMoves: [Player: Int] = [:]
    for (k, record) in mine.enumerated() {
      for m in record.moves where m.fullSearch { fullMoves[m.player, default: 0] += 1 }
      if opponent == "main_agent_1" {
        let side: Player? = Set(record.moves.filter(\.fullSearch).map(\.player)).first
        #expect(Set(record.moves.filter(\.fullSearch).map(\.player)).count == 1, "game \(k)")
        let other = theirs[k]
        #expect(other.moves.map(\.action) == record.moves.map(\.action))
        #expect(Set(other.moves.filter(\.fullSearch).map(\.player)) == Set(side.map { [$0.opponent] } ?? []), "game \(k)")
      }
    }
    if opponent == "main_agent_0" {
      #expect(fullMoves[.first, default: 0] > 0 && fullMoves[.second, default: 0] > 0, "\(fullMoves)")
    }
  }
}
