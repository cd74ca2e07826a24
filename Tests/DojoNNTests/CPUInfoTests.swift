import Foundation
import Testing

@testable import DojoNN

/// /proc/cpuinfo is read once for both the model and the flags; the first core's lines count, and
/// a machine without the file (or without a line) gets nil and no flags rather than an error.
@Test func cpuInfoTakesTheFirstCoresModelAndFlags() {
  let text = """
    processor\t: 0
    vendor_id\t: AuthenticAMD
    model name\t: AMD EPYC 9B14: 96-Core
    flags\t\t: fpu sse2 avx2 fma avx512f avx512_vnni
    bugs\t\t: sysret_ss_attrs

    processor\t: 1
    model name\t: Some Other CPU
    flags\t\t: fpu sse2
    """
  let cpu = CPUInfo(cpuinfo: text)
  #expect(cpu.model == "AMD EPYC 9B14: 96-Core")
  #expect(cpu.flags == ["fpu", "sse2", "avx2", "fma", "avx512f", "avx512_vnni"])
  #expect(CPUInfo(cpuinfo: "") == CPUInfo(cpuinfo: "processor\t: 0\n"))
  #expect(CPUInfo(cpuinfo: "").model == nil && CPUInfo(cpuinfo: "").flags.isEmpty)
  // The process's own reading is this machine's /proc/cpuinfo, parsed the same way.
  let own = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
  #expect(CPUInfo.current == CPUInfo(cpuinfo: own))
  #expect(own.isEmpty || (CPUInfo.current.model != nil && !CPUInfo.current.flags.isEmpty), "this machine's cpuinfo names a model and flags")
}
