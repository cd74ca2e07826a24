// Drives an outside GTP engine (GNU Go, KataGo, Leela Zero, another `dojo gtp`) as a process: sends
// a command, reads its reply within a time limit. A hung or dead engine is an error naming what it
// was doing; the process is killed when the client goes away.

import Foundation

public final class GTPClient {
  public let command: String
  /// The engine's process id; it leads its own process group, so stopping it stops what it started.
  let pid: pid_t
  let input: Int32
  let reader: LineReader
  let errorReader: LineReader
  var nextID = 1
  var exitStatus: Int32?
  /// The last lines the engine wrote to its standard error (for error messages).
  var stderrTail: [String] = []

  public enum Failure: Error, Equatable, CustomStringConvertible {
    case cannotStart(String, String)
    case refused(command: String, message: String)
    case timedOut(command: String, seconds: Double)
    case exited(command: String, status: Int32, stderr: String)
    case malformed(command: String, reply: String)

    public var description: String {
      switch self {
      case let .cannotStart(cmd, why): "cannot start GTP engine '\(cmd)': \(why)"
      case let .refused(c, m): "the engine refused '\(c)': \(m)"
      case let .timedOut(c, s): "the engine gave no reply to '\(c)' within \(secondsText(s))"
      case let .exited(c, status, err): "the engine exited (status \(status)) before replying to '\(c)'" + (err.isEmpty ? "" : ": \(err)")
      case let .malformed(c, r): "the engine's reply to '\(c)' is not GTP: \(r)"
      }
    }
  }

  /// Starts `command` (run by /bin/sh, so it may carry arguments) with its standard input and output as the GTP channel.
  public init(command: String) throws(Failure) {
    self.command = command
    var toEngine: [Int32] = [0, 0], fromEngine: [Int32] = [0, 0], errors: [Int32] = [0, 0]
    // Close-on-exec: no other process started meanwhile (another engine) inherits an end and keeps it open.
    guard pipe(&toEngine) == 0, pipe(&fromEngine) == 0, pipe(&errors) == 0 else { throw .cannotStart(command, "no pipes: \(String(cString: strerror(errno)))") }
    for fd in toEngine + fromEngine + errors { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, toEngine[0], 0)
    posix_spawn_file_actions_adddup2(&actions, fromEngine[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
    for fd in toEngine + fromEngine + errors { posix_spawn_file_actions_addclose(&actions, fd) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    posix_spawnattr_setpgroup(&attributes, 0)
    let words: [String] = ["/bin/sh", "-c", "exec " + command]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var child: pid_t = 0
    let status = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, environ)
    close(toEngine[0])
    close(fromEngine[1])
    close(errors[1])
    guard status == 0 else {
      close(toEngine[1]); close(fromEngine[0]); close(errors[0])
      throw .cannotStart(command, String(cString: strerror(status)))
    }
    pid = child
    input = toEngine[1]
    // A write to an engine that has exited fails with EPIPE rather than killing this process.
    signal(SIGPIPE, SIG_IGN)
    reader = LineReader(fd: fromEngine[0])
    errorReader = LineReader(fd: errors[0])
  }

  deinit {
    stop()
    close(input)
    close(reader.fd)
    close(errorReader.fd)
  }

  /// Whether the engine is still running (reaps it if it has exited).
  public var isRunning: Bool {
    if exitStatus != nil { return false }
    var status: Int32 = 0
    if waitpid(pid, &status, WNOHANG) == pid {
      exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
      return false
    }
    return true
  }

  /// Sends `quit`, and kills the engine (and anything it started) if it has not gone within a second.
  public func stop() {
    guard isRunning else { return }
    _ = try? send("quit", timeout: 1)
    let deadline = Date().addingTimeInterval(1)
    while isRunning && Date() < deadline { usleep(10_000) }
    if isRunning {
      kill(-pid, SIGKILL)
      kill(pid, SIGKILL)
      var status: Int32 = 0
      _ = waitpid(pid, &status, 0)
      exitStatus = 128 + SIGKILL
    }
  }

  /// What the engine wrote to standard error lately.
  var errorText: String {
    while errorReader.hasInput, let line = try? errorReader.readLine(timeout: 0) {
      stderrTail.append(line)
      if stderrTail.count > 5 { stderrTail.removeFirst() }
    }
    return stderrTail.joined(separator: " | ")
  }

  /// Sends one command; its reply's text on success. A `?` reply, no reply within `timeout`
  /// seconds, or the engine's exit throws.
  @discardableResult
  public func send(_ line: String, timeout: Double = 30) throws(Failure) -> String {
    guard isRunning else { throw .exited(command: line, status: exitStatus ?? -1, stderr: errorText) }
    let id = nextID
    nextID += 1
    let bytes = Array("\(id) \(line)\n".utf8)
    var written = 0
    while written < bytes.count {
      let n = bytes.withUnsafeBytes { write(input, $0.baseAddress! + written, $0.count - written) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        usleep(50_000)
        _ = isRunning
        throw .exited(command: line, status: exitStatus ?? -1, stderr: errorText)
      }
      written += n
    }
    let deadline = Date().addingTimeInterval(timeout)
    var lines: [String] = []
    while true {
      let next: String?
      do {
        // In short waits, reading the engine's standard error in between, so a talkative engine
        // (KataGo logs at length) never blocks on a full pipe.
        next = try reader.readLine(timeout: min(0.1, max(0, deadline.timeIntervalSinceNow)))
      } catch {
        _ = errorText
        if deadline.timeIntervalSinceNow > 0 { continue }
        throw .timedOut(command: line, seconds: timeout)
      }
      guard let text = next else {
        var status: Int32 = 0
        if exitStatus == nil, waitpid(pid, &status, 0) == pid { exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
        throw .exited(command: line, status: exitStatus ?? -1, stderr: errorText)
      }
      if lines.isEmpty {
        // Anything before the reply's first line (a stray message) is skipped.
        guard text.first == "=" || text.first == "?" else { continue }
        lines.append(text)
      } else if text.isEmpty {
        break
      } else {
        lines.append(text)
      }
    }
    guard let reply = GTPReply(lines.joined(separator: "\n")) else { throw .malformed(command: line, reply: lines.joined(separator: "\n")) }
    if reply.id != nil && reply.id != id { throw .malformed(command: line, reply: "reply id \(reply.id!) for command id \(id)") }
    guard reply.success else { throw .refused(command: line, message: reply.text) }
    return reply.text
  }
}

func secondsText(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }
