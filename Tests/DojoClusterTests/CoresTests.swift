import DojoConcurrency
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// "One actor per core" counts the cores the process may use (`taskset`, a container's cpuset), not
// the machine's: a thread limited to one core by its affinity mask sees 1.
@Test func coresFollowTheAffinityMask() throws {
  let machine = ProcessInfo.processInfo.activeProcessorCount
  #expect(Cores.available >= 1 && Cores.available <= machine)
  #if os(Linux)
  typealias Affinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
  let process = dlopen(nil, RTLD_NOW)
  let getAffinity = unsafeBitCast(try #require(dlsym(process, "sched_getaffinity")), to: Affinity.self)
  let setSymbol = try #require(dlsym(process, "sched_setaffinity"))
  // The lowest CPU this process may use (CPU 0 may be outside a container's cpuset).
  var allowed = [UInt64](repeating: 0, count: 16)
  #expect(allowed.withUnsafeMutableBytes { getAffinity(0, $0.count, $0.baseAddress!) } == 0)
  let word = try #require(allowed.firstIndex { $0 != 0 })
  var one = [UInt64](repeating: 0, count: 16)
  one[word] = allowed[word] & (~allowed[word] &+ 1)
  let single = one
  let seen = Locked<Int?>(nil), setAddress = Int(bitPattern: setSymbol)
  // A thread of its own, so the test's other threads keep their mask.
  let thread = Thread {
    let setAffinity = unsafeBitCast(UnsafeMutableRawPointer(bitPattern: setAddress)!, to: Affinity.self)
    var mask = single
    let status = mask.withUnsafeMutableBytes { setAffinity(0, $0.count, $0.baseAddress!) }
    seen.withLock { $0 = status == 0 ? Cores.available : -Int(errno) }
  }
  thread.start()
  while seen.withLock({ $0 }) == nil { usleep(1_000) }
  #expect(seen.withLock { $0 } == 1, "cores seen by a thread pinned to one CPU (negative: sched_setaffinity's errno)")
  #endif
}
