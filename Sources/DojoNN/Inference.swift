// Inference for search: batch norm folded into the convolutions (running statistics), outputs
// written into buffers the caller owns, and a grow-only workspace, so that after the first call at
// a batch size nothing is allocated (`growthCount` stays put). One engine per worker thread.

import CDNNL

#if canImport(Glibc)
import Glibc
#endif

/// Which library runs the residual tower's convolutions.
public enum ConvolutionBackend: String, Sendable, CaseIterable {
  /// oneDNN: direct convolutions in the layout it chooses, bias, ReLU and the residual sum fused.
  case onednn
  /// im2col + OpenBLAS's sgemm: the reference path, and the fallback where oneDNN cannot plan.
  case openblas

  /// `DOJO_CONVOLUTION=openblas|onednn` in the environment, else oneDNN.
  public static var `default`: ConvolutionBackend {
    getenv("DOJO_CONVOLUTION").flatMap { ConvolutionBackend(rawValue: String(cString: $0)) } ?? .onednn
  }
}

/// The number format of the tower's activations and weights on oneDNN.
public enum InferencePrecision: String, Sendable, CaseIterable, Codable {
  /// What this CPU runs fastest and soundly: bf16 where it has AMX (oneDNN measured 11–20× fp32 on
  /// such a machine); int8 where it has AVX2 and the engine has calibration positions (self-play
  /// actors calibrate, other users run fp32): with VNNI measured 3.2–4.4× fp32 on an AVX-512 Xeon,
  /// without it (7-bit weights, `OneDNNTower.int8WeightTop`) 1.9–2.9× on an AVX2 EPYC; else fp32
  /// (with AVX-512 bf16 but no AMX, bf16 ran slower than fp32 on a Xeon; AVX2 has no bf16).
  case auto
  case fp32
  /// bfloat16 activations and weights, f32 accumulation; f32 at the tower's edges and in the heads.
  case bf16
  /// u8 activations and s8 weights (per output channel), s32 accumulation, scales from
  /// calibration positions; f32 at the tower's edges and in the heads. Needs calibration positions
  /// (`InferenceEngine(..., calibration:)`): without them the engine runs fp32 and says so.
  case int8

  /// `auto` made concrete for this CPU (`DOJO_INFERENCE_PRECISION=fp32|bf16|int8` overrides `auto`).
  public var resolved: InferencePrecision {
    guard self == .auto else { return self }
    if let e = getenv("DOJO_INFERENCE_PRECISION").flatMap({ InferencePrecision(rawValue: String(cString: $0)) }), e != .auto { return e }
    return Self.cpuChoice
  }

  static let cpuChoice: InferencePrecision = choice(isa: .current)

  /// The choice `auto` makes where oneDNN dispatches to `isa` (this CPU's, or lower where
  /// `ONEDNN_MAX_CPU_ISA` caps it).
  public static func choice(isa: OneDNNISA) -> InferencePrecision {
    if isa.hasAMX { return .bf16 }
    if isa.hasAVX2 { return .int8 }
    return .fp32
  }
}

public final class InferenceEngine {
  public let config: NetworkConfig
  let layout: TensorLayout
  let weights: UnsafeMutablePointer<Float>
  let work = Workspace()
  /// The tower on oneDNN (nil: OpenBLAS runs it).
  var tower: OneDNNTower?
  /// The backend in use: oneDNN's implementation name once it has run and the precision (e.g.
  /// `onednn brgconv:avx512_core bf16`; int8 names its weights' width, which differs by CPU:
  /// `onednn jit_uni_int8:avx2 int8, 7-bit weights (no VNNI)`), or `openblas`.
  public var backendDescription: String {
    tower.map { "onednn \($0.implementation) \(precision.rawValue)" + (int8WeightBits.map { Self.weightWidth($0) } ?? "")
      + (precisionNote.map { " (\($0))" } ?? "") }
      ?? (oneDNNFailure.map { "openblas (\($0))" } ?? "openblas")
  }

