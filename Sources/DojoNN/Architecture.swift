// The residual policy-value network's shape, and where each named tensor lives in the flat
// parameter buffer. Names follow PyTorch's conventions so checkpoints read naturally elsewhere.

/// The value head's output.
public enum ValueHead: String, Codable, Sendable, CaseIterable {
  /// One scalar through tanh, trained by mean squared error (AlphaZero).
  case tanh
  /// Win/draw/loss probabilities through softmax, trained by cross-entropy (Leela Chess Zero,
  /// KataGo); the scalar value is P(win) − P(loss).
  case wdl
}

/// The architecture: input and output sizes from the game, the trunk and heads from the config.
public struct NetworkConfig: Codable, Sendable, Equatable {
  /// Observation planes, board height and width (the game's observation shape).
  public var inputPlanes: Int
  public var height: Int
  public var width: Int
  /// Policy outputs: the game's action count.
  public var actionCount: Int
  /// Residual blocks in the trunk. AlphaZero: 19 or 39; default 5 (fits two CPU cores).
  public var blocks: Int
  /// Channels of every trunk convolution. AlphaZero: 256; default 64.
  public var channels: Int
  /// Channels of the policy head's 1×1 convolution. AlphaZero: 2.
  public var policyChannels: Int
  /// Channels of the value head's 1×1 convolution, global-average-pooled. KataGo: 32.
  public var valueChannels: Int
  /// Hidden units of the value head's fully connected layer. AlphaZero: 256; default 64.
  public var valueHidden: Int
  /// `tanh` (scalar) or `wdl` (win/draw/loss).
  public var valueHead: ValueHead
  /// Batch normalisation's epsilon and running-average momentum (PyTorch's defaults).
  public var batchNormEpsilon: Float
  public var batchNormMomentum: Float

  public init(
    inputPlanes: Int, height: Int, width: Int, actionCount: Int, blocks: Int = 5, channels: Int = 64,
    policyChannels: Int = 2, valueChannels: Int = 32, valueHidden: Int = 64, valueHead: ValueHead = .tanh,
    batchNormEpsilon: Float = 1e-5, batchNormMomentum: Float = 0.1
  ) {
    self.inputPlanes = inputPlanes
    self.height = height
    self.width = width
    self.actionCount = actionCount
    self.blocks = blocks
    self.channels = channels
    self.policyChannels = policyChannels
    self.valueChannels = valueChannels
    self.valueHidden = valueHidden
    self.valueHead = valueHead
    self.batchNormEpsilon = batchNormEpsilon
    self.batchNormMomentum = batchNormMomentum
  }

  public var geometry: Geometry { Geometry(height: height, width: width) }
  public var observationCount: Int { inputPlanes * height * width }
  public var valueOutputs: Int { valueHead == .wdl ? 3 : 1 }

  /// Multiply-adds per position of one forward pass (for GFLOP/s figures).
  public var multiplyAddsPerPosition: Int {
    let hw = height * width
    let trunk = (inputPlanes * 9 * channels + blocks * 2 * channels * 9 * channels) * hw
    let heads = (policyChannels + valueChannels) * channels * hw + policyChannels * hw * actionCount
      + valueChannels * valueHidden + valueHidden * valueOutputs
    return trunk + heads
  }

