// Choosing OpenBLAS's kernels. Debian's OpenBLAS 0.3.21 does not recognise newer AMD CPUs with
// AVX-512 and falls back to its Haswell (AVX2) kernels; told the core type, its AVX-512 kernels run
// sgemm 1.7× faster (measured on the project's EPYC machines: 88 → 150-168 GFLOP/s on one core).
// OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded, so the choice must be made before the
// process starts: `dojo` re-executes itself with it set (see DojoCLI/Main.swift).

import CBLAS
import Foundation

public enum BLASCore {
  /// The OpenBLAS core type to ask for on this CPU, or nil to leave OpenBLAS's own choice:
  /// Cooperlake with AVX-512 and bfloat16, SkylakeX with AVX-512 (F, BW, DQ, VL).
  public static func preferred(cpuFlags: Set<String> = cpuFlags()) -> String? {
    guard ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) else { return nil }
    return cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
  }

  /// The CPU's feature flags from /proc/cpuinfo (empty where there is none).
  public static func cpuFlags() -> Set<String> {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return [] }
    return Set(line.split(separator: ":").last!.split(separator: " ").map(String.init))
  }

  /// The core type OpenBLAS is using in this process.
  public static var current: String { String(cString: openblas_get_corename()) }

  /// Whether the running process should re-execute itself with OPENBLAS_CORETYPE set: only when
  /// nobody set it and a better core than OpenBLAS's own guess exists.
  public static func coreToRequest(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
    guard environment["OPENBLAS_CORETYPE"] == nil else { return nil }
    return preferred()
  }
}
