// The replay store as a role: actors submit finished games, the learner draws batches. A game is
// validated (replayed under the rules), written to the run database, and only then acknowledged
// and added to the window. A samples-per-insert rate limiter holds back whichever side runs ahead:
// `sample` waits for fresh data, `submit` waits (after storing) for the learner to catch up.
// Thread-safe; the in-process twin of the replay server the cluster runs over ZeroMQ.

import DojoTelemetry
import DojoConcurrency
import DojoGames
import DojoNN
import DojoSearch
import DojoWire
import Foundation

/// Who played a game: the game's registry name, the model's generation and the actor.
public struct GameOrigin: Sendable, Equatable {
  public var game: String
  public var generation: Int
  public var actor: String

  public init(game: String, generation: Int, actor: String) {
    self.game = game
    self.generation = generation
    self.actor = actor
  }
}

/// Where actors send finished games (in process: a ReplayStore; in a cluster: a client of one,
/// which encodes the game for the wire).
public protocol GameSink: Sendable {
  /// Stores `game` and returns its id once it is durable; throws if it was refused.
  func submit(_ game: GameRecord, origin: GameOrigin) throws -> Int64
}

public final class ReplayStore<G: Game>: GameSink, @unchecked Sendable {
  public let game: G
  /// The table's name (one per learning agent; "main" for a single learner).
  public let table: String
  let registryName: String
  let buffer: ReplayBuffer
  let store: RunStore?
  let limiter: RateLimiter
  let valueMix: Float
  let condition = NSCondition()
  /// Samples ever inserted (including those from before a resume) and drawn by the learner.
  var inserted = 0
  var sampled = 0
  var stopped = false
  var accepted = 0
  var rejected = 0
  var duplicates = 0
  var positions = 0
  /// How the games stored since this process started ended (draws, resignations, false resignations).
  var outcomes = OutcomeStatistics()

  public init(game: G, config: TrainingConfig, store: RunStore?, seed: UInt64, table: String = "main") {
    self.game = game
    self.table = table
    registryName = game.name
    buffer = ReplayBuffer(game: game, capacity: config.windowSize, seed: seed, mergeDuplicates: config.mergeDuplicates)
    if config.windowGrowthMinimum > 0 {
      let growth = WindowGrowth(minimum: config.windowGrowthMinimum)
      buffer.window = { growth.size(inserted: $0) }
    }
    self.store = store
    limiter = config.rateLimiter
    valueMix = config.valueTargetMix
  }

  /// After a restart: the window refilled from the newest stored games, the insert counter from all
  /// of them, and the learner's count of samples drawn from its checkpoint.
  public func restore(sampled: Int) throws {
    guard let store else { return }
    let counts = try store.gameCounts(table: table)
    for message in try store.recentGames(samples: buffer.capacity, table: table) {
      buffer.append(trainingSamples(from: try message.record(), game: game, valueMix: valueMix))
    }
    condition.lock()
    buffer.insertedBefore = counts.samples - buffer.inserted
    inserted = counts.samples
    accepted = counts.games
    self.sampled = sampled
    condition.unlock()
  }

  /// An in-process actor's game: validated, stored, acknowledged; waits while the learner is behind.
  public func submit(_ record: GameRecord, origin: GameOrigin) throws -> Int64 {
    let stored = Dojo_GameRecord(record, game: origin.game, generation: origin.generation, actor: origin.actor)
    switch try store([.success((record, stored))], waitForRoom: true)![0] {
    case let .success(id): return id
    case let .failure(refusal): throw refusal
    }
  }

  /// Games from the wire: each decoded, validated and stored in one transaction (see `store`).
  public func submit(_ messages: [Dojo_GameRecord], waitForRoom: Bool) throws -> [Result<Int64, InvalidGame>]? {
    try store(messages.map { m in
      do { return .success((try m.record(), m)) } catch { return .failure(InvalidGame("\(error)")) }
    }, waitForRoom: waitForRoom)
  }

