// How many cores this process may run on, for "one actor per core" defaults.
//
// ProcessInfo.activeProcessorCount counts the machine's online cores on Linux and ignores the
// process's affinity mask, so `taskset -c 0 dojo train` (or a container limited by a cpuset)
// started one actor per core of the whole machine on its one core. The mask is the answer:
// sched_getaffinity, looked up at run time because Swift's Glibc module leaves it out (it is a
// _GNU_SOURCE declaration).

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum Cores {
  /// The cores in this thread's affinity mask (inherited from the process's at its start); the
  /// machine's active processors where the mask cannot be read.
  public static var available: Int {
    affinityCount() ?? ProcessInfo.processInfo.activeProcessorCount
  }

  private typealias GetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32

  static func affinityCount() -> Int? {
    #if os(Linux)
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "sched_getaffinity") else { return nil }
    let getAffinity = unsafeBitCast(symbol, to: GetAffinity.self)
    // 1,024 CPUs, glibc's cpu_set_t.
    var mask = [UInt64](repeating: 0, count: 16)
    let status = mask.withUnsafeMutableBytes { getAffinity(0, $0.count, $0.baseAddress!) }
    let count = mask.reduce(0) { $0 + $1.nonzeroBitCount }
    return status == 0 && count > 0 ? count : nil
    #else
    return nil
    #endif
  }
}
