// A slow, obvious reference of the network in Double, sample-major NCHW, written from the
// definitions and sharing no code with DojoNN's kernels.
import Foundation
@testable import DojoNN
import DojoGames

struct NaiveNet {
  let net: PolicyValueNet
  var c: NetworkConfig { net.config }

  func param(_ name: String) -> [Double] {
    let t = net.layout[name]
    return (0..<t.count).map { Double(net.parameters[t.offset + $0]) }
  }

  func stat(_ name: String) -> [Double] {
    let t = net.statisticsLayout[name]
    return (0..<t.count).map { Double(net.statistics[t.offset + $0]) }
  }

  /// x: [B][C][H][W] flattened; weight [O][C][k][k]; padding k/2.
  func conv(_ x: [Double], batch: Int, inC: Int, outC: Int, k: Int, weight: [Double]) -> [Double] {
    let h = c.height, w = c.width, pad = k / 2
    var y = [Double](repeating: 0, count: batch * outC * h * w)
    for b in 0..<batch { for o in 0..<outC { for i in 0..<h { for j in 0..<w {
      var s = 0.0
      for ci in 0..<inC { for di in 0..<k { for dj in 0..<k {
        let ii = i + di - pad, jj = j + dj - pad
        if ii >= 0 && ii < h && jj >= 0 && jj < w {
          s += weight[((o * inC + ci) * k + di) * k + dj] * x[((b * inC + ci) * h + ii) * w + jj]
        }
      } } }
      y[((b * outC + o) * h + i) * w + j] = s
    } } } }
    return y
  }

  func batchNorm(_ x: [Double], batch: Int, channels: Int, name: String, train: Bool) -> [Double] {
    let hw = c.height * c.width, eps = Double(c.batchNormEpsilon)
    let gamma = param(name + ".weight"), beta = param(name + ".bias")
    var y = x
    for ch in 0..<channels {
      var values: [Double] = []
      for b in 0..<batch { for s in 0..<hw { values.append(x[(b * channels + ch) * hw + s]) } }
      let mean = train ? values.reduce(0, +) / Double(values.count) : stat(name + ".running_mean")[ch]
      let variance = train ? values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count) : stat(name + ".running_var")[ch]
      for b in 0..<batch { for s in 0..<hw {
        let i = (b * channels + ch) * hw + s
        y[i] = gamma[ch] * (x[i] - mean) / (variance + eps).squareRoot() + beta[ch]
      } }
    }
    return y
  }

  func relu(_ x: [Double]) -> [Double] { x.map { max($0, 0) } }

  /// Policy probabilities [B][A] and value outputs [B][1 or 3] (tanh value, or W/D/L probabilities).
  func forward(observations: [Float], masks: [Float], batch: Int, train: Bool) -> (probs: [Double], values: [Double]) {
    let f = c.channels, hw = c.height * c.width, a = c.actionCount
    var x = observations.map(Double.init)
    x = relu(batchNorm(conv(x, batch: batch, inC: c.inputPlanes, outC: f, k: 3, weight: param("stem.conv.weight")),
                       batch: batch, channels: f, name: "stem.bn", train: train))
    for i in 0..<c.blocks {
      var y = relu(batchNorm(conv(x, batch: batch, inC: f, outC: f, k: 3, weight: param("blocks.\(i).conv1.weight")),
                             batch: batch, channels: f, name: "blocks.\(i).bn1", train: train))
      y = batchNorm(conv(y, batch: batch, inC: f, outC: f, k: 3, weight: param("blocks.\(i).conv2.weight")),
                    batch: batch, channels: f, name: "blocks.\(i).bn2", train: train)
      x = relu(zip(x, y).map(+))
    }
    // Policy.
    let pc = c.policyChannels
    let p = relu(batchNorm(conv(x, batch: batch, inC: f, outC: pc, k: 1, weight: param("policy.conv.weight")),
                           batch: batch, channels: pc, name: "policy.bn", train: train))
    let fw = param("policy.fc.weight"), fb = param("policy.fc.bias")
    var probs = [Double](repeating: 0, count: batch * a)
    for b in 0..<batch {
      var logits = [Double](repeating: 0, count: a)
      for j in 0..<a {
        logits[j] = fb[j]
        for i in 0..<(pc * hw) { logits[j] += fw[j * pc * hw + i] * p[b * pc * hw + i] }
      }
      let legal = (0..<a).filter { masks[b * a + $0] != 0 }
      let m = legal.map { logits[$0] }.max()!
      let z = legal.map { exp(logits[$0] - m) }.reduce(0, +)
      for j in legal { probs[b * a + j] = exp(logits[j] - m) / z }
    }
    // Value.
    let vc = c.valueChannels, vh = c.valueHidden, vo = c.valueOutputs
    let v = relu(batchNorm(conv(x, batch: batch, inC: f, outC: vc, k: 1, weight: param("value.conv.weight")),
                           batch: batch, channels: vc, name: "value.bn", train: train))
    let w1 = param("value.fc1.weight"), b1 = param("value.fc1.bias"), w2 = param("value.fc2.weight"), b2 = param("value.fc2.bias")
    var values: [Double] = []
    for b in 0..<batch {
      let pooled = (0..<vc).map { ch in (0..<hw).map { v[(b * vc + ch) * hw + $0] }.reduce(0, +) / Double(hw) }
      let hidden = (0..<vh).map { j in max(b1[j] + (0..<vc).map { w1[j * vc + $0] * pooled[$0] }.reduce(0, +), 0) }
      let out = (0..<vo).map { j in b2[j] + (0..<vh).map { w2[j * vh + $0] * hidden[$0] }.reduce(0, +) }
      if c.valueHead == .tanh {
        values.append(tanh(out[0]))
      } else {
        let m = out.max()!, z = out.map { exp($0 - m) }.reduce(0, +)
        values += out.map { exp($0 - m) / z }
      }
    }
    return (probs, values)
  }
}

