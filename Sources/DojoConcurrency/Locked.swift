// A value behind a lock, for state that threads share (counters, registries, the league's tables).
//
// Why not Synchronization's Mutex: on Linux it is a bare futex that ThreadSanitizer cannot see, so
// every correctly locked access looks like a race (measured: 4 threads updating a dictionary under
// Mutex.withLock, swiftc -sanitize=thread, Swift 6.3.1: a dozen false "data race" reports). This
// lock is a pthread mutex (through NSLock), which ThreadSanitizer models, so `tools/test`'s
// ThreadSanitizer pass reports only real races. Same shape as Mutex: `withLock { value in ... }`.

import Foundation

public final class Locked<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Value

  public init(_ value: Value) { self.value = value }

  /// Runs `body` with the value while holding the lock.
  @inline(__always)
  public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}

/// A lock around work that must run one at a time and guards no value of its own (a socket's
/// request and reply, a server's handler). `Locked(())` would do the same, but ThreadSanitizer
/// reports its zero-sized value's accesses as races (seen in a clean clone's TSan pass).
public final class Serial: @unchecked Sendable {
  private let lock = NSLock()

  public init() {}

  /// Runs `body` while holding the lock.
  public func run<Result>(_ body: () throws -> Result) rethrows -> Result {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }
}
