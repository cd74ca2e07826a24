// A tournament: a definition (players, format, rounds, openings, seed), its schedule, and its games
// played by `concurrency` workers. Each finished game is saved before it is counted, and a resumed
// tournament plays only the games its database lacks; results depend only on (seed, game index),
// so the final table is the same however the work was split or interrupted.

import DojoConcurrency
import DojoGames
import DojoNN
import DojoPlayers
import Foundation

public struct TournamentDefinition: Sendable, Equatable, Codable {
  /// The game's canonical name.
  public var game: String
  /// Player specs and display names (same order).
  public var players: [String]
  public var names: [String]
  public var format: TournamentFormat
  public var rounds: Int
  /// Games per pairing per round (even: colour-swapped pairs).
  public var gamesPerPairing: Int
  /// `random:K` or an openings file.
  public var openings: String
  public var seed: UInt64
  /// The player whose rating is fixed at 0.
  public var anchor: String
  /// For a two-player match: stop as soon as this test decides (on completed game pairs).
  public var sprt: SPRT?

  public init(game: String, players: [String], names: [String], format: TournamentFormat, rounds: Int, gamesPerPairing: Int,
              openings: String, seed: UInt64, anchor: String) {
    self.game = game
    self.players = players
    self.names = names
    self.format = format
    self.rounds = rounds
    self.gamesPerPairing = gamesPerPairing
    self.openings = openings
    self.seed = seed
    self.anchor = anchor
  }

  /// Checks everything that can be checked before a game is played; the message names the culprit.
  public func validate() throws {
    guard players.count >= 2 else { throw ArenaError.badInput("a tournament needs at least two players") }
    guard names.count == players.count, Set(names).count == names.count else {
      throw ArenaError.badInput("player names must be unique: \(names.joined(separator: ", "))")
    }
    guard names.contains(anchor) else { throw ArenaError.badInput("anchor '\(anchor)' is not a player (players: \(names.joined(separator: ", ")))") }
    guard rounds >= 1 else { throw ArenaError.badInput("rounds must be at least 1") }
    if sprt != nil && players.count != 2 { throw ArenaError.badInput("--sprt needs exactly two players") }
    guard gamesPerPairing >= 2, gamesPerPairing % 2 == 0 else {
      throw ArenaError.badInput("games per pairing must be even and at least 2 (colour-swapped pairs), not \(gamesPerPairing)")
    }
    for (i, p) in players.enumerated() {
      do { _ = try PlayerSpec(parsing: p) } catch { throw ArenaError.badInput("player \(i + 1): \(error)") }
    }
  }

  public var schedule: [ScheduledGame] {
    Schedule.make(format: format, players: players.count, rounds: rounds, gamesPerPairing: gamesPerPairing)
  }
}

public struct TournamentProgress: Sendable {
  public var done: Int
  public var total: Int
  public var seconds: Double
  /// Games finished in this session (a resumed tournament's earlier games excluded), for the rate.
  public var playedNow: Int
  public var latest: PlayedGame
  public var gamesPerSecond: Double { seconds > 0 ? Double(playedNow) / seconds : 0 }
  public var etaSeconds: Double { gamesPerSecond > 0 ? Double(total - done) / gamesPerSecond : .infinity }
}

/// Plays the games of `definition` that `store` lacks, on `concurrency` threads; returns all games.
public struct RunTournament: GameTask {
  public let definition: TournamentDefinition
  public let store: ResultStore
  public let concurrency: Int
  /// The precision checkpoint players run in (fp32: the networks as trained).
  public let precision: InferencePrecision
  public let progress: @Sendable (TournamentProgress) -> Void

  public init(definition: TournamentDefinition, store: ResultStore, concurrency: Int, precision: InferencePrecision = .fp32,
              progress: @escaping @Sendable (TournamentProgress) -> Void) {
    self.definition = definition
    self.precision = precision
    self.store = store
    self.concurrency = concurrency
    self.progress = progress
  }

