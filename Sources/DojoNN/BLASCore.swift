// Choosing OpenBLAS's kernels. Debian's OpenBLAS 0.3.21 does not recognise newer CPUs: on newer AMD
// CPUs with AVX-512 it falls back to its Haswell (AVX2) kernels, on newer Intel Xeons to its SSE3
// "Prescott" kernels. Told the core type, it runs sgemm 1.7× (AMD) to 3.4× (Intel) faster
// (measured: 88 → 150-168 GFLOP/s on an EPYC core; 26 → 89 GFLOP/s on a Xeon core).
//
// OpenBLAS reads OPENBLAS_CORETYPE when it is loaded, before any Swift code runs. Its dynamic-arch
// builds (Debian's) export the two functions that choose the kernel table, so DojoNN chooses again,
// in process, before its first BLAS call: the `dojo` binary, the tests and any program that links
// DojoNN all run the best kernels, with nothing to set. An explicit OPENBLAS_CORETYPE is respected.

import CBLAS
import Foundation

public enum BLASCore {
  /// The OpenBLAS core type to ask for on this CPU, or nil to leave OpenBLAS's own choice:
  /// Cooperlake with AVX-512 and bfloat16, SkylakeX with AVX-512 (F, BW, DQ, VL), Haswell with
  /// AVX2 and FMA.
  public static func preferred(cpuFlags: Set<String> = CPUInfo.current.flags) -> String? {
    if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) {
      return cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
    }
    return ["avx2", "fma"].allSatisfy(cpuFlags.contains) ? "Haswell" : nil
  }

  /// How capable a core type's kernels are (x86-64 only; anything unlisted counts as the least).
  /// OpenBLAS's Zen and Excavator kernels are its AVX2 kernels tuned for AMD: equal to Haswell.
  static func rank(_ core: String) -> Int {
    switch core.lowercased() {
    case "cooperlake", "sapphirerapids": return 5
    case "skylakex": return 4
    case "haswell", "zen", "excavator": return 3
    case "sandybridge", "bulldozer", "piledriver", "steamroller": return 2
    default: return 0
    }
  }

  /// The core to switch to, given OpenBLAS's own choice: nil when the user set OPENBLAS_CORETYPE,
  /// when the CPU suggests nothing, or when OpenBLAS's choice is at least as capable.
  public static func switchTarget(
    current: String, cpuFlags: Set<String>, environment: [String: String]
  ) -> String? {
    guard environment["OPENBLAS_CORETYPE"] == nil, let want = preferred(cpuFlags: cpuFlags) else { return nil }
    return rank(want) > rank(current) ? want : nil
  }

  /// The core type OpenBLAS is using in this process.
  public static var current: String { String(cString: openblas_get_corename()) }

  /// OpenBLAS's version and build options as it reports them (`OpenBLAS 0.3.21 DYNAMIC_ARCH ...`).
  public static var configuration: String { String(cString: openblas_get_config()) }

  /// What the selection did: OpenBLAS's own choice, the core in use, and why.
  public struct Selection: Sendable, CustomStringConvertible {
    public let openBLASChoice: String
    public let inUse: String
    public let reason: String
    public var description: String { "OpenBLAS core \(inUse) (\(reason))" }
  }

  /// Chooses the best kernels once per process, before DojoNN's first BLAS call (every network,
  /// engine and BLAS helper in DojoNN goes through it). Call it early in `main` to make the choice
  /// before other threads start; later calls return the first one's result.
  @discardableResult
  public static func select() -> Selection { selection }

  private static let selection: Selection = {
    let own = current
    let environment = ProcessInfo.processInfo.environment
    if let set = environment["OPENBLAS_CORETYPE"] {
      return Selection(openBLASChoice: own, inUse: own, reason: "OPENBLAS_CORETYPE=\(set)")
    }
    guard let target = switchTarget(current: own, cpuFlags: CPUInfo.current.flags, environment: environment) else {
      return Selection(openBLASChoice: own, inUse: own, reason: "OpenBLAS's own choice")
    }
    // gotoblas_dynamic_quit forgets the kernel table; gotoblas_dynamic_init chooses one again,
    // reading OPENBLAS_CORETYPE. Both exist only in dynamic-arch builds: looked up, not linked.
    guard let quit = dlsym(nil, "gotoblas_dynamic_quit"),
      let initialize = dlsym(nil, "gotoblas_dynamic_init")
    else {
      return Selection(openBLASChoice: own, inUse: own, reason: "OpenBLAS's own choice: this build cannot switch (not dynamic-arch)")
    }
    typealias Function = @convention(c) () -> Void
    setenv("OPENBLAS_CORETYPE", target, 1)
    unsafeBitCast(quit, to: Function.self)()
    unsafeBitCast(initialize, to: Function.self)()
    let now = current
    return Selection(
      openBLASChoice: own, inUse: now,
      reason: now.lowercased() == target.lowercased() ? "chosen for this CPU over OpenBLAS's \(own)" : "asked for \(target), OpenBLAS kept \(now)")
  }()
}
