// The CPU this process runs on, as Linux describes it: what the kernel and precision choices ask.

import Foundation

/// The CPU as /proc/cpuinfo describes its first core: its model name and feature flags, read once
/// per process (the kernel choices, `auto` precision and `dojo --version` all ask).
public struct CPUInfo: Sendable, Equatable {
  /// "AMD EPYC", "Intel(R) Xeon(R) ..." (nil where /proc/cpuinfo names none).
  public let model: String?
  /// "avx2", "avx512_vnni", "amx_bf16", ... (empty where there is no /proc/cpuinfo).
  public let flags: Set<String>

  public static let current = CPUInfo(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")

  /// Parses /proc/cpuinfo's text; only the first "model name" and "flags" lines count.
  public init(cpuinfo text: String) {
    var model: String?
    var flags: Set<String>?
    for line in text.split(separator: "\n") where model == nil || flags == nil {
      let parts = line.split(separator: ":", maxSplits: 1)
      guard parts.count == 2 else { continue }
      switch parts[0].trimmingCharacters(in: .whitespaces) {
      case "model name" where model == nil: model = parts[1].trimmingCharacters(in: .whitespaces)
      case "flags" where flags == nil: flags = Set(parts[1].split(separator: " ").map(String.init))
      default: break
      }
    }
    self.model = model
    self.flags = flags ?? []
  }
}
