import DojoConcurrency
import DojoTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// A role's thread carries its name into the kernel (top -H, perf, /proc), and an actor's raised
// nice value holds while it plays and is given back afterwards.
@Test func threadsNameThemselvesAndRaiseTheirNiceForAWhile() throws {
  #if os(Linux)
  struct Seen: Sendable { var name = "", before: Int32 = 0, inside: Int32 = 0, after: Int32 = 0, kernelInside = -100 }
  let seen = Locked<Seen?>(nil)
  let thread = Thread {
    ThreadScheduling.name("dojo-test-thread-long-name")
    var s = Seen(name: ThreadScheduling.currentName, before: ThreadScheduling.currentNice)
    ThreadScheduling.withNice(raisedBy: 3) {
      s.inside = ThreadScheduling.currentNice
      s.kernelInside = kernelThreads().first { $0.name == s.name }?.nice ?? -100
    }
    s.after = ThreadScheduling.currentNice
    seen.withLock { $0 = s }
  }
  thread.start()
  while seen.withLock({ $0 }) == nil { usleep(1_000) }
  let s = try #require(seen.withLock { $0 })
  #expect(s.name == "dojo-test-threa", "the kernel keeps 15 bytes of a thread's name")
  let expected = min(s.before + 3, 19)
  #expect(s.inside == expected && s.kernelInside == Int(expected), "nice before \(s.before), inside \(s.inside), /proc \(s.kernelInside)")
  // Lowering a nice value again needs privilege (root, or RLIMIT_NICE): CI runs as root.
  if getuid() == 0 { #expect(s.after == s.before, "nice after \(s.after), before \(s.before)") }
  // Nothing raised: nothing changes.
  #expect(ThreadScheduling.withNice(raisedBy: 0) { ThreadScheduling.currentNice } == ThreadScheduling.currentNice)
  #endif
}