  /// Validates and stores `games` (each decoded, with the protobuf record that is its stored form)
  /// in one transaction; each is stored (its id) or refused (the reason). With `waitForRoom` the
  /// caller waits afterwards while the learner is behind; without, nothing is stored and nil comes
  /// back if the learner is behind now (a server's answer "busy").
  func store(_ games: [Result<(GameRecord, Dojo_GameRecord), InvalidGame>], waitForRoom: Bool) throws -> [Result<Int64, InvalidGame>]? {
    if !waitForRoom {
      let room = condition.withLock { stopped || limiter.canInsert(inserted: inserted, sampled: sampled) }
      if !room { return nil }
    }
    var results: [Result<Int64, InvalidGame>] = []
    var valid: [(message: Dojo_GameRecord, samples: Int)] = []
    var validSamples: [[TrainingSample]] = []
    var validRecords: [GameRecord] = []
    var plies = 0
    for decoded in games {
      do {
        let (record, message) = try decoded.get()
        guard message.game == registryName else { throw InvalidGame("a game of \(message.game), but this store holds \(registryName)") }
        try validate(record, in: game)
        let samples = trainingSamples(from: record, game: game, valueMix: valueMix)
        valid.append((message, samples.count))
        validSamples.append(samples)
        validRecords.append(record)
        plies += record.moves.count
        results.append(.success(-1))
      } catch let e as InvalidGame {
        results.append(.failure(e))
      }
    }
    let stored = try store?.insertGames(valid, table: table) ?? valid.map { _ in RunStore.StoredGame(id: -1, isNew: true) }
    var ids = stored.map(\.id)
    condition.lock()
    // A resent game (stored before, its acknowledgement lost) is acknowledged again, not learned twice.
    for ((samples, record), s) in zip(zip(validSamples, validRecords), stored) where s.isNew {
      buffer.append(samples)
      inserted += samples.count
      outcomes.count(record)
    }
    accepted += stored.filter(\.isNew).count
    duplicates += stored.count - stored.filter(\.isNew).count
    rejected += games.count - valid.count
    positions += plies
    DojoMetrics.gamesStored.increment(by: stored.filter(\.isNew).count)
    DojoMetrics.samplesInserted.increment(by: zip(validSamples, stored).filter { $0.1.isNew }.map(\.0.count).reduce(0, +))
    if games.count > valid.count { DojoMetrics.gamesRefused("invalid").increment(by: games.count - valid.count) }
    DojoMetrics.windowSamples.record(buffer.count)
    condition.broadcast()
    // Back-pressure: the games are stored; the caller waits here until the learner has caught up.
    while waitForRoom && !stopped && !limiter.canInsert(inserted: inserted, sampled: sampled) { condition.wait() }
    condition.unlock()
    for i in results.indices where (try? results[i].get()) != nil {
      results[i] = .success(ids.removeFirst())
    }
    return results
  }

  /// A batch once the rate limiter allows it, or nil when the store is stopped.
  public func sample(_ size: Int) -> TrainingBatch? {
    condition.lock()
    defer { condition.unlock() }
    while !stopped && !limiter.canSample(size, inserted: inserted, sampled: sampled) { condition.wait() }
    if stopped { return nil }
    sampled += size
    DojoMetrics.samplesDrawn.increment(by: size)
    condition.broadcast()
    return buffer.sample(size)
  }

  /// A batch if the rate limiter allows one now, else nil (a server's answer "retry").
  public func trySample(_ size: Int) -> TrainingBatch? {
    condition.lock()
    defer { condition.unlock() }
    guard !stopped && limiter.canSample(size, inserted: inserted, sampled: sampled) else { return nil }
    sampled += size
    DojoMetrics.samplesDrawn.increment(by: size)
    condition.broadcast()
    return buffer.sample(size)
  }

  /// Wakes every waiting actor and learner; `sample` returns nil from now on.
  public func stop() {
    condition.lock()
    stopped = true
    condition.broadcast()
    condition.unlock()
  }

  public struct Statistics: Sendable, Equatable {
    public var gamesAccepted: Int
    public var gamesRejected: Int
    /// Games resent after a lost acknowledgement: acknowledged again with their stored id, not stored twice.
    public var duplicates: Int = 0
    /// Moves in the games accepted since this process started.
    public var positions: Int
    public var samplesInserted: Int
    public var samplesDrawn: Int
    public var windowSize: Int
    /// Samples averaged into a position already in the window (`merge_duplicates`).
    public var samplesMerged = 0
    /// How the games stored since this process started ended.
    public var outcomes = OutcomeStatistics()
  }

  public var statistics: Statistics {
    condition.lock()
    defer { condition.unlock() }
    return Statistics(gamesAccepted: accepted, gamesRejected: rejected, duplicates: duplicates, positions: positions, samplesInserted: inserted,
                      samplesDrawn: sampled, windowSize: buffer.windowCount, samplesMerged: buffer.merged, outcomes: outcomes)
  }
}

/// A checkpoint as the roles pass it around: the one the learner wrote, the candidate the evaluator
/// gates, the model the actors should play with. (On the wire: `Dojo_ModelAnnouncement`.)
public struct CheckpointReference: Sendable, Equatable, Codable {
  public var generation: Int
  /// Its folder (model.safetensors, optimizer.safetensors, meta.json) on this machine.
  public var path: String
  /// The SHA-256 of model.safetensors, checked by whoever loads it.
  public var sha256: String
  /// Optimizer steps when it was written; 0 where not known (a model heard of over the wire).
  public var steps: Int

  public init(generation: Int, path: String, sha256: String, steps: Int = 0) {
    self.generation = generation
    self.path = path
    self.sha256 = sha256
    self.steps = steps
  }
}

/// Where actors hear of new models (in process: a ModelBoard; in a cluster: a subscription).
public protocol ModelFeed: Sendable {
  var latest: CheckpointReference? { get }
}

/// The current best model, published by the learner (no gating) or the evaluator.
public final class ModelBoard: ModelFeed, Sendable {
  let current: Locked<CheckpointReference?>

  public init(_ initial: CheckpointReference? = nil) { current = Locked(initial) }

  public var latest: CheckpointReference? { current.withLock { $0 } }

  public func publish(_ model: CheckpointReference) { current.withLock { $0 = model } }
}

extension ReplayStore {
  /// Whether an insert would be taken now without waiting for the learner.
  public var canInsertNow: Bool { condition.withLock { limiter.canInsert(inserted: inserted, sampled: sampled) } }
}
