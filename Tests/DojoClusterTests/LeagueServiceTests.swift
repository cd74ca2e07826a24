// The league over a transport: the manager, learners and actors as separate roles linked only by
// messages (the in-process twin here; `dojo league up` runs them over ZeroMQ), and the service's
// answers to bad requests.

import DojoCluster
import DojoConfig
import DojoGames
import DojoLeague
import DojoNN
import DojoTelemetry
import DojoTestSupport
import DojoTraining
import DojoTransport
import DojoWire
import Foundation
import Testing


@Test(.tags(.slow)) func theLeagueRunsAsRolesThatOnlyExchangeMessages() throws {
  let dir = temporaryDirectory("league-wire")
  let config = try LeagueFile.parse(tinyLeague, name: "wire", gamesDirectory: repositoryRoot + "/games")
  let transport = InProcessTransport()
  // Stopped in the supervisor's order: actors and learners, then the manager.
  let stop = StopToken(), stopManager = StopToken(), log = Log()
  let group = DispatchGroup(), managerDone = DispatchGroup()
  func start(_ name: String, _ role: any ClusterRole) {
    let isManager = name == "manager"
    let (group, stop) = isManager ? (managerDone, stopManager) : (group, stop)
    group.enter()
    let boxed = UncheckedSendable(role)
    let t = Thread {
      let role = boxed.value
      do { try role.run(TicTacToe(), transport: transport, stop: stop, log: RoleLog { log.add("\(name): \($0)") }) } catch { log.add("\(name) failed: \(error)") }
      group.leave()
    }
    t.stackSize = 16 << 20
    t.start()
  }
  start("manager", LeagueManagerRole(directory: dir, config: config, bind: "league", replayBind: "replay", seed: 3, statusEvery: 1))
  Thread.sleep(forTimeInterval: 0.5)
  for a in config.agents {
    start(a.name, LeagueLearnerRole(directory: dir, config: config, agent: a.name, manager: "league", replay: "replay", statusEvery: 1))
  }
  for i in 0..<2 {
    start("actor-\(i)", LeagueActorRole(name: "actor-\(i)", manager: "league", replay: "replay", cache: dir + "/cache-\(i)", parallelGames: 8,
                                        seed: UInt64(i + 1), statusEvery: 1))
  }
  let deadline = Date().addingTimeInterval(240)
  let store = try LeagueStore(path: dir + "/league.sqlite")
  func kinds() -> Set<LeagueEvent.Kind> { Set(((try? store.events()) ?? []).map(\.kind)) }
  // Until every decision has happened and every agent has reported a checkpoint (a slow build, e.g.
  // under AddressSanitizer, can reach the decisions before the last agent's first checkpoint).
  func everyAgentStepped() -> Bool { ((try? store.agents()) ?? []).allSatisfy { $0.steps > 0 } }
  while Date() < deadline, !(kinds().isSuperset(of: [.snapshot, .reset, .exploit]) && everyAgentStepped()) { Thread.sleep(forTimeInterval: 0.5) }
  stop.request()
  group.wait()
  stopManager.request()
  managerDone.wait()
  #expect(kinds().isSuperset(of: [.snapshot, .reset, .exploit]), "\(log.lines.suffix(30))")
  #expect(!log.lines.contains { $0.contains("failed") }, "\(log.lines.filter { $0.contains("failed") })")
  // Actors fetched every model by hash into their own caches (nothing read from the learners' folders).
  let cached = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/cache-0")) ?? []
  #expect(cached.contains { $0.count == 64 }, "\(cached)")
  // Every agent got games and steps.
  for a in try store.agents() { #expect(a.steps > 0 && a.samplesSeen > 0, "\(a.name)") }
  #expect(try RunStore(path: dir + "/games.sqlite").gameCounts(table: "main_exploiter_0").games > 0)
}

@Test func theLeagueServiceAnswersBadRequestsWithReasons() throws {
  let dir = temporaryDirectory("league-service")
  let config = try LeagueFile.parse(tinyLeague, name: "wire", gamesDirectory: repositoryRoot + "/games")
  let (manager, _) = try LeagueSetup.open(game: TicTacToe(), config: config, directory: dir, seed: 1)
  let log = Log()
  let service = LeagueService(manager: manager, log: RoleLog { log.add($0) })
  func reason(_ body: Dojo_Envelope.OneOf_Body) -> String? {
    guard let reply = try? Dojo_Envelope.open(service.handle(Dojo_Envelope(body).encoded())), case .error(let e) = reply.body else { return nil }
    return e.reason
  }
  #expect(reason(Dojo_Envelope.OneOf_Body.leagueAgentRequest({ var r = Dojo_LeagueAgentRequest(); r.agent = "nobody"; return r }()))?
    .contains("no learning agent named 'nobody'") == true)
  #expect(reason(.fetchModel({ var f = Dojo_FetchModel(); f.sha256 = "00ff"; return f }()))?.contains("no model with hash 00ff") == true)
  var bad = Dojo_LeagueResult()
  bad.match = "m"
  bad.home = "main_agent_0"
  bad.away = "main_agent_1"
  bad.score = 3
  #expect(reason(.leagueResults({ var r = Dojo_LeagueResults(); r.results = [bad]; return r }()))?.contains("score 3.0") == true)
  #expect(reason(.sampleRequest(Dojo_SampleRequest()))?.contains("does not answer") == true)
  let garbage = try? Dojo_Envelope.open(service.handle(Data([0xFF, 0x13, 0x37])))
  if case .error(let e)? = garbage?.body { #expect(e.reason.contains("malformed")) } else { Issue.record("garbage got \(String(describing: garbage))") }
  // A good result is stored once even when sent twice; the model files of a known hash are served.
  var good = bad
  good.score = 1
  for _ in 0..<2 { #expect(reason(.leagueResults({ var r = Dojo_LeagueResults(); r.results = [good]; return r }())) == nil) }
  #expect(try manager.store.resultCount() == 1)
  let sha = manager.agent("main_agent_0")!.model.sha256
  let files = try Dojo_Envelope.open(service.handle(Dojo_Envelope(.fetchModel({ var f = Dojo_FetchModel(); f.sha256 = sha; return f }())).encoded()))
  guard case .modelFiles(let m) = files.body else { Issue.record("no model files"); return }
  #expect(Checkpoint.sha256(m.model) == sha)
  // A match says whether its opponent learns from it too (a self-play game between current agents,
  // as every main agent's is before the first snapshot).
  let reply = try Dojo_Envelope.open(service.handle(Dojo_Envelope(.leagueMatchRequest({ var r = Dojo_LeagueMatchRequest(); r.actor = "a"; return r }())).encoded()))
  guard case .leagueMatch(let match) = reply.body else { Issue.record("no match: \(reply)"); return }
  #expect(match.agent == "main_agent_0" && match.branch == "self_play" && match.opponentLearns)
  #expect(log.lines.count >= 4)
}
