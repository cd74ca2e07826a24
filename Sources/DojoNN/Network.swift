// The residual policy-value network in training form: parameters, gradients, batch-norm running
// statistics, and a forward pass with batch statistics that keeps what the backward pass needs.
//
//   input [B, planes, H, W] → 3×3 conv → BN → ReLU → blocks × (3×3 conv → BN → ReLU → 3×3 conv → BN
//   → + skip → ReLU) → policy: 1×1 conv → BN → ReLU → fully connected → masked softmax
//                    → value:  1×1 conv → BN → ReLU → global average pool → FC → ReLU → FC → tanh | softmax(W, D, L)

import DojoGames
#if canImport(Glibc)
import Glibc
#endif

/// A batch of training samples, sample-major (the layout games write observations in).
public struct TrainingBatch: Sendable {
  public var count: Int
  /// count × observationCount.
  public var observations: [Float]
  /// count × actionCount; nonzero where the action is legal.
  public var legalMasks: [Float]
  /// count × actionCount; the search's visit distribution, zero on illegal actions, summing to 1.
  public var policyTargets: [Float]
  /// count; the game's result from the side to move's point of view, in [-1, 1].
  public var valueTargets: [Float]

  public init(count: Int, observations: [Float], legalMasks: [Float], policyTargets: [Float], valueTargets: [Float]) {
    self.count = count
    self.observations = observations
    self.legalMasks = legalMasks
    self.policyTargets = policyTargets
    self.valueTargets = valueTargets
  }
}

/// The losses of one batch (means over its samples).
public struct Losses: Sendable, Equatable {
  /// Cross-entropy of the policy against the search's distribution.
  public var policy: Float
  /// Mean squared error (tanh head) or cross-entropy (WDL head) of the value.
  public var value: Float
  /// policy + valueWeight × value (weight decay is the optimizer's).
  public var total: Float
}

public final class PolicyValueNet {
  public let config: NetworkConfig
  public let layout: TensorLayout
  public let statisticsLayout: TensorLayout
  /// The trained parameters, `layout.totalCount` floats.
  public let parameters: UnsafeMutablePointer<Float>
  /// Gradients of the last `lossAndGradients` call, same layout.
  public let gradients: UnsafeMutablePointer<Float>
  /// Batch-norm running means and variances, `statisticsLayout.totalCount` floats.
  public let statistics: UnsafeMutablePointer<Float>
  let work = Workspace()
  /// Set by `forward`: the batch size the saved activations are for.
  var savedBatch = 0
  /// Which library runs the 3×3 convolutions, forward and backward (oneDNN unless
  /// `DOJO_CONVOLUTION=openblas`; OpenBLAS too if oneDNN cannot plan a shape).
  public var convolutionBackend = ConvolutionBackend.default
  /// Why training fell back from oneDNN to OpenBLAS, if it did.
  public private(set) var oneDNNFailure: String?
  var oneDNN: OneDNNContext?
  var trainingConvolutions: [[Int]: OneDNNTrainingConvolution] = [:]

  /// oneDNN's convolution for this shape, made on first use; nil when OpenBLAS runs them.
  func oneDNNConvolution(batch: Int, inputs: Int, outputs: Int) -> OneDNNTrainingConvolution? {
    guard convolutionBackend == .onednn else { return nil }
    if let c = trainingConvolutions[[batch, inputs, outputs]] { return c }
    do {
      if oneDNN == nil { oneDNN = try OneDNNContext() }
      let c = try OneDNNTrainingConvolution(oneDNN!, batch: batch, inputs: inputs, outputs: outputs, height: config.height, width: config.width)
      if trainingConvolutions.count >= 32 { trainingConvolutions.removeAll() }
      trainingConvolutions[[batch, inputs, outputs]] = c
      return c
    } catch {
      fellBack(error)
      return nil
    }
  }

  func fellBack(_ error: any Error) {
    oneDNNFailure = "\(error)"
    convolutionBackend = .openblas
  }

  /// A network with He-initialised weights from `seed` (batch-norm scales 1, shifts and biases 0).
  public init(config: NetworkConfig, seed: UInt64) {
    BLASCore.select()
    self.config = config
    layout = TensorLayout(config.parameterSpecs)
    statisticsLayout = TensorLayout(config.statisticSpecs)
    parameters = .allocate(capacity: layout.totalCount)
    gradients = .allocate(capacity: layout.totalCount)
    statistics = .allocate(capacity: statisticsLayout.totalCount)
    gradients.initialize(repeating: 0, count: layout.totalCount)
    var rng = SplitMix64(seed: seed)
    for t in layout.tensors {
      let p = parameters + t.offset
      if t.decays {
        let fanIn = t.shape.dropFirst().reduce(1, *)
        let std = (2 / Float(fanIn)).squareRoot()
        for i in 0..<t.count { p[i] = std * normal(&rng) }
      } else {
        // The only undecayed ".weight" tensors are batch-norm scales.
        p.initialize(repeating: t.name.hasSuffix(".weight") ? 1 : 0, count: t.count)
      }
    }
    for t in statisticsLayout.tensors {
      (statistics + t.offset).initialize(repeating: t.name.hasSuffix("running_var") ? 1 : 0, count: t.count)
    }
  }