  /// Checks a shape read from outside (a checkpoint's meta.json) before anything is allocated for
  /// it: every field within bounds, and its tensors no larger than `bytes`, the weights file holding them.
  func validate(path: String, bytes: Int) throws(CheckpointError) {
    let bounds: [(String, Int, ClosedRange<Int>)] = [
      ("input_planes", inputPlanes, 1...1024), ("height", height, 1...64), ("width", width, 1...64), ("action_count", actionCount, 1...100_000),
      ("blocks", blocks, 0...100), ("channels", channels, 1...1024), ("policy_channels", policyChannels, 1...256),
      ("value_channels", valueChannels, 1...256), ("value_hidden", valueHidden, 1...4096),
    ]
    for (name, value, range) in bounds where !range.contains(value) {
      throw .corrupt(path, "architecture \(name) = \(value) is outside \(range.lowerBound)...\(range.upperBound)")
    }
    guard batchNormEpsilon.isFinite, batchNormEpsilon > 0, batchNormMomentum.isFinite else { throw .corrupt(path, "batch-norm settings are not finite") }
    let floats = (parameterSpecs + statisticSpecs).reduce(0) { $0 + $1.1.reduce(1, *) }
    guard floats * 4 <= bytes else { throw .corrupt(path, "the architecture needs \(floats * 4) bytes of tensors, the file has \(bytes)") }
  }

  /// The names of the batch normalisations, in order.
  var batchNorms: [String] {
    ["stem.bn"] + (0..<blocks).flatMap { ["blocks.\($0).bn1", "blocks.\($0).bn2"] } + ["policy.bn", "value.bn"]
  }

  /// Every trained tensor, in order: (name, shape, weight-decayed).
  var parameterSpecs: [(String, [Int], Bool)] {
    let f = channels, hw = height * width
    var specs: [(String, [Int], Bool)] = [("stem.conv.weight", [f, inputPlanes, 3, 3], true)]
    specs += [("stem.bn.weight", [f], false), ("stem.bn.bias", [f], false)]
    for i in 0..<blocks {
      for j in 1...2 {
        specs += [("blocks.\(i).conv\(j).weight", [f, f, 3, 3], true),
                  ("blocks.\(i).bn\(j).weight", [f], false), ("blocks.\(i).bn\(j).bias", [f], false)]
      }
    }
    specs += [("policy.conv.weight", [policyChannels, f, 1, 1], true),
              ("policy.bn.weight", [policyChannels], false), ("policy.bn.bias", [policyChannels], false),
              ("policy.fc.weight", [actionCount, policyChannels * hw], true), ("policy.fc.bias", [actionCount], false),
              ("value.conv.weight", [valueChannels, f, 1, 1], true),
              ("value.bn.weight", [valueChannels], false), ("value.bn.bias", [valueChannels], false),
              ("value.fc1.weight", [valueHidden, valueChannels], true), ("value.fc1.bias", [valueHidden], false),
              ("value.fc2.weight", [valueOutputs, valueHidden], true), ("value.fc2.bias", [valueOutputs], false)]
    return specs
  }

  /// Batch-norm running statistics: `<bn>.running_mean` and `<bn>.running_var`.
  var statisticSpecs: [(String, [Int], Bool)] {
    batchNorms.flatMap { bn -> [(String, [Int], Bool)] in
      let c = bn.hasPrefix("policy") ? policyChannels : bn.hasPrefix("value") ? valueChannels : channels
      return [("\(bn).running_mean", [c], false), ("\(bn).running_var", [c], false)]
    }
  }
}

/// One named tensor inside a flat buffer.
public struct TensorSpec: Sendable, Equatable {
  public let name: String
  public let shape: [Int]
  public let offset: Int
  public let decays: Bool
  public var count: Int { shape.reduce(1, *) }
}

/// Where each named tensor lives in a flat buffer.
public struct TensorLayout: Sendable, Equatable {
  public let tensors: [TensorSpec]
  public let totalCount: Int
  let index: [String: Int]

  init(_ specs: [(String, [Int], Bool)]) {
    var tensors: [TensorSpec] = []
    var offset = 0
    for (name, shape, decays) in specs {
      tensors.append(TensorSpec(name: name, shape: shape, offset: offset, decays: decays))
      offset += shape.reduce(1, *)
    }
    self.tensors = tensors
    totalCount = offset
    index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
  }

  public subscript(name: String) -> TensorSpec { tensors[index[name]!] }
  public func spec(named name: String) -> TensorSpec? { index[name].map { tensors[$0] } }
}