  /// ", 8-bit weights (VNNI)" or ", 7-bit weights (no VNNI)".
  static func weightWidth(_ bits: Int) -> String { ", \(bits)-bit weights (\(bits == 8 ? "VNNI" : "no VNNI"))" }
  /// The tower's precision on oneDNN (fp32, bf16 or int8).
  public private(set) var precision = InferencePrecision.fp32
  /// Why the precision asked for is not the one running (bf16 or int8 that this CPU's oneDNN cannot
  /// plan, int8 without calibration positions).
  public private(set) var precisionNote: String?
  /// int8: the bits of the weights' range, 8 with VNNI, 7 without (`OneDNNTower.int8WeightTop`);
  /// nil in the other precisions.
  public var int8WeightBits: Int? { precision == .int8 ? Self.int8WeightBitsOnThisCPU : nil }
  /// The bits int8 weights have on this CPU: 8 where oneDNN's kernels have VNNI (or AMX), 7 without.
  public static var int8WeightBitsOnThisCPU: Int { OneDNNTower.int8WeightTop == 127 ? 8 : 7 }
  var oneDNNFailure: String?

  /// Workspace allocations so far; constant once warmed up at the largest batch size.
  public var growthCount: Int { work.growthCount }

  /// Folds `network`'s current parameters and running statistics into an engine (a snapshot: later
  /// training does not change it). Sets OpenBLAS to `blasThreads` threads (Dojo runs one worker per
  /// core, each single-threaded). int8 takes its activation scales from `calibration`: observations
  /// (count × observationCount floats) of positions like those it will evaluate. The precision is
  /// fp32 unless asked otherwise: `.auto` (what the actors run) is the caller's choice, since it
  /// differs by CPU (bf16 with AMX).
  public init(network: PolicyValueNet, blasThreads: Int = 1, backend: ConvolutionBackend = .default, precision: InferencePrecision = .fp32,
              calibration: [Float]? = nil) {
    setBLASThreadCount(blasThreads)
    config = network.config
    let c = config
    var specs: [(String, [Int], Bool)] = []
    for (conv, _, outC, inC, k) in Self.convolutions(c) {
      specs += [("\(conv).weight", [outC, inC * k], false), ("\(conv).bias", [outC], false)]
    }
    for name in ["policy.fc.weight", "policy.fc.bias", "value.fc1.weight", "value.fc1.bias", "value.fc2.weight", "value.fc2.bias"] {
      specs.append((name, network.layout[name].shape, false))
    }
    layout = TensorLayout(specs)
    weights = .allocate(capacity: layout.totalCount)
    for (conv, bn, outC, inC, k) in Self.convolutions(c) {
      let w = network.p(conv + ".weight"), gamma = network.p(bn + ".weight"), beta = network.p(bn + ".bias")
      let mean = network.s(bn + ".running_mean"), variance = network.s(bn + ".running_var")
      let fw = weights + layout[conv + ".weight"].offset, fb = weights + layout[conv + ".bias"].offset
      for o in 0..<outC {
        let scale = gamma[o] / (variance[o] + c.batchNormEpsilon).squareRoot()
        for i in 0..<(inC * k) { fw[o * inC * k + i] = w[o * inC * k + i] * scale }
        fb[o] = beta[o] - mean[o] * scale
      }
    }
    for name in ["policy.fc.weight", "policy.fc.bias", "value.fc1.weight", "value.fc1.bias", "value.fc2.weight", "value.fc2.bias"] {
      (weights + layout[name].offset).update(from: network.p(name), count: layout[name].count)
    }
    if backend == .onednn {
      let tower = Self.convolutions(c).prefix(1 + 2 * c.blocks).map { conv, _, outC, inC, _ in
        OneDNNTower.Convolution(weights: weights + layout[conv + ".weight"].offset, bias: weights + layout[conv + ".bias"].offset,
                                outputs: outC, inputs: inC)
      }
      do {
        func make(_ type: dnnl_data_type_t, scales: [Float]? = nil) throws(OneDNNError) -> OneDNNTower {
          let t = try OneDNNTower(convolutions: Array(tower), blocks: c.blocks, height: c.geometry.height, width: c.geometry.width,
                                  threads: blasThreads, dataType: type, activationScales: scales)
          try t.prepare(batch: 1)  // plans now, so a precision this CPU cannot run shows here
          return t
        }
        if precision.resolved == .int8 && calibration == nil && precision == .auto {
          self.tower = try make(dnnl_f32)  // auto without calibration positions: fp32, as asked of no one
        } else if precision.resolved == .int8 {
          do throws(OneDNNError) {
            guard let calibration else { throw OneDNNError(description: "no calibration positions") }
            self.tower = try make(dnnl_u8, scales: try activationScales(calibration))
            self.precision = .int8
          } catch {
            precisionNote = "int8 asked for, but \(error)"
            self.tower = try make(dnnl_f32)
          }
        } else if precision.resolved == .bf16 {
          do {
            self.tower = try make(dnnl_bf16)
            self.precision = .bf16
          } catch {
            precisionNote = "bf16 asked for, but \(error)"
            self.tower = try make(dnnl_f32)
          }
        } else {
          self.tower = try make(dnnl_f32)
        }
      } catch { oneDNNFailure = "\(error)" }
    }
  }

