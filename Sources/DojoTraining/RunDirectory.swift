// Finding things in a run directory: its best model, its newest checkpoint. Written once, for
// `dojo train`, the cluster's learner and evaluator, `dojo play` and `dojo eval`.

import DojoNN
import Foundation

/// Finding things in a run directory.
public enum RunDirectory {
  /// `path` itself if it is a checkpoint; for a run directory, its best model (the newest checkpoint
  /// the evaluator accepted), or its newest checkpoint when none has been gated yet.
  public static func checkpoint(_ path: String) throws -> String {
    let fm = FileManager.default
    if fm.fileExists(atPath: path + "/meta.json") { return path }
    guard fm.fileExists(atPath: path + "/checkpoints") else {
      throw InvalidRun("\(path) is neither a checkpoint (no meta.json) nor a run directory (no checkpoints/)")
    }
    if fm.fileExists(atPath: path + "/run.sqlite"),
      let best = try bestAccepted(RunStore(path: path + "/run.sqlite"), folder: path + "/checkpoints", game: nil) {
      return best.checkpoint.path
    }
    return try newestCheckpoint(path)
  }

  /// The checkpoint folders of a run (names that are generation numbers), oldest first.
  static func checkpointNames(_ run: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints")) ?? []).filter { Int($0) != nil }.sorted()
  }

  /// The newest checkpoint in a run directory.
  public static func newestCheckpoint(_ run: String) throws -> String {
    guard let last = checkpointNames(run).last else { throw InvalidRun("\(run) has no checkpoint yet") }
    return "\(run)/checkpoints/\(last)"
  }

  /// The newest checkpoint that loads whole for `game` and `architecture`; one that does not (a
  /// damaged file; a partial one cannot exist, writes are atomic) is reported to `log` and skipped.
  public static func newestLoadable(_ run: String, game: String, architecture: NetworkConfig,
                                    log: (String) -> Void) -> Checkpoint.Loaded? {
    for name in checkpointNames(run).reversed() {
      do {
        return try Checkpoint.read("\(run)/checkpoints/\(name)", game: game, architecture: architecture)
      } catch {
        log("skipping checkpoint \(name): \(error)")
      }
    }
    return nil
  }

  /// The best model so far: the newest accepted gate (at or before `generation`) whose checkpoint is
  /// still in `folder` (`RUN/checkpoints`, or a cluster evaluator's `RUN/candidates`), with its rating.
  public static func bestAccepted(_ store: RunStore, folder: String, game: String?, atOrBefore generation: Int = .max) throws
    -> (checkpoint: CheckpointReference, rating: Double)? {
    for gate in try store.gates().reversed() where gate.accepted && gate.candidate <= generation {
      let path = folder + "/" + String(format: "%06d", gate.candidate)
      guard let meta = try? Checkpoint.metadata(path, game: game) else { continue }
      return (CheckpointReference(generation: gate.candidate, path: path, sha256: meta.modelSHA256, steps: meta.trainingSteps), gate.rating)
    }
    return nil
  }

  /// For a curve against training time: at every `every` seconds of `clock`, the newest checkpoint
  /// written by then (a mark with none, or the same one as the mark before, is left out); the last
  /// mark is the newest checkpoint's time, so the run's last checkpoint always ends the curve.
  public static func checkpointsAtMarks(_ checkpoints: [RunStore.CheckpointRecord], clock: TrainingClock, every: Double)
    -> [(minutes: Double, checkpoint: RunStore.CheckpointRecord)] {
    let timed = checkpoints.map { (seconds: clock.seconds(at: $0.at), checkpoint: $0) }
      .sorted { ($0.seconds, $0.checkpoint.at) < ($1.seconds, $1.checkpoint.at) }
    guard let last = timed.last, every > 0 else { return [] }
    var out: [(minutes: Double, checkpoint: RunStore.CheckpointRecord)] = []
    var mark = every
    while mark < last.seconds + every {
      let clock = min(mark, last.seconds)
      if let c = timed.last(where: { $0.seconds <= clock })?.checkpoint, c.generation != out.last?.checkpoint.generation {
        out.append((clock / 60, c))
      }
      mark += every
    }
    return out
  }
}

/// A run's training time: wall time since its first game, less the stops between a run's sessions
/// (`dojo train --resume`, found in `RunStore.trainingClock` as stretches in which no game finished).
public struct TrainingClock: Sendable, Equatable {
  /// The wall time (seconds since 1970) of the run's first game.
  public var start: Double
  /// Stretches of wall time in which the run was stopped, in order, not overlapping.
  public var stops: [ClosedRange<Double>]

  public init(start: Double, stops: [ClosedRange<Double>] = []) {
    self.start = start
    self.stops = stops
  }

  /// Seconds of training from the first game to wall time `t` (time inside a stop does not count).
  public func seconds(at t: Double) -> Double {
    var s = t - start
    for stop in stops where stop.lowerBound < t { s -= min(t, stop.upperBound) - stop.lowerBound }
    return max(0, s)
  }
}
