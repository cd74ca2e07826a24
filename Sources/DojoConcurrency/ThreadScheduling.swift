// The calling thread's name and scheduling priority, as the operating system sees them.
//
// Names: Foundation's `Thread.name` stays inside Foundation on Linux, so `top -H`, `perf` and
// /proc/PID/task/*/comm showed every thread of `dojo train` as "dojo". `name(_:)` sets the kernel's
// name (15 bytes at most).
//
// Priority: on Linux a nice value belongs to a thread, and setpriority(PRIO_PROCESS, 0, …) sets the
// calling thread's alone (the kernel reads "who = 0" as the current task); raising one's own needs
// no privilege. Self-play actors raise theirs, so where they share cores with the
// learner (`dojo train` on a small machine) the learner runs first and the actors, paced by the
// replay store's rate limiter anyway, take the cycles left over.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum ThreadScheduling {
  /// Gives the calling thread a name the kernel shows (truncated to 15 bytes).
  public static func name(_ name: String) {
    #if os(Linux)
    // pthread_setname_np is a _GNU_SOURCE declaration Swift's Glibc module leaves out; the kernel
    // takes the same name through /proc/thread-self/comm.
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    #endif
  }

  /// The kernel's name of the calling thread.
  public static var currentName: String {
    #if os(Linux)
    let fd = open("/proc/thread-self/comm", O_RDONLY)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 32)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return "" }
    return String(decoding: buffer.prefix(count).prefix { $0 != 10 }, as: UTF8.self)
    #else
    return ""
    #endif
  }

  /// The calling thread's nice value (-20 … 19); 0 where threads have none of their own.
  public static var currentNice: Int32 {
    #if os(Linux)
    errno = 0
    let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    return errno == 0 ? nice : 0
    #else
    return 0
    #endif
  }

  /// Sets the calling thread's nice value (clamped to -20 … 19) and returns the one it had, to
  /// restore with `setNice(_:)` when the work is done. Lowering a nice value needs privilege (root,
  /// or RLIMIT_NICE); where the call fails the thread keeps its priority and `nil` comes back.
  @discardableResult
  public static func setNice(_ nice: Int32) -> Int32? {
    #if os(Linux)
    let before = currentNice
    let status = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, min(max(nice, -20), 19))
    return status == 0 ? before : nil
    #else
    return nil
    #endif
  }

  /// Starts `body` on a thread of its own named `name` (in Foundation and in the kernel), with a
  /// 16 MiB stack, inside `group` (entered now, left when `body` returns): how a run starts a role.
  public static func spawn(_ name: String, group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
    group.enter()
    let thread = Thread {
      ThreadScheduling.name(name)
      body()
      group.leave()
    }
    thread.name = name
    thread.stackSize = 16 << 20
    thread.start()
  }

  /// Runs `body` with the calling thread's nice value raised by `by` (0: unchanged), then restores
  /// it where the process may lower it again (see `setNice`), so a thread borrowed from a pool gets
  /// its priority back after `body` returns; a thread of its own, an actor's, ends with `body`.
  public static func withNice<T>(raisedBy by: Int32, _ body: () throws -> T) rethrows -> T {
    guard by > 0, let before = setNice(currentNice + by) else { return try body() }
    defer { setNice(before) }
    return try body()
  }
}
