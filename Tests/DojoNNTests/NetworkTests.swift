import Foundation
import Testing
@testable import DojoNN
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

@Test("bf16 inference stays close to fp32 on Connect Four positions, or says why it runs fp32")
func bf16InferenceStaysCloseToFP32() {
  let game = ConnectFour<UInt64>()
  let shape = game.observationShape
  let config = NetworkConfig(inputPlanes: shape.planes, height: shape.rows, width: shape.columns, actionCount: game.actionCount,
                             blocks: 3, channels: 32, policyChannels: 2, valueChannels: 2, valueHidden: 32)
  let seed: UInt64 = 31
  let net = PolicyValueNet(config: config, seed: seed)
  scrambleBatchNorm(net, seed: seed)
  // 64 positions from seeded random games, at every stage of the game.
  var rng = SplitMix64(seed: seed)
  var observations: [Float] = [], masks: [Float] = []
  while masks.count < 64 * game.actionCount {
    var state = game.initialState()
    let plies = Int(rng.next(below: 30))
    for _ in 0..<plies where !state.isTerminal { state.apply(state.legalActions[Int(rng.next(below: state.legalActions.count))]) }
    if state.isTerminal { continue }
    observations += game.observation(of: state)
    masks += game.legalMask(of: state).map { $0 ? 1 : 0 }
  }
  let fp32 = InferenceEngine(network: net, backend: .onednn, precision: .fp32)
  let bf16 = InferenceEngine(network: net, backend: .onednn, precision: .bf16)
  guard bf16.precision == .bf16 else {
    #expect(bf16.precisionNote?.hasPrefix("bf16 asked for") == true && bf16.backendDescription.contains("fp32"), "\(bf16.backendDescription)")
    return
  }
  var p32 = [Float](repeating: 0, count: 64 * game.actionCount), v32 = [Float](repeating: 0, count: 64)
  var p16 = p32, v16 = v32
  fp32.evaluate(count: 64, observations: observations, legalMasks: masks, priors: &p32, values: &v32)
  bf16.evaluate(count: 64, observations: observations, legalMasks: masks, priors: &p16, values: &v16)
  var kl: [Double] = []
  for b in 0..<64 {
    var sum = 0.0
    for a in 0..<game.actionCount where p32[b * game.actionCount + a] > 0 {
      let p = Double(p32[b * game.actionCount + a]), q = max(Double(p16[b * game.actionCount + a]), 1e-12)
      sum += p * log(p / q)
    }
    kl.append(sum)
  }
  let worstValue = zip(v32, v16).map { abs($0 - $1) }.max()!
  // bf16 keeps 8 bits of mantissa (relative error 2⁻⁹ per rounding); through a 3-block tower the
  // policy should move by far less than 0.01 nats and the value by less than 0.05.
  #expect(kl.max()! < 0.01 && worstValue < 0.05, "seed \(seed): policy KL mean \(kl.reduce(0, +) / 64), max \(kl.max()!); value error max \(worstValue)")
  #expect(bf16.backendDescription.contains("bf16"), "\(bf16.backendDescription)")
  print("bf16 against fp32 (\(bf16.backendDescription)): policy KL mean \(kl.reduce(0, +) / 64), max \(kl.max()!); value error max \(worstValue)")
}
