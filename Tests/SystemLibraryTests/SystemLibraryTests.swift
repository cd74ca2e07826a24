import CBLAS
import CDNNL
import CZeroMQ
import DojoNN
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