  deinit {
    parameters.deallocate()
    gradients.deallocate()
    statistics.deallocate()
  }

  @inline(__always) func p(_ name: String) -> UnsafeMutablePointer<Float> { parameters + layout[name].offset }
  @inline(__always) func g(_ name: String) -> UnsafeMutablePointer<Float> { gradients + layout[name].offset }
  @inline(__always) func s(_ name: String) -> UnsafeMutablePointer<Float> { statistics + statisticsLayout[name].offset }
  @inline(__always) func buf(_ name: String, _ count: Int) -> UnsafeMutablePointer<Float> { work.buffer(name, count) }

  /// Runs the batch forward with batch statistics (updating the running averages), computes the
  /// losses, and fills `gradients` with their derivatives. `valueWeight` scales the value loss.
  @discardableResult
  public func lossAndGradients(_ batch: TrainingBatch, valueWeight: Float = 1) -> Losses {
    forward(batch)
    let losses = loss(batch, valueWeight: valueWeight)
    backward(batch, valueWeight: valueWeight)
    return losses
  }

  /// The forward pass in training mode; activations are kept in the workspace for `backward`.
  func forward(_ batch: TrainingBatch) {
    let c = config, b = batch.count, geo = c.geometry, hw = geo.cells, n = b * hw, f = c.channels
    savedBatch = b
    let x0 = buf("x0", c.inputPlanes * n)
    batch.observations.withUnsafeBufferPointer {
      sampleMajorToChannelMajor($0.baseAddress!, x0, channels: c.inputPlanes, batch: b, cells: hw)
    }
    // Stem.
    convBNReLU3x3(x0, inChannels: c.inputPlanes, n: n, batch: b, conv: "stem.conv", bn: "stem.bn", out: buf("a.stem", f * n))
    var a = buf("a.stem", f * n)
    for i in 0..<c.blocks {
      let r1 = buf("r1.\(i)", f * n)
      convBNReLU3x3(a, inChannels: f, n: n, batch: b, conv: "blocks.\(i).conv1", bn: "blocks.\(i).bn1", out: r1)
      let out = buf("a.\(i)", f * n)
      conv3x3(r1, inChannels: f, outChannels: f, n: n, batch: b, weight: p("blocks.\(i).conv2.weight"), out: buf("z", f * n))
      batchNorm("blocks.\(i).bn2", buf("z", f * n), out, channels: f, n: n)
      for j in 0..<(f * n) { out[j] = max(out[j] + a[j], 0) }
      a = out
    }
    // Policy head.
    let pc = c.policyChannels, rp = buf("rp", pc * n)
    gemm(m: pc, n: n, k: f, a: p("policy.conv.weight"), lda: f, b: a, ldb: n, c: buf("z", pc * n), ldc: n)
    batchNorm("policy.bn", buf("z", pc * n), rp, channels: pc, n: n)
    relu(rp, rp, pc * n)
    let fp = buf("fp", b * pc * hw)
    channelMajorToSampleMajor(rp, fp, channels: pc, batch: b, cells: hw)
    let logits = buf("logits", b * c.actionCount)
    gemm(transB: true, m: b, n: c.actionCount, k: pc * hw, a: fp, lda: pc * hw, b: p("policy.fc.weight"), ldb: pc * hw, c: logits, ldc: c.actionCount)
    addColumnBias(logits, p("policy.fc.bias"), rows: b, n: c.actionCount)
    batch.legalMasks.withUnsafeBufferPointer {
      maskedSoftmax(logits, mask: $0.baseAddress!, buf("probs", b * c.actionCount), rows: b, n: c.actionCount)
    }
    // Value head.
    let vc = c.valueChannels, rv = buf("rv", vc * n)
    gemm(m: vc, n: n, k: f, a: p("value.conv.weight"), lda: f, b: a, ldb: n, c: buf("z", vc * n), ldc: n)
    batchNorm("value.bn", buf("z", vc * n), rv, channels: vc, n: n)
    relu(rv, rv, vc * n)
    let pooled = buf("pooled", b * vc)
    globalAveragePool(rv, pooled, channels: vc, batch: b, cells: hw)
    let hidden = buf("hidden", b * c.valueHidden)
    gemm(transB: true, m: b, n: c.valueHidden, k: vc, a: pooled, lda: vc, b: p("value.fc1.weight"), ldb: vc, c: hidden, ldc: c.valueHidden)
    addColumnBias(hidden, p("value.fc1.bias"), rows: b, n: c.valueHidden)
    relu(hidden, hidden, b * c.valueHidden)
    let vo = c.valueOutputs, vout = buf("vout", b * vo)
    gemm(transB: true, m: b, n: vo, k: c.valueHidden, a: hidden, lda: c.valueHidden, b: p("value.fc2.weight"), ldb: c.valueHidden, c: vout, ldc: vo)
    addColumnBias(vout, p("value.fc2.bias"), rows: b, n: vo)
    if c.valueHead == .tanh {
      for i in 0..<b { vout[i] = tanhf(vout[i]) }
    } else {
      maskedSoftmax(vout, mask: nil, vout, rows: b, n: 3)
    }
  }

