// Dojo's log output through swift-log: a LogHandler that writes each line to the terminal and to a
// log file (train.log, RUN/logs/ROLE.log), as text or as JSON lines for log shippers.
//
// Text: the terminal shows the message alone (prefixed with the level from warning up, and with the
// role's name where several roles share one terminal); the file gets a timestamp before it.
// JSON: one object per line, on the terminal and in the file:
//   {"time":"2026-12-01T08:00:00.123Z","level":"info","label":"dojo.replay","message":"...","role":"replay","run":"runs/x"}
// with every metadata key at the top level.

import Foundation
import Logging

public enum LogFormat: String, CaseIterable, Sendable {
  case text, json
}

/// Where lines go: one lock per destination, so lines from any thread are written whole.
public final class LogDestination: @unchecked Sendable {
  let file: FileHandle?
  let format: LogFormat
  /// Printed before each terminal line in text format ("actor-0: "), or nothing.
  let terminalPrefix: String
  let echo: Bool
  let lock = NSLock()
  let stamp: ISO8601DateFormatter = {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f
  }()

  /// `path`: the log file (appended to; made if missing), or nil for the terminal alone.
  public init(path: String?, format: LogFormat, echo: Bool = true, terminalPrefix: String = "") {
    if let path {
      if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
      file = FileHandle(forWritingAtPath: path)
      _ = try? file?.seekToEnd()
    } else {
      file = nil
    }
    self.format = format
    self.echo = echo
    self.terminalPrefix = terminalPrefix
  }

  func write(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) {
    lock.withLock {
      let time = stamp.string(from: Date())
      switch format {
      case .text:
        let shown = level >= .warning ? "\(level): \(message)" : message
        if echo {
          print(terminalPrefix + shown)
          fflush(nil)
        }
        try? file?.write(contentsOf: Data("\(time) \(shown)\n".utf8))
      case .json:
        var object: [String: Any] = ["time": time, "level": level.rawValue, "label": label, "message": message]
        for (k, v) in metadata { object[k] = Self.json(v) }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        let line = String(decoding: data, as: UTF8.self)
        if echo {
          print(line)
          fflush(nil)
        }
        try? file?.write(contentsOf: Data((line + "\n").utf8))
      }
    }
  }

  static func json(_ value: Logger.MetadataValue) -> Any {
    switch value {
    case .string(let s): s
    case .stringConvertible(let c): c.description
    case .array(let a): a.map(json)
    case .dictionary(let d): d.mapValues(json)
    }
  }
}

public struct DojoLogHandler: LogHandler {
  public var logLevel: Logger.Level
  public var metadata: Logger.Metadata = [:]
  public var metadataProvider: Logger.MetadataProvider?
  let label: String
  let destination: LogDestination

  public init(label: String, destination: LogDestination, level: Logger.Level) {
    self.label = label
    self.destination = destination
    logLevel = level
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var all = metadata
    if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
    if let extra = event.metadata { all.merge(extra) { _, new in new } }
    destination.write(level: event.level, label: label, message: event.message.description, metadata: all)
  }
}

extension Logger {
  /// A logger writing to `destination` at `level` and above, with `metadata` on every line.
  public static func dojo(_ label: String, destination: LogDestination, level: Logger.Level, metadata: Logger.Metadata = [:]) -> Logger {
    var logger = Logger(label: label) { label in DojoLogHandler(label: label, destination: destination, level: level) }
    for (k, v) in metadata { logger[metadataKey: k] = v }
    return logger
  }
}

/// What a role logs through: a line and its level. Roles call `log("...")` for events (info),
/// `log.warning` for what a person should look at (a refused request, a retry, a peer that does not
/// answer), `log.error` for a failure the role goes on from, and `log.debug` for the detail of
/// routine work. The CLI hands roles a swift-log `Logger`; tests hand them a closure.
public struct RoleLog: Sendable {
  public let write: @Sendable (Logger.Level, String) -> Void

  public init(levels write: @escaping @Sendable (Logger.Level, String) -> Void) { self.write = write }

  /// Every line to `line`, the level written before it from warning up.
  public init(_ line: @escaping @Sendable (String) -> Void) {
    write = { level, message in line(level >= .warning ? "\(level): \(message)" : message) }
  }

  public init(_ logger: Logger) { write = { level, message in logger.log(level: level, "\(message)") } }

  /// Nothing is written.
  public static let silent = RoleLog(levels: { _, _ in })

  /// The same log with `prefix` before every line ("learner: ").
  public func prefixed(_ prefix: String) -> RoleLog { RoleLog(levels: { level, message in write(level, prefix + message) }) }

  public func callAsFunction(_ message: String) { write(.info, message) }
  public func debug(_ message: String) { write(.debug, message) }
  public func warning(_ message: String) { write(.warning, message) }
  public func error(_ message: String) { write(.error, message) }
}