  deinit { weights.deallocate() }

  /// (convolution, its batch norm, out channels, in channels, kernel cells) for every convolution.
  static func convolutions(_ c: NetworkConfig) -> [(String, String, Int, Int, Int)] {
    [("stem.conv", "stem.bn", c.channels, c.inputPlanes, 9)]
      + (0..<c.blocks).flatMap { i in
        [("blocks.\(i).conv1", "blocks.\(i).bn1", c.channels, c.channels, 9),
         ("blocks.\(i).conv2", "blocks.\(i).bn2", c.channels, c.channels, 9)]
      }
      + [("policy.conv", "policy.bn", c.policyChannels, c.channels, 1), ("value.conv", "value.bn", c.valueChannels, c.channels, 1)]
  }

  @inline(__always) func w(_ name: String) -> UnsafeMutablePointer<Float> { weights + layout[name].offset }

  /// Evaluates `count` positions.
  /// - observations: count × observationCount floats, as games write them.
  /// - legalMasks: count × actionCount, nonzero where legal (nil: every action legal).
  /// - priors: count × actionCount, receives the policy (0 on illegal actions, summing to 1).
  /// - values: count, receives the value in [-1, 1] from the side to move's point of view.
  public func evaluate(
    count b: Int, observations: UnsafePointer<Float>, legalMasks: UnsafePointer<Float>?,
    priors: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>
  ) {
    let c = config, hw = c.geometry.cells, n = b * hw, f = c.channels
    let x0 = work.buffer("x0", c.inputPlanes * n)
    sampleMajorToChannelMajor(observations, x0, channels: c.inputPlanes, batch: b, cells: hw)
    var a = work.buffer("a0", f * n)
    if let tower {
      do { try tower.run(batch: b, input: x0, output: a) } catch {
        // oneDNN could not plan this batch size: go on with OpenBLAS, and say why in the description.
        oneDNNFailure = "\(error)"
        self.tower = nil
        towerOnBLAS(b, x0, &a)
      }
    } else {
      towerOnBLAS(b, x0, &a)
    }
    heads(b, a, legalMasks: legalMasks, priors: priors, values: values)
  }

  /// How far beyond the calibration positions' largest value each hidden tensor's u8 range reaches.
  /// Positions outside the calibration set go beyond it (measured on trained tic-tac-toe nets: 1.3×
  /// at the first convolution), and a clipped activation moved one position's value by 0.50-0.78;
  /// with 1.5× the worst of 4,520 positions moved 0.05-0.11, for 20 % more error in the median.
  static let calibrationHeadroom: Float = 1.5

