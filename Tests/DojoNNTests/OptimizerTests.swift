import Testing
@testable import DojoNN
import DojoGames

/// A one-tensor layout for checking updates by hand.
let twoWeights = TensorLayout([("w", [2], true)])

@Test func sgdNesterovMatchesHandComputation() {
  let opt = Optimizer(config: OptimizerConfig(kind: .sgd, schedule: .constant(rate: 0.1), momentum: 0.9, nesterov: true, weightDecay: 0.01),
                      layout: twoWeights)
  var w: [Float] = [1, -2]
  let g: [Float] = [0.5, 0.25]
  opt.apply(parameters: &w, gradients: g)
  // g' = g + 0.01 w = [0.51, 0.23]; v = g'; w -= 0.1 (g' + 0.9 v) = 0.1 · 1.9 g'
  #expect(abs(w[0] - (1 - 0.1 * 1.9 * 0.51)) < 1e-6 && abs(w[1] - (-2 - 0.1 * 1.9 * 0.23)) < 1e-6)
  let w1 = w
  opt.apply(parameters: &w, gradients: g)
  // second step: g'' = g + 0.01 w1; v2 = 0.9 v1 + g''; w -= 0.1 (g'' + 0.9 v2)
  let g2 = 0.5 + 0.01 * w1[0], v2 = 0.9 * 0.51 + g2
  #expect(abs(w[0] - (w1[0] - 0.1 * (g2 + 0.9 * v2))) < 1e-6)
}

@Test func adamWMatchesHandComputation() {
  let opt = Optimizer(config: OptimizerConfig(kind: .adamw, schedule: .constant(rate: 0.01), weightDecay: 0.1), layout: twoWeights)
  var w: [Float] = [1, -2]
  opt.apply(parameters: &w, gradients: [0.5, -0.25])
  // First step: m̂ = g, v̂ = g², update = g/(|g| + ε) ≈ sign(g); decay is decoupled: + 0.1 w.
  #expect(abs(w[0] - (1 - 0.01 * (1 + 0.1 * 1))) < 1e-5)
  #expect(abs(w[1] - (-2 - 0.01 * (-1 + 0.1 * -2))) < 1e-5)
}

@Test func schedulesGiveTheRatesTheySay() {
  let step = LearningRateSchedule.step(rate: 0.2, factor: 0.1, milestones: [100, 200])
  #expect(step.rate(at: 0) == 0.2 && abs(step.rate(at: 100) - 0.02) < 1e-7 && abs(step.rate(at: 250) - 0.002) < 1e-7)
  let cosine = LearningRateSchedule.cosine(rate: 1, warmupSteps: 10, totalSteps: 110, minimumRate: 0)
  #expect(abs(cosine.rate(at: 0) - 0.1) < 1e-6 && cosine.rate(at: 9) == 1)
  #expect(abs(cosine.rate(at: 60) - 0.5) < 1e-5 && abs(cosine.rate(at: 110)) < 1e-6)
  #expect(LearningRateSchedule.constant(rate: 0.3).rate(at: 12345) == 0.3)
}

@Test("training fits a fixed batch", arguments: [OptimizerConfig.Kind.sgd, .adamw])
func trainingReducesLoss(kind: OptimizerConfig.Kind) {
  let seed: UInt64 = 21
  let net = PolicyValueNet(config: tiny, seed: seed)
  let batch = randomBatch(tiny, count: 8, seed: seed)
  let opt = Optimizer(config: OptimizerConfig(kind: kind, schedule: .constant(rate: kind == .sgd ? 0.05 : 0.01)), layout: net.layout)
  let first = net.trainStep(batch, optimizer: opt)
  var last = first
  for _ in 0..<150 { last = net.trainStep(batch, optimizer: opt) }
  #expect(last.total < 0.5 * first.total, "seed \(seed): \(first.total) → \(last.total)")
  #expect(opt.step == 151)
}

@Test func trainingIsDeterministicForASeed() {
  func run() -> [Float] {
    let net = PolicyValueNet(config: tiny, seed: 9)
    let opt = Optimizer(config: OptimizerConfig(kind: .adamw, schedule: .constant(rate: 0.01)), layout: net.layout)
    for s in 0..<10 { net.trainStep(randomBatch(tiny, count: 4, seed: UInt64(s)), optimizer: opt) }
    return Array(UnsafeBufferPointer(start: net.parameters, count: net.layout.totalCount))
  }
  #expect(run() == run())
}
