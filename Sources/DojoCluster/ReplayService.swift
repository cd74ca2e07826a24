// The replay store as a server: envelopes in, envelopes out, over any Transport. Every request gets
// exactly one reply; a malformed message or a wrong version gets an Error reply and a log line,
// and the server goes on. Games are acknowledged only once they are in the database.

import DojoConcurrency
import DojoGames
import DojoNN
import DojoSearch
import DojoTelemetry
import DojoTraining
import DojoTransport
import DojoWire
import Foundation

public final class ReplayService<G: Game>: @unchecked Sendable {
  /// The tables by name (Reverb's tables: one per learning agent, each with its own window and
  /// rate limiter); a request naming no table goes to the first.
  public let tables: [String: ReplayStore<G>]
  /// The first table.
  public let replay: ReplayStore<G>
  let log: RoleLog
  /// How long a busy actor or an early learner is told to wait.
  public var retryAfterMilliseconds: UInt32 = 200
  /// How long an actor is told to wait while the disk is full.
  public var retryWhenFullMilliseconds: UInt32 = 1000
  /// Counts and sizes a request may hold, checked before it is decoded (from the game's bounds).
  public let limits: MessageLimits

  public init(replay: ReplayStore<G>, log: RoleLog) {
    self.replay = replay
    tables = [replay.table: replay]
    self.log = log
    limits = MessageLimits(game: replay.game)
  }

  public init(tables: [ReplayStore<G>], log: RoleLog) {
    precondition(!tables.isEmpty, "a replay service needs a table")
    replay = tables[0]
    self.tables = Dictionary(tables.map { ($0.table, $0) }, uniquingKeysWith: { a, _ in a })
    self.log = log
    limits = MessageLimits(game: replay.game)
  }

  func table(_ name: String) throws(WireError) -> ReplayStore<G> {
    if name.isEmpty { return replay }
    guard let t = tables[name] else { throw WireError("no replay table '\(name)'; tables: " + tables.keys.sorted().joined(separator: ", ")) }
    return t
  }

  public func handle(_ request: Data) -> Data {
    let start = ContinuousClock.now
    defer { DojoMetrics.replayRequest.record(duration: ContinuousClock.now - start) }
    let envelope: Dojo_Envelope
    do { envelope = try Dojo_Envelope.open(request, limits: limits) } catch {
      DojoMetrics.gamesRefused("malformed").increment()
      log.warning("refused a request: \(error)")
      return Dojo_Envelope.error(error.reason).encoded()
    }
    switch envelope.body {
    case .submitGames(let s):
      var reply = Dojo_Accepted()
      do {
        let replay = try table(s.table)
        guard let results = try replay.submit(s.games, waitForRoom: false) else {
          reply.busy = true
          reply.retryAfterMs = retryAfterMilliseconds
          return Dojo_Envelope(.accepted(reply)).encoded()
        }
        for (i, r) in results.enumerated() {
          switch r {
          case let .success(id): reply.gameIds.append(id)
          case let .failure(refusal):
            var f = Dojo_Refusal()
            f.index = UInt32(i)
            f.reason = refusal.reason
            reply.refused.append(f)
            log.warning("refused game \(i) from \(s.games[i].actor): \(refusal.reason)")
          }
        }
        return Dojo_Envelope(.accepted(reply)).encoded()
      } catch let e as WireError {
        log.warning("refused a request: \(e)")
        return Dojo_Envelope.error(e.reason).encoded()
      } catch let e as StorageFull {
        // Nothing was stored: the actor keeps its games and sends them again.
        DojoMetrics.gamesRefused("disk_full").increment(by: s.games.count)
        log.warning("\(e); telling the actor to retry in \(retryWhenFullMilliseconds) ms")
        reply.busy = true
        reply.retryAfterMs = retryWhenFullMilliseconds
        reply.busyReason = e.description
        return Dojo_Envelope(.accepted(reply)).encoded()
      } catch {
        log.error("could not store games: \(error)")
        return Dojo_Envelope.error("could not store the games: \(error)").encoded()
      }
    case .sampleRequest(let r):
      var reply = Dojo_SampleBatch()
      guard r.count > 0 && r.count <= 65_536 else { return Dojo_Envelope.error("sample count \(r.count) outside 1...65536").encoded() }
      let replay: ReplayStore<G>
      do { replay = try table(r.table) } catch { return Dojo_Envelope.error(error.reason).encoded() }
      if let b = replay.trySample(Int(r.count)) {
        reply.count = UInt32(b.count)
        reply.observations = b.observations
        reply.legalMasks = b.legalMasks
        reply.policyTargets = b.policyTargets
        reply.valueTargets = b.valueTargets
      } else {
        reply.retryAfterMs = retryAfterMilliseconds
      }
      return Dojo_Envelope(.sampleBatch(reply)).encoded()
    case .statsRequest(let r):
      let replay: ReplayStore<G>
      do { replay = try table(r.table) } catch { return Dojo_Envelope.error(error.reason).encoded() }
      let s = replay.statistics
      var reply = Dojo_ReplayStats()
      reply.games = UInt64(s.gamesAccepted)
      reply.gamesRefused = UInt64(s.gamesRejected)
      reply.samplesInserted = UInt64(s.samplesInserted)
      reply.samplesDrawn = UInt64(s.samplesDrawn)
      reply.window = UInt64(s.windowSize)
      return Dojo_Envelope(.replayStats(reply)).encoded()
    case .heartbeat:
      var h = Dojo_Heartbeat()
      h.role = "replay"
      return Dojo_Envelope(.heartbeat(h)).encoded()
    default:
      log.warning("refused a request: the replay store does not answer \(String(describing: envelope.body!).prefix(40))")
      return Dojo_Envelope.error("the replay store does not answer this message").encoded()
    }
  }
}