  /// int8's activation scales: each tower tensor's largest value over the calibration positions
  /// (run in fp32 on OpenBLAS), times `calibrationHeadroom` for the hidden tensors, over 255, the u8
  /// range. The input's scale is its largest value itself, so 0/1 planes stay exact. Inputs must not
  /// be negative (u8).
  func activationScales(_ observations: [Float]) throws(OneDNNError) -> [Float] {
    let c = config, hw = c.geometry.cells, count = observations.count / c.observationCount
    guard count > 0, observations.count == count * c.observationCount else {
      throw OneDNNError(description: "calibration needs whole observations of \(c.observationCount) values, got \(observations.count)")
    }
    guard observations.allSatisfy({ $0 >= 0 }) else { throw OneDNNError(description: "calibration observations hold negative values (u8 inputs)") }
    var largest = [Float](repeating: 0, count: 2 + 2 * c.blocks)
    let chunk = 64
    for start in stride(from: 0, to: count, by: chunk) {
      let b = min(chunk, count - start)
      let x0 = work.buffer("x0", c.inputPlanes * b * hw)
      observations.withUnsafeBufferPointer { o in
        sampleMajorToChannelMajor(o.baseAddress! + start * c.observationCount, x0, channels: c.inputPlanes, batch: b, cells: hw)
      }
      var a = work.buffer("a0", c.channels * b * hw)
      towerOnBLAS(b, x0, &a) { layer, values, n in
        for i in 0..<n { largest[layer] = max(largest[layer], values[i]) }
      }
    }
    return largest.indices.map { layer in
      guard largest[layer] > 0 else { return 1 }
      return (layer == 0 ? largest[layer] : largest[layer] * Self.calibrationHeadroom) / 255
    }
  }

  /// The stem and the residual blocks by im2col and sgemm; the result ends in `a`. `observe` (for
  /// calibration) sees each tensor in turn: 0 the input, k the k-th convolution's output.
  func towerOnBLAS(_ b: Int, _ x0: UnsafeMutablePointer<Float>, _ a: inout UnsafeMutablePointer<Float>,
                   observe: ((Int, UnsafePointer<Float>, Int) -> Void)? = nil) {
    let c = config, geo = c.geometry, n = b * geo.cells, f = c.channels
    let col = work.buffer("col", max(c.inputPlanes, f) * 9 * n)
    var spare = work.buffer("a1", f * n)
    let r = work.buffer("r", f * n)

    observe?(0, x0, c.inputPlanes * n)
    im2col3x3(x0, channels: c.inputPlanes, batch: b, geo, col)
    gemm(m: f, n: n, k: c.inputPlanes * 9, a: w("stem.conv.weight"), lda: c.inputPlanes * 9, b: col, ldb: n, c: a, ldc: n)
    biasReLU(a, w("stem.conv.bias"), rows: f, n: n)
    observe?(1, a, f * n)
    for i in 0..<c.blocks {
      im2col3x3(a, channels: f, batch: b, geo, col)
      gemm(m: f, n: n, k: f * 9, a: w("blocks.\(i).conv1.weight"), lda: f * 9, b: col, ldb: n, c: r, ldc: n)
      biasReLU(r, w("blocks.\(i).conv1.bias"), rows: f, n: n)
      observe?(2 + 2 * i, r, f * n)
      im2col3x3(r, channels: f, batch: b, geo, col)
      gemm(m: f, n: n, k: f * 9, a: w("blocks.\(i).conv2.weight"), lda: f * 9, b: col, ldb: n, c: spare, ldc: n)
      biasSkipReLU(spare, w("blocks.\(i).conv2.bias"), skip: a, rows: f, n: n)
      observe?(3 + 2 * i, spare, f * n)
      swap(&a, &spare)
    }
  }

