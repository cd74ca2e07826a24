import DojoGames
import Foundation
import Testing

@testable import DojoNN

let avx512 = Set(["avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"])

@Test func blasCoreSwitchesOnlyToABetterCore() {
  let none: [String: String] = [:]
  // The Intel Xeons here: OpenBLAS 0.3.21 picks its SSE3 kernels.
  #expect(BLASCore.switchTarget(current: "Prescott", cpuFlags: avx512.union(["avx512_bf16"]), environment: none) == "Cooperlake")
  // The AMD EPYCs with AVX-512: OpenBLAS picks its AVX2 kernels.
  #expect(BLASCore.switchTarget(current: "Haswell", cpuFlags: avx512, environment: none) == "SkylakeX")
  #expect(BLASCore.switchTarget(current: "Zen", cpuFlags: avx512, environment: none) == "SkylakeX")
  // An AVX2 CPU OpenBLAS does not know.
  #expect(BLASCore.switchTarget(current: "Prescott", cpuFlags: ["avx2", "fma", "sse3"], environment: none) == "Haswell")
  // Already as good, or better: left alone.
  #expect(BLASCore.switchTarget(current: "Zen", cpuFlags: ["avx2", "fma"], environment: none) == nil)
  #expect(BLASCore.switchTarget(current: "Cooperlake", cpuFlags: avx512.union(["avx512_bf16"]), environment: none) == nil)
  #expect(BLASCore.switchTarget(current: "SkylakeX", cpuFlags: avx512.union(["avx512_bf16"]), environment: none) == "Cooperlake")
  // Nothing to suggest without AVX2; an explicit choice is the user's.
  #expect(BLASCore.switchTarget(current: "Prescott", cpuFlags: ["sse3", "ssse3"], environment: none) == nil)
  #expect(BLASCore.switchTarget(current: "Prescott", cpuFlags: avx512, environment: ["OPENBLAS_CORETYPE": "Prescott"]) == nil)
}

/// The test process itself (which nobody started with OPENBLAS_CORETYPE) runs the best kernels
/// once a network exists, and they compute the same products as a plain loop.
@Test func thisProcessRunsTheBestOpenBLASKernelsAndTheyMultiplyCorrectly() {
  let network = PolicyValueNet(config: NetworkConfig(inputPlanes: 2, height: 3, width: 3, actionCount: 9, blocks: 1, channels: 8), seed: 1)
  _ = network
  let selection = BLASCore.select()
  if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, let want = BLASCore.preferred() {
    #expect(BLASCore.rank(BLASCore.current) >= BLASCore.rank(want), "\(selection); the CPU suggests \(want)")
  }
  #expect(selection.inUse == BLASCore.current)
  let seed: UInt64 = 7
  var rng = SplitMix64(seed: seed)
  let m = 37, n = 53, k = 71
  let a = (0..<(m * k)).map { _ in Float.random(in: -0.5..<0.5, using: &rng) }
  let b = (0..<(k * n)).map { _ in Float.random(in: -0.5..<0.5, using: &rng) }
  var c = [Float](repeating: 0, count: m * n)
  gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
  var worst: Float = 0
  for i in 0..<m {
    for j in 0..<n {
      var sum: Float = 0
      for p in 0..<k { sum += a[i * k + p] * b[p * n + j] }
      worst = max(worst, abs(sum - c[i * n + j]))
    }
  }
  #expect(worst < 1e-4, "seed \(seed), core \(BLASCore.current): largest difference \(worst)")
}
