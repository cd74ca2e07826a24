import CBLAS
import CDNNL
import CZeroMQ
import DojoNN
import DojoTestSupport
import Foundation
import Testing

@Test func openBLASMultipliesMatrices() {
  let a: [Float] = [1, 2, 3, 4]  // row-major 2×2
  let b: [Float] = [5, 6, 7, 8]
  var c = [Float](repeating: 0, count: 4)
  // Every test shares one process: BLAS is called only after the process's kernel choice is made.
  BLASCore.select()
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
  #expect(c == [19, 22, 43, 50])
}

@Test func zeroMQIsVersion4() {
  var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
  zmq_version(&major, &minor, &patch)
  #expect(major == 4 && minor >= 3)
}

@Test func oneDNNIsVersion2AndMakesAnEngine() {
  let version = dnnl_version()!.pointee
  #expect(version.major >= 2, "oneDNN \(version.major).\(version.minor)")
  var engine: dnnl_engine_t?
  #expect(dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success && engine != nil)
  dnnl_engine_destroy(engine)
}

@Test func dojoVersionNamesTheLibrariesAsTheyReportThemselves() throws {
  // `dojo --version` is what a bug report quotes: each native library's line must be that
  // library's own report in this build, and the CPU line this machine's.
  let output = temporaryDirectory("version") + "/version.txt"
  let process = try dojo(["--version"], output: output)
  process.waitUntilExit()
  let text = try String(contentsOfFile: output, encoding: .utf8)
  #expect(process.terminationStatus == 0, "\(text)")
  let lines = text.split(separator: "\n").map(String.init)
  #expect(lines.first?.hasPrefix("dojo ") == true, "\(text)")
  let dnnl = dnnl_version()!.pointee
  #expect(lines.contains { $0.hasPrefix("oneDNN \(dnnl.major).\(dnnl.minor).\(dnnl.patch)") }, "\(text)")
  // ... and the instruction set its kernels dispatch to, in oneDNN's own words (the child inherits any ONEDNN_MAX_CPU_ISA).
  let isa = String(cString: dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa())).replacingOccurrences(of: "cpu_isa_", with: "")
  #expect(lines.contains { $0.hasPrefix("oneDNN ") && $0.hasSuffix(", dispatching to \(isa)") }, "\(text)")
  var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
  zmq_version(&major, &minor, &patch)
  #expect(lines.contains("ZeroMQ \(major).\(minor).\(patch)"), "\(text)")
  #expect(lines.contains { $0.hasPrefix(String(cString: openblas_get_config()) + "; kernels: OpenBLAS core ") }, "\(text)")
  let cpu = try #require(lines.first { $0.hasPrefix("CPU: ") }, "\(text)")
  if let model = CPUInfo.current.model { #expect(cpu.hasPrefix("CPU: \(model) ("), "\(text)") }
  #expect(cpu.contains(CPUInfo.current.flags.contains("avx2") ? "(avx2," : "(no avx2,"), "\(text)")
}
