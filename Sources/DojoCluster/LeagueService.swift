// The league manager over a Transport: a server that answers actors (matches, results, model
// files by hash) and learners (their agent, checkpoints → directives, losses), and the client
// that stands in for the manager in their processes (RemoteLeague). Every request gets exactly
// one reply; a malformed or unknown message gets an Error reply and a log line, and the server
// goes on. A result is acknowledged only once it is in the league database.

import DojoConcurrency
import DojoLeague
import DojoNN
import DojoSearch
import DojoTelemetry
import DojoTraining
import DojoTransport
import DojoWire
import Foundation

extension Dojo_ModelRef {
  init(_ r: CheckpointReference) {
    self.init()
    generation = UInt32(r.generation)
    sha256 = r.sha256
    path = r.path
    steps = UInt64(r.steps)
  }
  var reference: CheckpointReference { CheckpointReference(generation: Int(generation), path: path, sha256: sha256, steps: Int(steps)) }
}

func encodeJSON<T: Encodable>(_ value: T) -> String { String(decoding: (try? JSONEncoder().encode(value)) ?? Data(), as: UTF8.self) }

func hyperparameters(_ map: [String: Double]) throws(WireError) -> Hyperparameters {
  var out: Hyperparameters = [:]
  for (k, v) in map {
    guard let h = Hyperparameter(rawValue: k) else { throw WireError("unknown hyperparameter '\(k)'") }
    out[h] = v
  }
  return out
}

public final class LeagueService: @unchecked Sendable {
  public let manager: LeagueManager
  let log: RoleLog
  /// Counts a request may hold, checked before it is decoded.
  public var limits = MessageLimits(movesPerGame: 0, recordBytes: 0)

  public init(manager: LeagueManager, log: RoleLog) {
    self.manager = manager
    self.log = log
  }

  public func handle(_ request: Data) -> Data {
    let envelope: Dojo_Envelope
    do { envelope = try Dojo_Envelope.open(request, limits: limits) } catch {
      log.warning("refused a request: \(error)")
      return Dojo_Envelope.error(error.reason).encoded()
    }
    do {
      return try answer(envelope).encoded()
    } catch let e as WireError {
      log.warning("refused a request: \(e)")
      return Dojo_Envelope.error(e.reason).encoded()
    } catch {
      log.error("could not answer a request: \(error)")
      return Dojo_Envelope.error("\(error)").encoded()
    }
  }

