// Stopping, written once: every role loop of a process is handed a token and ends when it is set.

import Synchronization

/// A request to stop, shared by the roles of one process: set once (Ctrl-C, a limit reached, a
/// test) and read by every loop. Lock-free, so a signal handler may set it.
public final class StopToken: Sendable {
  private let flag = Atomic<Bool>(false)

  public init() {}

  public func request() { flag.store(true, ordering: .sequentiallyConsistent) }
  public var isRequested: Bool { flag.load(ordering: .sequentiallyConsistent) }
}
