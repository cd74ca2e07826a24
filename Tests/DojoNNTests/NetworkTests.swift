import Foundation
import Testing
@testable import DojoNN
import CDNNL
import DojoGames

let tiny = NetworkConfig(inputPlanes: 3, height: 3, width: 4, actionCount: 5, blocks: 2, channels: 4,
                         policyChannels: 2, valueChannels: 3, valueHidden: 6)

@Test("training forward matches the naive reference", arguments: ValueHead.allCases, ConvolutionBackend.allCases)
func trainingForwardMatchesReference(head: ValueHead, backend: ConvolutionBackend) {
  var config = tiny
  config.valueHead = head
  let seed: UInt64 = 11
  let net = PolicyValueNet(config: config, seed: seed)
  net.convolutionBackend = backend
  defer { #expect(net.oneDNNFailure == nil && net.convolutionBackend == backend, "\(net.oneDNNFailure ?? "")") }
  scrambleBatchNorm(net, seed: seed)
  let batch = randomBatch(config, count: 3, seed: seed)
  let reference = NaiveNet(net: net).forward(observations: batch.observations, masks: batch.legalMasks, batch: 3, train: true)
  net.forward(batch)
  let probs = net.work.buffer("probs", 0), vout = net.work.buffer("vout", 0)
  for i in 0..<reference.probs.count { #expect(abs(Double(probs[i]) - reference.probs[i]) < 1e-4, "seed \(seed), prob \(i)") }
  for i in 0..<reference.values.count { #expect(abs(Double(vout[i]) - reference.values[i]) < 1e-4, "seed \(seed), value \(i)") }
  // Illegal actions get exactly zero.
  for i in 0..<batch.legalMasks.count where batch.legalMasks[i] == 0 { #expect(probs[i] == 0) }
}

@Test("inference (batch norm folded) matches the naive reference with running statistics",
      arguments: ValueHead.allCases, ConvolutionBackend.allCases)
func inferenceMatchesReference(head: ValueHead, backend: ConvolutionBackend) {
  var config = tiny
  config.valueHead = head
  let seed: UInt64 = 12
  let net = PolicyValueNet(config: config, seed: seed)
  scrambleBatchNorm(net, seed: seed)
  let batch = randomBatch(config, count: 4, seed: seed)
  let reference = NaiveNet(net: net).forward(observations: batch.observations, masks: batch.legalMasks, batch: 4, train: false)
  let engine = InferenceEngine(network: net, backend: backend)
  var priors = [Float](repeating: -1, count: 4 * config.actionCount), values = [Float](repeating: -9, count: 4)
  engine.evaluate(count: 4, observations: batch.observations, legalMasks: batch.legalMasks, priors: &priors, values: &values)
  #expect(engine.backendDescription.hasPrefix(backend.rawValue), "ran on \(engine.backendDescription)")
  for i in 0..<priors.count { #expect(abs(Double(priors[i]) - reference.probs[i]) < 1e-4, "seed \(seed), prior \(i)") }
  for b in 0..<4 {
    let expected = head == .tanh ? reference.values[b] : reference.values[b * 3] - reference.values[b * 3 + 2]
    #expect(abs(Double(values[b]) - expected) < 1e-4, "seed \(seed), value \(b)")
  }
}

@Test("every parameter's gradient matches finite differences", arguments: ValueHead.allCases, ConvolutionBackend.allCases)
func gradientsMatchFiniteDifferences(head: ValueHead, backend: ConvolutionBackend) {
  var config = tiny
  config.valueHead = head
  let seed: UInt64 = 13
  let net = PolicyValueNet(config: config, seed: seed)
  net.convolutionBackend = backend
  defer { #expect(net.oneDNNFailure == nil && net.convolutionBackend == backend, "\(net.oneDNNFailure ?? "")") }
  scrambleBatchNorm(net, seed: seed)
  let batch = randomBatch(config, count: 3, seed: seed)
  net.lossAndGradients(batch, valueWeight: 0.7)
  let analytic = Array(UnsafeBufferPointer(start: net.gradients, count: net.layout.totalCount))
  // Central differences at two step sizes. Where they disagree a ReLU changed sign inside the step
  // (a kink), so that entry says nothing; everywhere else the analytic gradient must match. A real
  // bug gives a consistent mismatch, and most entries must be checkable.
  func numeric(_ i: Int, _ h: Float) -> Float {
    let original = net.parameters[i]
    net.parameters[i] = original + h
    net.forward(batch)
    let up = net.loss(batch, valueWeight: 0.7).total
    net.parameters[i] = original - h
    net.forward(batch)
    let down = net.loss(batch, valueWeight: 0.7).total
    net.parameters[i] = original
    return (up - down) / (2 * h)
  }
  var rng = SplitMix64(seed: seed)
  var checked = 0, kinks = 0
  for t in net.layout.tensors {
    for _ in 0..<min(6, t.count) {
      let i = t.offset + rng.next(below: t.count)
      let coarse = numeric(i, 2e-3), fine = numeric(i, 1e-3)
      let tolerance = 2e-3 + 2e-2 * abs(fine)
      if abs(coarse - fine) > tolerance / 2 {
        kinks += 1
        continue
      }
      #expect(abs(fine - analytic[i]) <= tolerance, "seed \(seed): \(t.name)[\(i - t.offset)] numeric \(fine) analytic \(analytic[i])")
      checked += 1
    }
  }
  #expect(checked >= 4 * kinks && checked > 60, "seed \(seed): \(checked) checked, \(kinks) at kinks")
}

@Test func im2colAndCol2imAreAdjoint() {
  // <im2col(x), y> = <x, col2im(y)>: col2im is the exact backward of im2col.
  var rng = SplitMix64(seed: 5)
  let g = Geometry(height: 4, width: 5), channels = 3, batch = 2, n = batch * g.cells
  let x = (0..<(channels * n)).map { _ in normal(&rng) }
  let y = (0..<(channels * 9 * n)).map { _ in normal(&rng) }
  var col = [Float](repeating: 0, count: y.count), back = [Float](repeating: 0, count: x.count)
  x.withUnsafeBufferPointer { xp in col.withUnsafeMutableBufferPointer { im2col3x3(xp.baseAddress!, channels: channels, batch: batch, g, $0.baseAddress!) } }
  y.withUnsafeBufferPointer { yp in back.withUnsafeMutableBufferPointer { col2im3x3(yp.baseAddress!, channels: channels, batch: batch, g, $0.baseAddress!) } }
  let lhs = zip(col, y).map { Double($0) * Double($1) }.reduce(0, +)
  let rhs = zip(x, back).map { Double($0) * Double($1) }.reduce(0, +)
  #expect(abs(lhs - rhs) < 1e-3 * max(1, abs(lhs)))
}

@Test func inferenceAllocatesNothingAfterWarmUp() {
  let net = PolicyValueNet(config: tiny, seed: 3)
  let engine = InferenceEngine(network: net)
  let batch = randomBatch(tiny, count: 16, seed: 3)
  var priors = [Float](repeating: 0, count: 16 * tiny.actionCount), values = [Float](repeating: 0, count: 16)
  engine.evaluate(count: 16, observations: batch.observations, legalMasks: batch.legalMasks, priors: &priors, values: &values)
  let warm = engine.growthCount
  #expect(warm > 0)
  for size in [16, 1, 7, 16, 3] {
    for _ in 0..<20 {
      engine.evaluate(count: size, observations: batch.observations, legalMasks: batch.legalMasks, priors: &priors, values: &values)
    }
  }
  #expect(engine.growthCount == warm)
}

@Test func sameSeedSameNetwork() {
  let a = PolicyValueNet(config: tiny, seed: 42), b = PolicyValueNet(config: tiny, seed: 42), c = PolicyValueNet(config: tiny, seed: 43)
  let n = a.layout.totalCount
  #expect(Array(UnsafeBufferPointer(start: a.parameters, count: n)) == Array(UnsafeBufferPointer(start: b.parameters, count: n)))
  #expect(Array(UnsafeBufferPointer(start: a.parameters, count: n)) != Array(UnsafeBufferPointer(start: c.parameters, count: n)))
}

@Test("oneDNN's tower agrees with OpenBLAS's at every batch size, and a plan made once is reused",
      arguments: [(6, 7, 3, 32), (9, 9, 2, 24)])
func oneDNNTowerAgreesWithOpenBLAS(shape: (Int, Int, Int, Int)) {
  let (height, width, blocks, channels) = shape
  let config = NetworkConfig(inputPlanes: 3, height: height, width: width, actionCount: width, blocks: blocks, channels: channels,
                             policyChannels: 2, valueChannels: 2, valueHidden: 16)
  let seed: UInt64 = 21
  let net = PolicyValueNet(config: config, seed: seed)
  scrambleBatchNorm(net, seed: seed)
  let onednn = InferenceEngine(network: net, backend: .onednn), blas = InferenceEngine(network: net, backend: .openblas)
  var first: [Float] = []
  for (k, count) in [1, 7, 64, 7, 1].enumerated() {
    let batch = randomBatch(config, count: count, seed: seed &+ UInt64(count))
    var p1 = [Float](repeating: -1, count: count * config.actionCount), v1 = [Float](repeating: -9, count: count)
    var p2 = p1, v2 = v1
    onednn.evaluate(count: count, observations: batch.observations, legalMasks: batch.legalMasks, priors: &p1, values: &v1)
    blas.evaluate(count: count, observations: batch.observations, legalMasks: batch.legalMasks, priors: &p2, values: &v2)
    let worst = zip(p1 + v1, p2 + v2).map { abs($0 - $1) }.max() ?? 0
    #expect(worst < 1e-4, "seed \(seed), \(height)×\(width), batch \(count): largest difference \(worst)")
    if k == 0 { first = p1 + v1 }
    if k == 4 { #expect(p1 + v1 == first, "the batch-1 plan, reused, gave different numbers") }
  }
  #expect(onednn.backendDescription.hasPrefix("onednn "), "ran on \(onednn.backendDescription)")
  #expect(onednn.tower?.plans.count == 3, "plans: \(onednn.tower?.plans.keys.sorted() ?? [])")
}

/// `count` positions from seeded random games of Connect Four, at every stage of the game:
/// observations and legal masks.
func randomConnectFourPositions(_ count: Int, seed: UInt64) -> (observations: [Float], masks: [Float]) {
  let game = ConnectFour<UInt64>()
  var rng = SplitMix64(seed: seed)
  var observations: [Float] = [], masks: [Float] = []
  while masks.count < count * game.actionCount {
    var state = game.initialState()
    let plies = Int(rng.next(below: 30))
    for _ in 0..<plies where !state.isTerminal { state.apply(state.legalActions[Int(rng.next(below: state.legalActions.count))]) }
    if state.isTerminal { continue }
    observations += game.observation(of: state)
    masks += game.legalMask(of: state).map { $0 ? 1 : 0 }
  }
  return (observations, masks)
}

/// Policy KL divergences (fp32 ‖ other) and value differences of two engines on the same positions.
func divergence(_ reference: InferenceEngine, _ other: InferenceEngine, observations: [Float], masks: [Float], actions: Int)
  -> (kl: [Double], valueError: [Float]) {
  let count = masks.count / actions
  var p32 = [Float](repeating: 0, count: count * actions), v32 = [Float](repeating: 0, count: count)
  var pOther = p32, vOther = v32
  reference.evaluate(count: count, observations: observations, legalMasks: masks, priors: &p32, values: &v32)
  other.evaluate(count: count, observations: observations, legalMasks: masks, priors: &pOther, values: &vOther)
  let kl = (0..<count).map { b in
    (0..<actions).filter { p32[b * actions + $0] > 0 }.reduce(0.0) { sum, a in
      let p = Double(p32[b * actions + a]), q = max(Double(pOther[b * actions + a]), 1e-12)
      return sum + p * log(p / q)
    }
  }
  return (kl, zip(v32, vOther).map { abs($0 - $1) })
}

/// The reduced precisions against fp32 on Connect Four positions, with the bounds each must keep:
/// bf16 keeps 8 bits of mantissa (relative error 2⁻⁹ per rounding); int8 256 levels per tensor and
/// per weight channel. Through a 3-block tower the policy should move by far less than the bound in
/// nats and the value by less than its bound. A precision this CPU cannot run says why and runs fp32.
@Test("bf16 and int8 inference stay close to fp32 on Connect Four positions, or say why they run fp32",
      arguments: [(InferencePrecision.bf16, 0.01, Float(0.05)), (.int8, 0.005, Float(0.03))])
func reducedPrecisionStaysCloseToFP32(precision: InferencePrecision, klBound: Double, valueBound: Float) {
  let game = ConnectFour<UInt64>()
  let shape = game.observationShape
  let config = NetworkConfig(inputPlanes: shape.planes, height: shape.rows, width: shape.columns, actionCount: game.actionCount,
                             blocks: 3, channels: 32, policyChannels: 2, valueChannels: 2, valueHidden: 32)
  let seed: UInt64 = 31
  let net = PolicyValueNet(config: config, seed: seed)
  scrambleBatchNorm(net, seed: seed)
  let (observations, masks) = randomConnectFourPositions(64, seed: seed)
  let calibration = randomConnectFourPositions(256, seed: seed + 1).observations  // other positions than those measured
  let fp32 = InferenceEngine(network: net, backend: .onednn, precision: .fp32)
  let other = InferenceEngine(network: net, backend: .onednn, precision: precision, calibration: calibration)
  guard other.precision == precision else {
    #expect(other.precisionNote?.hasPrefix("\(precision.rawValue) asked for") == true && other.backendDescription.contains("fp32"),
            "\(other.backendDescription)")
    return
  }
  let (kl, valueError) = divergence(fp32, other, observations: observations, masks: masks, actions: game.actionCount)
  let summary = "seed \(seed): policy KL mean \(kl.reduce(0, +) / 64), max \(kl.max()!); value error max \(valueError.max()!)"
  #expect(kl.max()! < klBound && valueError.max()! < valueBound, "\(summary)")
  #expect(other.backendDescription.contains(precision.rawValue), "\(other.backendDescription)")
  // int8 names its weights' width, which follows the CPU (8 bits with VNNI, 7 without); other precisions name none.
  let vnni = !CPUInfo.current.flags.isDisjoint(with: ["avx512_vnni", "avx_vnni", "amx_int8"])
  #expect(other.int8WeightBits == (precision == .int8 ? (vnni ? 8 : 7) : nil), "\(other.backendDescription)")
  #expect(other.backendDescription.contains("-bit weights") == (precision == .int8)
          && (precision != .int8 || other.backendDescription.contains(vnni ? "8-bit weights (VNNI)" : "7-bit weights (no VNNI)")),
          "\(other.backendDescription)")
  print("\(precision.rawValue) against fp32 (\(other.backendDescription)): \(summary)")
}

/// The int8 tower's worst case: every input at the top of its u8 range and every weight at the top
/// of its s8 range, all of one sign. On a CPU without VNNI oneDNN multiplies u8 by s8 in pairs into a
/// saturating 16-bit sum (`vpmaddubsw`), which 255 × 127 × 2 overflows; the tower keeps each pair's
/// sum in range there, so the result is fp32's within rounding on every CPU (measured on an AVX2 EPYC
/// with 127-level weights: about half of fp32's, clipped).
@Test func int8ConvolutionsDoNotSaturateAtTheLargestInputsAndWeights() throws {
  let inputs = 16, channels = 8, h = 3, w = 3, n = h * w
  let shapes = [(channels, inputs), (channels, channels), (channels, channels)]
  let storage = shapes.map { out, inp in
    // Output channel o's weights all (o + 1) / 8: each channel's largest, so each quantizes to its top level.
    (weights: (0..<out).flatMap { o in [Float](repeating: Float(o + 1) / 8, count: inp * 9) }, bias: [Float](repeating: 0, count: out))
  }
  let pointers = storage.map { s -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) in
    let wp = UnsafeMutablePointer<Float>.allocate(capacity: s.weights.count), bp = UnsafeMutablePointer<Float>.allocate(capacity: s.bias.count)
    wp.initialize(from: s.weights, count: s.weights.count)
    bp.initialize(from: s.bias, count: s.bias.count)
    return (wp, bp)
  }
  defer { for (wp, bp) in pointers { wp.deallocate(); bp.deallocate() } }
  let convolutions = zip(shapes, pointers).map { shape, p in OneDNNTower.Convolution(weights: p.0, bias: p.1, outputs: shape.0, inputs: shape.1) }
  var input = [Float](repeating: 1, count: inputs * n)
  var fp32 = [Float](repeating: 0, count: channels * n), int8 = fp32
  let reference = try OneDNNTower(convolutions: convolutions, blocks: 1, height: h, width: w, threads: 1)
  // The tensors' largest values in fp32 become the top of each u8 range: the input's 1 is 255, and so is each hidden tensor's largest.
  var largest: [Float] = [1]
  for k in 1...2 {
    let prefix = try OneDNNTower(convolutions: Array(convolutions.prefix(k)), blocks: 0, height: h, width: w, threads: 1)
    var out = [Float](repeating: 0, count: channels * n)
    try prefix.run(batch: 1, input: &input, output: &out)
    largest.append(out.max()!)
  }
  try reference.run(batch: 1, input: &input, output: &fp32)
  let tower: OneDNNTower
  do {
    tower = try OneDNNTower(convolutions: convolutions, blocks: 1, height: h, width: w, threads: 1, dataType: dnnl_u8,
                            activationScales: largest.map { $0 / 255 } + [1])
    try tower.prepare(batch: 1)
  } catch {
    print("int8 saturation: not measured, this CPU's oneDNN runs no int8: \(error)")
    return
  }
  try tower.run(batch: 1, input: &input, output: &int8)
  let worst = zip(fp32, int8).map { abs($0 - $1) / max(abs($0), 1) }.max()!
  #expect(worst < 0.03, "\(tower.implementation): int8 \(int8.max()!) against fp32 \(fp32.max()!), worst relative error \(worst)")
  print("int8 saturation (\(tower.implementation), CPU flags \(CPUInfo.current.flags.filter { $0.contains("vnni") || $0.hasPrefix("avx") }.sorted())): "
        + "worst relative error \(worst); fp32 largest \(fp32.max()!), int8 \(int8.max()!)")
}

@Test func int8WithoutCalibrationRunsFP32AndSaysWhy() {
  let config = NetworkConfig(inputPlanes: 3, height: 6, width: 7, actionCount: 7, blocks: 1, channels: 16)
  let engine = InferenceEngine(network: PolicyValueNet(config: config, seed: 2), backend: .onednn, precision: .int8)
  #expect(engine.precision == .fp32)
  #expect(engine.backendDescription.contains("int8 asked for, but no calibration positions"), "\(engine.backendDescription)")
  let negative = [Float](repeating: -1, count: 2 * config.observationCount)
  let refused = InferenceEngine(network: PolicyValueNet(config: config, seed: 2), backend: .onednn, precision: .int8, calibration: negative)
  #expect(refused.precision == .fp32 && refused.backendDescription.contains("negative"), "\(refused.backendDescription)")
}

/// The int8 weights' width follows the instruction set oneDNN dispatches to, not the CPU's flags:
/// the saturation test above runs again in a child process with oneDNN capped (`DNNL_MAX_CPU_ISA`)
/// below VNNI, where each cap this CPU can run must pass too. Before, a VNNI CPU capped to AVX2 or
/// AVX512_CORE kept 8-bit weights and came out at half of fp32.
@Test func int8FollowsTheInstructionSetOneDNNIsCappedTo() throws {
  let flags = CPUInfo.current.flags
  var caps: [String] = []
  if flags.contains("avx2") { caps.append("AVX2") }
  if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) { caps.append("AVX512_CORE") }
  if caps.isEmpty { print("int8 under a capped ISA: not measured, this CPU has no AVX2"); return }
  let binary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
  for cap in caps {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: binary)
    child.arguments = ["--testing-library", "swift-testing", "--filter", "int8ConvolutionsDoNotSaturateAtTheLargestInputsAndWeights"]
    child.environment = ProcessInfo.processInfo.environment.merging(["DNNL_MAX_CPU_ISA": cap]) { $1 }
    let pipe = Pipe()
    child.standardOutput = pipe
    child.standardError = pipe
    try child.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    child.waitUntilExit()
    // The child ran the saturation case on the capped ISA's kernels (e.g. `jit_uni_int8:avx2`) and passed.
    #expect(child.terminationStatus == 0 && output.contains(":\(cap.lowercased()), CPU flags"), "DNNL_MAX_CPU_ISA=\(cap):\n\(output)")
  }
}

@Test func autoPrecisionFollowsTheCPU() {
  #expect(InferencePrecision.choice(isa: OneDNNISA(dnnl_cpu_isa_avx512_core_amx)) == .bf16)
  #expect(InferencePrecision.choice(isa: OneDNNISA(dnnl_cpu_isa_avx512_core_bf16)) == .int8)
  #expect(InferencePrecision.choice(isa: OneDNNISA(dnnl_cpu_isa_avx512_core)) == .int8)
  #expect(InferencePrecision.choice(isa: OneDNNISA(dnnl_cpu_isa_avx2_vnni)) == .int8)
  #expect(InferencePrecision.choice(isa: OneDNNISA(dnnl_cpu_isa_avx2)) == .int8)
  #expect(InferencePrecision.choice(isa: OneDNNISA(dnnl_cpu_isa_sse41)) == .fp32)
  // int8 weights use 7 bits where oneDNN's kernels sum u8 × s8 pairs in 16 bits (no VNNI), 8 where they have VNNI.
  #expect(OneDNNTower.int8WeightTop(isa: OneDNNISA(dnnl_cpu_isa_avx2)) == 63 && OneDNNTower.int8WeightTop(isa: OneDNNISA(dnnl_cpu_isa_avx512_core)) == 63)
  #expect(OneDNNTower.int8WeightTop(isa: OneDNNISA(dnnl_cpu_isa_avx2_vnni)) == 127)
  #expect(OneDNNTower.int8WeightTop(isa: OneDNNISA(dnnl_cpu_isa_avx512_core_vnni)) == 127)
  #expect(OneDNNTower.int8WeightTop(isa: OneDNNISA(dnnl_cpu_isa_avx512_core_bf16)) == 127)
  #expect(OneDNNTower.int8WeightTop(isa: OneDNNISA(dnnl_cpu_isa_avx512_core_amx)) == 127)
  #expect(OneDNNISA(dnnl_cpu_isa_avx512_core_bf16).name == "avx512_core_bf16")
  // auto without calibration positions (evaluation, play, gating) runs fp32 and notes nothing.
  let config = NetworkConfig(inputPlanes: 3, height: 6, width: 7, actionCount: 7, blocks: 1, channels: 16)
  let engine = InferenceEngine(network: PolicyValueNet(config: config, seed: 2), backend: .onednn, precision: .auto)
  if InferencePrecision.auto.resolved == .int8 { #expect(engine.precision == .fp32 && engine.precisionNote == nil) }
  // Elsewhere auto runs what it resolves to (bf16 with AMX), or fp32 with a note saying why not.
  else { #expect(engine.precision == InferencePrecision.auto.resolved || engine.precisionNote != nil, "\(engine.backendDescription)") }
  // Asked nothing, an engine runs fp32 on every CPU.
  #expect(InferenceEngine(network: PolicyValueNet(config: config, seed: 2), backend: .onednn).precision == .fp32)
}

@Test func calibrationPositionsAreSeededAndFromEveryStage() {
  let game = ConnectFour<UInt64>()
  let a = game.randomPositionObservations(count: 100, seed: 4), b = game.randomPositionObservations(count: 100, seed: 4)
  #expect(a == b && a.count == 100 * game.observationShape.count)
  // Stones on the board (planes 0 and 1) per position: from the opening to late in the game.
  let cells = game.observationShape.rows * game.observationShape.columns
  let stones = (0..<100).map { i in a[(i * 3 * cells)..<(i * 3 * cells + 2 * cells)].reduce(0, +) }
  #expect(stones.min()! <= 5 && stones.max()! >= 25, "stones per position from \(stones.min()!) to \(stones.max()!)")
}

/// The tower's plans (one per batch size) stay within both bounds, the plans and the positions
/// planned for, dropping the largest batches first, and a plan made again after it was dropped
/// gives the same result.
@Test func theTowersPlansStayWithinTheirBoundsLargestDroppedFirst() throws {
  let inputs = 2, channels = 2, h = 3, w = 3, n = h * w
  let weights = UnsafeMutablePointer<Float>.allocate(capacity: channels * max(inputs, channels) * 9 * 3)
  let bias = UnsafeMutablePointer<Float>.allocate(capacity: channels * 3)
  defer { weights.deallocate(); bias.deallocate() }
  var rng = SplitMix64(seed: 29)
  for i in 0..<(channels * max(inputs, channels) * 9 * 3) { weights[i] = Float(rng.next(below: 2001)) / 1000 - 1 }
  for i in 0..<(channels * 3) { bias[i] = Float(rng.next(below: 201)) / 1000 - 0.1 }
  let convolutions = (0..<3).map { k in
    OneDNNTower.Convolution(weights: weights + k * channels * max(inputs, channels) * 9, bias: bias + k * channels,
                            outputs: channels, inputs: k == 0 ? inputs : channels)
  }
  let tower = try OneDNNTower(convolutions: convolutions, blocks: 1, height: h, width: w, threads: 1)
  let largest = 5000
  var input = (0..<(inputs * n * largest)).map { _ in Float(rng.next(below: 1001)) / 1000 }
  var output = [Float](repeating: 0, count: channels * n * largest)
  func run(_ batch: Int) throws -> [Float] {
    try tower.run(batch: batch, input: &input, output: &output)
    #expect(tower.plans.count <= OneDNNTower.maxPlans && tower.plannedPositions <= max(OneDNNTower.maxPlannedPositions, batch),
            "after batch \(batch): \(tower.plans.keys.sorted())")
    return Array(output.prefix(channels * n * batch))
  }
  let first = try run(3)
  for batch in [1, 2, 3000, 2999] { _ = try run(batch) }
  // 1 + 2 + 3 + 3000 + 2999 passes 4096: the 3000 went, the small ones stayed.
  #expect(tower.plans.keys.sorted() == [1, 2, 3, 2999], "\(tower.plans.keys.sorted())")
  _ = try run(largest)
  #expect(tower.plans.keys.sorted() == [largest], "\(tower.plans.keys.sorted())")
  #expect(try run(3) == first, "batch 3 planned again gives another result (seed 29)")
  #expect(tower.plans.keys.sorted() == [3])
  for batch in 1...70 { _ = try run(batch) }
  #expect(tower.plans.count == OneDNNTower.maxPlans && tower.plans[1] != nil && tower.plans[70] != nil, "\(tower.plans.keys.sorted())")
}