  /// 3×3 convolution (no bias): out[outChannels, n] = W · im2col(x).
  func conv3x3(_ x: UnsafePointer<Float>, inChannels: Int, outChannels: Int, n: Int, batch: Int,
               weight: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
    if let conv = oneDNNConvolution(batch: batch, inputs: inChannels, outputs: outChannels) {
      do { try conv.forward(x, weights: weight, out: out); return } catch { fellBack(error) }
    }
    let col = buf("col", inChannels * 9 * n)
    im2col3x3(x, channels: inChannels, batch: batch, config.geometry, col)
    gemm(m: outChannels, n: n, k: inChannels * 9, a: weight, lda: inChannels * 9, b: col, ldb: n, c: out, ldc: n)
  }

  func convBNReLU3x3(_ x: UnsafePointer<Float>, inChannels: Int, n: Int, batch: Int, conv: String, bn: String,
                     out: UnsafeMutablePointer<Float>) {
    let f = config.channels
    conv3x3(x, inChannels: inChannels, outChannels: f, n: n, batch: batch, weight: p(conv + ".weight"), out: buf("z", f * n))
    batchNorm(bn, buf("z", f * n), out, channels: f, n: n)
    relu(out, out, f * n)
  }

  /// Batch norm `name` in training mode, saving x̂ and 1/σ under the layer's name.
  func batchNorm(_ name: String, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, channels: Int, n: Int) {
    batchNormTrain(x, y, channels: channels, n: n, gamma: p(name + ".weight"), beta: p(name + ".bias"),
                   xhat: buf(name + ".xhat", channels * n), invStd: buf(name + ".invstd", channels),
                   runningMean: s(name + ".running_mean"), runningVar: s(name + ".running_var"),
                   momentum: config.batchNormMomentum, epsilon: config.batchNormEpsilon)
  }

  /// The losses of the last forward pass.
  func loss(_ batch: TrainingBatch, valueWeight: Float) -> Losses {
    let b = batch.count, a = config.actionCount
    let probs = buf("probs", b * a), vout = buf("vout", b * config.valueOutputs)
    var policy: Float = 0, value: Float = 0
    batch.policyTargets.withUnsafeBufferPointer { t in
      for i in 0..<(b * a) where t[i] > 0 { policy -= t[i] * logf(max(probs[i], 1e-30)) }
    }
    for i in 0..<b {
      let z = batch.valueTargets[i]
      if config.valueHead == .tanh {
        value += (vout[i] - z) * (vout[i] - z)
      } else {
        for k in 0..<3 where wdlTarget(z, k) > 0 { value -= wdlTarget(z, k) * logf(max(vout[i * 3 + k], 1e-30)) }
      }
    }
    policy /= Float(b)
    value /= Float(b)
    return Losses(policy: policy, value: value, total: policy + valueWeight * value)
  }
}

/// A value target z in [-1, 1] as win/draw/loss probabilities (k = 0 win, 1 draw, 2 loss):
/// z = P(win) − P(loss), the rest draw (a result of 0 is a sure draw).
@inline(__always) func wdlTarget(_ z: Float, _ k: Int) -> Float {
  let win = max(z, 0), loss = max(-z, 0)
  return k == 0 ? win : k == 2 ? loss : 1 - win - loss
}

/// Mean of each sample's cells per channel: [C, B·S] → [B, C].
func globalAveragePool(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, channels: Int, batch: Int, cells: Int) {
  let inv = 1 / Float(cells)
  for c in 0..<channels {
    for b in 0..<batch {
      let r = x + c &* batch &* cells + b &* cells
      var s: Float = 0
      for i in 0..<cells { s += r[i] }
      y[b &* channels &+ c] = s * inv
    }
  }
}

/// A standard normal sample (Box–Muller).
func normal(_ rng: inout SplitMix64) -> Float {
  let u1 = Double(rng.next() >> 11 + 1) / Double(1 << 53)
  let u2 = Double(rng.next() >> 11) / Double(1 << 53)
  return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
}