/// An error reply from a server.
public struct RemoteError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// An actor's GameSink in a cluster: submits games to a replay server, waiting through "busy"
/// replies and timeouts (a restarting server) until each game is acknowledged or refused.
public final class RemoteReplay: GameSink, @unchecked Sendable {
  let client: any RequestClient
  /// One request at a time on the client's socket.
  let serial = Serial()
  let timeout: Double
  let log: RoleLog
  let shouldStop: @Sendable () -> Bool
  /// The replay table this client writes to and samples from ("": the server's first).
  public let table: String

  public init(transport: any Transport, endpoint: String, table: String = "", timeout: Double = 10,
              log: RoleLog = .silent, shouldStop: @escaping @Sendable () -> Bool = { false }) throws {
    client = try transport.connect(endpoint)
    self.table = table
    self.timeout = timeout
    self.log = log
    self.shouldStop = shouldStop
  }

  public func submit(_ game: GameRecord, origin: GameOrigin) throws -> Int64 {
    let ids = try submit([Dojo_GameRecord(game, game: origin.game, generation: origin.generation, actor: origin.actor)])
    switch ids[0] {
    case let .success(id): return id
    case let .failure(e): throw e
    }
  }

  /// Each game's id once stored, or its refusal.
  public func submit(_ games: [Dojo_GameRecord]) throws -> [Result<Int64, InvalidGame>] {
    var s = Dojo_SubmitGames()
    s.games = games
    s.table = table
    let request = Dojo_Envelope(.submitGames(s)).encoded()
    var wait = 0.1
    // The reason of the last "busy" reply that had one (logged once, not on every retry).
    var lastBusyReason = ""
    while true {
      if shouldStop() { throw RemoteError("stopped before the replay store acknowledged \(games.count) games") }
      let reply: Data
      do { reply = try serial.run { try client.request(request, timeout: timeout) } } catch let e as TransportError {
        log.warning("\(e); retrying in \(wait) s")
        Thread.sleep(forTimeInterval: wait)
        wait = min(wait * 2, 5)
        continue
      }
      let envelope = try Dojo_Envelope.open(reply)
      switch envelope.body {
      case .accepted(let a) where a.busy:
        if !a.busyReason.isEmpty {
          if a.busyReason != lastBusyReason { log.warning("the replay store cannot store games now (\(a.busyReason)); keeping them and retrying") }
          lastBusyReason = a.busyReason
        }
        Thread.sleep(forTimeInterval: Double(a.retryAfterMs) / 1000)
      case .accepted(let a):
        if !lastBusyReason.isEmpty { log("the replay store stores games again") }
        lastBusyReason = ""
        var out: [Result<Int64, InvalidGame>] = Array(repeating: .success(-1), count: games.count)
        for r in a.refused where Int(r.index) < games.count { out[Int(r.index)] = .failure(InvalidGame(r.reason)) }
        var ids = a.gameIds[...]
        for i in out.indices where (try? out[i].get()) != nil {
          guard let id = ids.popFirst() else { throw RemoteError("the replay store acknowledged too few games") }
          out[i] = .success(id)
        }
        return out
      case .error(let e):
        throw RemoteError("the replay store refused the request: \(e.reason)")
      default:
        throw RemoteError("the replay store answered with an unexpected message")
      }
    }
  }

  /// The store's statistics.
  public func statistics() throws -> Dojo_ReplayStats {
    var r = Dojo_StatsRequest()
    r.table = table
    let reply = try serial.run { try client.request(Dojo_Envelope(.statsRequest(r)).encoded(), timeout: timeout) }
    guard case .replayStats(let s) = try Dojo_Envelope.open(reply).body else { throw RemoteError("unexpected reply to a stats request") }
    return s
  }

  /// A training batch when the store's rate limiter allows one (nil once `shouldStop`).
  public func sample(_ count: Int) throws -> TrainingBatch? {
    var r = Dojo_SampleRequest()
    r.count = UInt32(count)
    r.table = table
    let request = Dojo_Envelope(.sampleRequest(r)).encoded()
    while !shouldStop() {
      let reply: Data
      do { reply = try serial.run { try client.request(request, timeout: timeout) } } catch let e as TransportError {
        log.warning("\(e); retrying")
        Thread.sleep(forTimeInterval: 0.5)
        continue
      }
      switch try Dojo_Envelope.open(reply).body {
      case .sampleBatch(let b) where b.count > 0:
        return TrainingBatch(count: Int(b.count), observations: b.observations, legalMasks: b.legalMasks, policyTargets: b.policyTargets,
                             valueTargets: b.valueTargets)
      case .sampleBatch(let b):
        Thread.sleep(forTimeInterval: Double(max(b.retryAfterMs, 10)) / 1000)
      case .error(let e):
        throw RemoteError("the replay store refused the request: \(e.reason)")
      default:
        throw RemoteError("the replay store answered with an unexpected message")
      }
    }
    return nil
  }

  /// A learner's source of batches: blocks until the store has one; a failed request is logged
  /// with its reason and retried after a second; nil once stopping.
  public func batches(log: RoleLog) -> @Sendable (Int) -> TrainingBatch? {
    { [self] count in
      while !shouldStop() {
        do {
          if let batch = try sample(count) { return batch }
        } catch {
          log.warning("sampling from the replay store failed: \(error); retrying in 1 s")
          Thread.sleep(forTimeInterval: 1)
        }
      }
      return nil
    }
  }
}