  /// The policy and value heads on the tower's output `a` (channel-major).
  func heads(_ b: Int, _ a: UnsafeMutablePointer<Float>, legalMasks: UnsafePointer<Float>?, priors: UnsafeMutablePointer<Float>,
             values: UnsafeMutablePointer<Float>) {
    let c = config, hw = c.geometry.cells, n = b * hw, f = c.channels
    // Policy head.
    let pc = c.policyChannels, act = c.actionCount
    let rp = work.buffer("rp", pc * n), fp = work.buffer("fp", b * pc * hw), logits = work.buffer("logits", b * act)
    gemm(m: pc, n: n, k: f, a: w("policy.conv.weight"), lda: f, b: a, ldb: n, c: rp, ldc: n)
    biasReLU(rp, w("policy.conv.bias"), rows: pc, n: n)
    channelMajorToSampleMajor(rp, fp, channels: pc, batch: b, cells: hw)
    gemm(transB: true, m: b, n: act, k: pc * hw, a: fp, lda: pc * hw, b: w("policy.fc.weight"), ldb: pc * hw, c: logits, ldc: act)
    addColumnBias(logits, w("policy.fc.bias"), rows: b, n: act)
    maskedSoftmax(logits, mask: legalMasks, priors, rows: b, n: act)
    // Value head.
    let vc = c.valueChannels, vh = c.valueHidden, vo = c.valueOutputs
    let rv = work.buffer("rv", vc * n), pooled = work.buffer("pooled", b * vc)
    let hidden = work.buffer("hidden", b * vh), out = work.buffer("vout", b * vo)
    gemm(m: vc, n: n, k: f, a: w("value.conv.weight"), lda: f, b: a, ldb: n, c: rv, ldc: n)
    biasReLU(rv, w("value.conv.bias"), rows: vc, n: n)
    globalAveragePool(rv, pooled, channels: vc, batch: b, cells: hw)
    gemm(transB: true, m: b, n: vh, k: vc, a: pooled, lda: vc, b: w("value.fc1.weight"), ldb: vc, c: hidden, ldc: vh)
    addColumnBias(hidden, w("value.fc1.bias"), rows: b, n: vh)
    relu(hidden, hidden, b * vh)
    gemm(transB: true, m: b, n: vo, k: vh, a: hidden, lda: vh, b: w("value.fc2.weight"), ldb: vh, c: out, ldc: vo)
    addColumnBias(out, w("value.fc2.bias"), rows: b, n: vo)
    if c.valueHead == .tanh {
      for i in 0..<b { values[i] = tanhf(out[i]) }
    } else {
      maskedSoftmax(out, mask: nil, out, rows: b, n: 3)
      for i in 0..<b { values[i] = out[i * 3] - out[i * 3 + 2] }
    }
  }
}

/// x[c, :] = max(x[c, :] + bias[c], 0).
@inline(__always)
func biasReLU(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, n: Int) {
  for c in 0..<rows {
    let row = x + c &* n, b = bias[c]
    for i in 0..<n { row[i] = max(row[i] + b, 0) }
  }
}

/// x[c, :] = max(x[c, :] + bias[c] + skip[c, :], 0).
@inline(__always)
func biasSkipReLU(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, skip: UnsafePointer<Float>, rows: Int, n: Int) {
  for c in 0..<rows {
    let row = x + c &* n, s = skip + c &* n, b = bias[c]
    for i in 0..<n { row[i] = max(row[i] + b + s[i], 0) }
  }
}

/// One 3×3 convolution exactly as the network runs it (im2col, then one sgemm): for benchmarks.
/// x: channels × (batch·height·width), channel-major; weights: channels × (9·channels).
public func convolution3x3(_ x: [Float], weights: [Float], channels: Int, batch: Int, height: Int, width: Int,
                           col: inout [Float], out: inout [Float]) {
  let n = batch * height * width
  x.withUnsafeBufferPointer { xp in
    col.withUnsafeMutableBufferPointer { cp in
      im2col3x3(xp.baseAddress!, channels: channels, batch: batch, Geometry(height: height, width: width), cp.baseAddress!)
      weights.withUnsafeBufferPointer { wp in
        out.withUnsafeMutableBufferPointer { op in
          gemm(m: channels, n: n, k: 9 * channels, a: wp.baseAddress!, lda: 9 * channels, b: cp.baseAddress!, ldb: n, c: op.baseAddress!, ldc: n)
        }
      }
    }
  }
}

/// A named tensor of floats (row-major).
public struct NamedTensor: Sendable {
  public let name: String
  public let shape: [Int]
  public let values: [Float]
}

extension InferenceEngine {
  /// The engine's weights (batch norm folded into each convolution's weight and bias), with
  /// convolution weights shaped [out, in, k, k]: what an exported inference graph needs.
  public var foldedTensors: [NamedTensor] {
    let kernels = Dictionary(uniqueKeysWithValues: Self.convolutions(config).map { ($0.0 + ".weight", $0.4 == 9 ? 3 : 1) })
    return layout.tensors.map { t in
      var shape = t.shape
      if let k = kernels[t.name] { shape = [t.shape[0], t.shape[1] / (k * k), k, k] }
      return NamedTensor(name: t.name, shape: shape, values: Array(UnsafeBufferPointer(start: weights + t.offset, count: t.count)))
    }
  }
}