/// A random batch: observations in {0, 1} like games write, masks with some illegal actions,
/// policy targets on legal actions, value targets in {-1, 0, 1}.
func randomBatch(_ c: NetworkConfig, count: Int, seed: UInt64) -> TrainingBatch {
  var rng = SplitMix64(seed: seed)
  let obs = (0..<(count * c.observationCount)).map { _ in Float(rng.next(below: 2)) }
  var masks = [Float](repeating: 0, count: count * c.actionCount)
  var targets = masks
  for b in 0..<count {
    for a in 0..<c.actionCount where a == b % c.actionCount || rng.next(below: 3) > 0 { masks[b * c.actionCount + a] = 1 }
    var sum: Float = 0
    for a in 0..<c.actionCount where masks[b * c.actionCount + a] != 0 {
      let t = Float(rng.next(below: 100) + 1)
      targets[b * c.actionCount + a] = t
      sum += t
    }
    for a in 0..<c.actionCount { targets[b * c.actionCount + a] /= sum }
  }
  let values = (0..<count).map { _ in Float(rng.next(below: 3)) - 1 }
  return TrainingBatch(count: count, observations: obs, legalMasks: masks, policyTargets: targets, valueTargets: values)
}

/// Scrambles batch-norm scales, shifts and running statistics so that folding them is really tested.
func scrambleBatchNorm(_ net: PolicyValueNet, seed: UInt64) {
  var rng = SplitMix64(seed: seed)
  for t in net.layout.tensors where t.name.contains(".bn") {
    for i in 0..<t.count { net.parameters[t.offset + i] = (t.name.hasSuffix("weight") ? 1 : 0) + 0.3 * normal(&rng) }
  }
  for t in net.statisticsLayout.tensors {
    for i in 0..<t.count {
      net.statistics[t.offset + i] = t.name.hasSuffix("var") ? 0.5 + Float(rng.next(below: 100)) / 100 : 0.2 * normal(&rng)
    }
  }
}