  func answer(_ envelope: Dojo_Envelope) throws -> Dojo_Envelope {
    switch envelope.body {
    case .leagueMatchRequest(let r):
      let m = try manager.nextMatch(actor: r.actor)
      var reply = Dojo_LeagueMatch()
      reply.id = m.id
      reply.agent = m.agent
      reply.agentModel = Dojo_ModelRef(m.agentModel)
      reply.agentSelfPlay = encodeJSON(m.agentSelfPlay)
      reply.opponent = m.opponent
      reply.opponentModel = Dojo_ModelRef(m.opponentModel)
      reply.opponentSelfPlay = encodeJSON(m.opponentSelfPlay)
      reply.branch = m.branch.rawValue
      reply.games = UInt32(m.games)
      reply.opponentLearns = m.opponentLearns
      return Dojo_Envelope(.leagueMatch(reply))
    case .leagueResults(let r):
      var stored = 0
      for x in r.results {
        guard x.score >= 0 && x.score <= 1, !x.home.isEmpty, !x.away.isEmpty, !x.match.isEmpty else {
          throw WireError("a result with score \(x.score), home '\(x.home)', away '\(x.away)', match '\(x.match)'")
        }
        if try manager.report(LeagueResult(match: x.match, game: Int(x.game), home: x.home, away: x.away, score: Double(x.score))) { stored += 1 }
      }
      var reply = Dojo_LeagueStored()
      reply.stored = UInt32(stored)
      return Dojo_Envelope(.leagueStored(reply))
    case .leagueAgentRequest(let r):
      guard let a = manager.agent(r.agent) else { throw WireError("no learning agent named '\(r.agent)' in this league") }
      var reply = Dojo_LeagueAgent()
      reply.name = a.name
      reply.role = a.role.rawValue
      reply.model = Dojo_ModelRef(a.model)
      reply.steps = UInt64(a.steps)
      reply.samplesSeen = UInt64(a.samplesSeen)
      reply.hyperparameters = Dictionary(uniqueKeysWithValues: a.hyperparameters.map { ($0.key.rawValue, $0.value) })
      return Dojo_Envelope(.leagueAgent(reply))
    case .leagueCheckpoint(let c):
      guard manager.agent(c.agent) != nil else { throw WireError("no learning agent named '\(c.agent)' in this league") }
      let d = try manager.checkpointed(agent: c.agent, model: c.model.reference, steps: Int(c.steps), samplesSeen: Int(c.samplesSeen))
      var reply = Dojo_LeagueDirective()
      if let d {
        reply.kind = d.kind.rawValue
        reply.model = Dojo_ModelRef(d.model)
        reply.keepsOptimizerState = d.keepsOptimizerState
        reply.hyperparameters = Dictionary(uniqueKeysWithValues: d.hyperparameters.map { ($0.key.rawValue, $0.value) })
      }
      return Dojo_Envelope(.leagueDirective(reply))
    case .leagueTraining(let t):
      try manager.recordTraining(agent: t.agent, step: Int(t.step), policyLoss: t.policyLoss, valueLoss: t.valueLoss)
      return Dojo_Envelope(.leagueStored(Dojo_LeagueStored()))
    case .fetchModel(let f) where !f.sha256.isEmpty:
      // Only models the league names are served (never an arbitrary path).
      let known = manager.agents.flatMap { [$0.model, $0.initial] } + manager.historical.map(\.model)
      guard let model = known.first(where: { $0.sha256 == f.sha256 }) else { throw WireError("the league has no model with hash \(f.sha256)") }
      var files = Dojo_ModelFiles()
      files.generation = UInt32(model.generation)
      files.model = try Data(contentsOf: URL(fileURLWithPath: model.path + "/model.safetensors"))
      files.meta = try Data(contentsOf: URL(fileURLWithPath: model.path + "/meta.json"))
      return Dojo_Envelope(.modelFiles(files))
    case .heartbeat:
      var h = Dojo_Heartbeat()
      h.role = "league"
      return Dojo_Envelope(.heartbeat(h))
    default:
      throw WireError("the league manager does not answer \(String(describing: envelope.body!).prefix(40))")
    }
  }
}

/// The league manager as seen from an actor's or a learner's process: requests over a transport,
/// retried through timeouts (a restarting manager) until answered.
public final class RemoteLeague: LeagueMatchmaking, LeagueLearning, @unchecked Sendable {
  let client: any RequestClient
  let serial = Serial()
  let timeout: Double
  let log: RoleLog
  let shouldStop: @Sendable () -> Bool
  /// Fetched models: `cache`/<sha256>/ (model.safetensors, meta.json).
  let cache: String

  public init(transport: any Transport, endpoint: String, cache: String, timeout: Double = 30,
              log: RoleLog = .silent, shouldStop: @escaping @Sendable () -> Bool = { false }) throws {
    client = try transport.connect(endpoint)
    self.cache = cache
    self.timeout = timeout
    self.log = log
    self.shouldStop = shouldStop
    try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
  }

  /// One request, retried after timeouts; an Error reply is thrown with its reason.
  func call(_ body: Dojo_Envelope.OneOf_Body) throws -> Dojo_Envelope.OneOf_Body {
    let request = Dojo_Envelope(body).encoded()
    var wait = 0.2
    while true {
      do {
        let reply = try Dojo_Envelope.open(try serial.run { try client.request(request, timeout: timeout) })
        if case .error(let e) = reply.body { throw RemoteError("the league manager refused the request: \(e.reason)") }
        return reply.body!
      } catch let e as TransportError {
        // Retried until answered; while stopping, one attempt (a last checkpoint's report) is all.
        if shouldStop() { throw RemoteError("stopped before the league manager answered: \(e)") }
        log.warning("league manager: \(e); retrying in \(wait) s")
        Thread.sleep(forTimeInterval: wait)
        wait = min(wait * 2, 5)
      }
    }
  }