  public func run<G: Game>(_ game: G) -> Result<[PlayedGame], Error> {
    do {
      let specs = try definition.players.map { try PlayerSpec(parsing: $0) }
      let openings = try OpeningSource(parsing: definition.openings)
      // Checks players and openings now, so bad input fails before any game; each checkpoint is
      // loaded once, and all workers' games evaluate it in shared batches.
      let check = try MatchRunner(game: game, players: specs, seed: definition.seed, openings: openings, precision: precision)
      var networks: [Int: SharedInference] = [:]
      for (i, engine) in check.engines {
        if let engine = engine as? InferenceEngine { networks[i] = SharedInference(engine: engine) }
      }
      let done = try store.load()
      let have = Set(done.map(\.game.index))
      let pending = definition.schedule.filter { !have.contains($0.index) }
      let progressState = SharedProgress(results: done, pending: pending, sprt: definition.sprt)
      let total = definition.schedule.count, start = Date()
      let store = self.store, seed = definition.seed, report = progress, shared = networks
      DispatchQueue.concurrentPerform(iterations: max(1, min(concurrency, max(pending.count, 1)))) { _ in
        for network in shared.values { network.join() }
        defer { for network in shared.values { network.leave() } }
        let runner: MatchRunner<G>
        do { runner = try MatchRunner(game: game, players: specs, seed: seed, openings: openings, shared: shared) } catch {
          progressState.fail(error)
          return
        }
        while let next = progressState.next() {
          do {
            let played = try runner.play(next)
            try store.save(played)
            let (count, now) = progressState.finish(played)
            report(TournamentProgress(done: count, total: total, seconds: Date().timeIntervalSince(start), playedNow: now, latest: played))
          } catch {
            progressState.fail(error)
            return
          }
        }
      }
      if let error = progressState.error { throw error }
      return .success(progressState.results.sorted { $0.game.index < $1.game.index })
    } catch {
      return .failure(error)
    }
  }
}

/// The work queue and results shared by the workers.
final class SharedProgress: Sendable {
  private struct State {
    var results: [PlayedGame]
    var pending: [ScheduledGame]
    var playedNow = 0
    var error: Error?
    /// Set once the SPRT has decided: no further games are started.
    var decided = false
  }
  private let state: Locked<State>
  let sprt: SPRT?

  init(results: [PlayedGame], pending: [ScheduledGame], sprt: SPRT?) {
    let decided = sprt.map { $0.verdict(llr: $0.llr(completedPairs(results))) != .continuing } ?? false
    state = Locked(State(results: results, pending: pending.reversed(), decided: decided))
    self.sprt = sprt
  }

  var results: [PlayedGame] { state.withLock { $0.results } }
  var error: Error? { state.withLock { $0.error } }
  var decided: Bool { state.withLock { $0.decided } }

  func next() -> ScheduledGame? {
    state.withLock { $0.error == nil && !$0.decided ? $0.pending.popLast() : nil }
  }

  func finish(_ g: PlayedGame) -> (Int, Int) {
    state.withLock { s in
      s.results.append(g)
      s.playedNow += 1
      if let sprt { s.decided = s.decided || sprt.verdict(llr: sprt.llr(completedPairs(s.results))) != .continuing }
      return (s.results.count, s.playedNow)
    }
  }

  func fail(_ e: Error) {
    state.withLock { if $0.error == nil { $0.error = e } }
  }
}

/// Player 0's results over the colour-swapped pairs of which both games are done.
public func completedPairs(_ games: [PlayedGame]) -> PairResult {
  var byOpening: [Int: [PlayedGame]] = [:]
  for g in games { byOpening[g.game.opening, default: []].append(g) }
  var pairs = PairResult()
  for (_, two) in byOpening where two.count == 2 {
    let scores = two.map { $0.game.first == 0 ? $0.scoreForFirst : 1 - $0.scoreForFirst }
    pairs.add(scores[0], scores[1])
  }
  return pairs
}
