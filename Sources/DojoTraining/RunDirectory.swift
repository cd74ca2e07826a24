// Finding things in a run directory: its best model, its newest checkpoint.

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
    if fm.fileExists(atPath: path + "/run.sqlite"), let best = try RunStore(path: path + "/run.sqlite").gates().last(where: \.accepted) {
      let p = "\(path)/checkpoints/" + String(format: "%06d", best.candidate)
      if fm.fileExists(atPath: p + "/meta.json") { return p }
    }
    let names = try fm.contentsOfDirectory(atPath: path + "/checkpoints").filter { Int($0) != nil }.sorted()
    guard let last = names.last else { throw InvalidRun("\(path) has no checkpoint yet") }
    return "\(path)/checkpoints/\(last)"
  }
}

extension RunDirectory {
  /// The newest checkpoint in a run directory.
  public static func newestCheckpoint(_ run: String) throws -> String {
    let names = try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints").filter { Int($0) != nil }.sorted()
    guard let last = names.last else { throw InvalidRun("\(run) has no checkpoint yet") }
    return "\(run)/checkpoints/\(last)"
  }
}