  public func nextMatch(actor: String) throws -> LeagueMatch {
    var r = Dojo_LeagueMatchRequest()
    r.actor = actor
    guard case .leagueMatch(let m) = try call(.leagueMatchRequest(r)) else { throw RemoteError("unexpected reply to a match request") }
    let decoder = JSONDecoder()
    let mine: SelfPlayConfig, theirs: SelfPlayConfig
    do {
      mine = try decoder.decode(SelfPlayConfig.self, from: Data(m.agentSelfPlay.utf8))
      theirs = try decoder.decode(SelfPlayConfig.self, from: Data(m.opponentSelfPlay.utf8))
    } catch { throw RemoteError("match \(m.id): unreadable self-play settings: \(error)") }
    return LeagueMatch(id: m.id, agent: m.agent, agentModel: m.agentModel.reference, agentSelfPlay: mine, opponent: m.opponent,
                       opponentModel: m.opponentModel.reference, opponentSelfPlay: theirs,
                       branch: MatchBranch(rawValue: m.branch) ?? .selfPlay, games: Int(m.games), opponentLearns: m.opponentLearns)
  }

  @discardableResult
  public func report(_ result: LeagueResult) throws -> Bool {
    var x = Dojo_LeagueResult()
    x.match = result.match
    x.game = UInt32(result.game)
    x.home = result.home
    x.away = result.away
    x.score = Float(result.score)
    var r = Dojo_LeagueResults()
    r.results = [x]
    guard case .leagueStored(let stored) = try call(.leagueResults(r)) else { throw RemoteError("unexpected reply to results") }
    return stored.stored > 0
  }

  public func agentState(_ name: String) throws -> AgentState {
    var r = Dojo_LeagueAgentRequest()
    r.agent = name
    guard case .leagueAgent(let a) = try call(.leagueAgentRequest(r)), let role = AgentRole(rawValue: a.role) else {
      throw RemoteError("unexpected reply to an agent request")
    }
    var state = AgentState(name: a.name, role: role, model: a.model.reference, hyperparameters: try hyperparameters(a.hyperparameters))
    state.steps = Int(a.steps)
    state.samplesSeen = Int(a.samplesSeen)
    return state
  }

  public func checkpointed(agent: String, model: CheckpointReference, steps: Int, samplesSeen: Int) throws -> LearnerDirective? {
    var c = Dojo_LeagueCheckpoint()
    c.agent = agent
    c.model = Dojo_ModelRef(model)
    c.steps = UInt64(steps)
    c.samplesSeen = UInt64(samplesSeen)
    guard case .leagueDirective(let d) = try call(.leagueCheckpoint(c)) else { throw RemoteError("unexpected reply to a checkpoint") }
    guard !d.kind.isEmpty else { return nil }
    guard let kind = LearnerDirective.Kind(rawValue: d.kind) else { throw RemoteError("unknown directive '\(d.kind)'") }
    return LearnerDirective(kind: kind, model: d.model.reference, keepsOptimizerState: d.keepsOptimizerState,
                            hyperparameters: try hyperparameters(d.hyperparameters))
  }

  public func recordTraining(agent: String, step: Int, policyLoss: Float, valueLoss: Float) throws {
    var t = Dojo_LeagueTraining()
    t.agent = agent
    t.step = UInt64(step)
    t.policyLoss = policyLoss
    t.valueLoss = valueLoss
    _ = try call(.leagueTraining(t))
  }

  /// The model's files on this machine: fetched from the manager by hash once, checked, cached.
  public func locate(_ model: CheckpointReference) throws -> String {
    let path = "\(cache)/\(model.sha256)"
    if FileManager.default.fileExists(atPath: path + "/meta.json") { return path }
    var f = Dojo_FetchModel()
    f.sha256 = model.sha256
    guard case .modelFiles(let files) = try call(.fetchModel(f)) else { throw RemoteError("unexpected reply to FetchModel") }
    let hash = Checkpoint.sha256(files.model)
    guard hash == model.sha256 else { throw RemoteError("the fetched weights hash to \(hash), the league named \(model.sha256): discarded") }
    let temp = path + ".partial-\(getpid())"
    try? FileManager.default.removeItem(atPath: temp)
    try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
    try files.model.write(to: URL(fileURLWithPath: temp + "/model.safetensors"))
    try files.meta.write(to: URL(fileURLWithPath: temp + "/meta.json"))
    if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: temp) } else {
      try FileManager.default.moveItem(atPath: temp, toPath: path)
    }
    return path
  }
}
