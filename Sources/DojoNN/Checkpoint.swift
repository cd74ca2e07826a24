// Checkpoints: a directory holding
//   model.safetensors      every parameter and batch-norm running statistic, by name
//   optimizer.safetensors  the optimizer's moment buffers and step (absent for inference-only copies),
//                          and with a weight average, the raw weights the optimizer steps
//   meta.json              game, architecture, generation, training steps, samples seen, parent,
//                          and the SHA-256 of model.safetensors
// written to a temporary directory, fsynced, and renamed into place, so a reader sees all or nothing.

import Crypto
import Foundation

/// What a checkpoint says about itself.
public struct CheckpointMetadata: Codable, Sendable, Equatable {
  public static let currentFormat = "dojo-checkpoint/1"
  public var format = CheckpointMetadata.currentFormat
  /// The game's canonical name, e.g. `connect_four(rows=6,columns=7)`.
  public var game: String
  public var architecture: NetworkConfig
  /// Generation: how many checkpoints precede this one in its line.
  public var generation: Int
  public var trainingSteps: Int
  public var samplesSeen: Int
  /// The name of the checkpoint this one was trained from, if any.
  public var parent: String?
  public var optimizer: OptimizerConfig?
  /// Hex SHA-256 of model.safetensors: the checkpoint's content hash.
  public var modelSHA256: String = ""
  public var created: String = ""

  public init(game: String, architecture: NetworkConfig, generation: Int = 0, trainingSteps: Int = 0,
              samplesSeen: Int = 0, parent: String? = nil, optimizer: OptimizerConfig? = nil) {
    self.game = game
    self.architecture = architecture
    self.generation = generation
    self.trainingSteps = trainingSteps
    self.samplesSeen = samplesSeen
    self.parent = parent
    self.optimizer = optimizer
  }
}

/// Why a checkpoint was refused. Each names the file and what was wrong.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
  case missing(String)
  case truncated(String, String)
  case corrupt(String, String)
  case hashMismatch(String, expected: String, actual: String)
  case wrongGame(String, expected: String, found: String)
  case wrongArchitecture(String, String)
  case exists(String)
  case io(String, String)

  public var description: String {
    switch self {
    case let .missing(p): "checkpoint \(p): not found"
    case let .truncated(p, d): "checkpoint file \(p) is truncated: \(d)"
    case let .corrupt(p, d): "checkpoint file \(p) is corrupt: \(d)"
    case let .hashMismatch(p, e, a): "checkpoint file \(p) is corrupt: its SHA-256 is \(a), meta.json says \(e)"
    case let .wrongGame(p, e, f): "checkpoint \(p) is for \(f), not \(e)"
    case let .wrongArchitecture(p, d): "checkpoint \(p) has another architecture: \(d)"
    case let .exists(p): "checkpoint \(p) already exists (checkpoints are never overwritten)"
    case let .io(p, d): "checkpoint \(p): \(d)"
    }
  }
}

public enum Checkpoint {
  /// Writes `network` (and `optimizer`, if given) as a checkpoint directory at `path`, atomically.
  /// Returns the metadata written (with the content hash filled in). With `averaged` (a moving
  /// average of the weights), model.safetensors holds the average and optimizer.safetensors the
  /// network's own weights as `training_parameters`, so training resumes from them.
  @discardableResult
  public static func write(_ network: PolicyValueNet, optimizer: Optimizer?, metadata: CheckpointMetadata, to path: String,
                           averaged: [Float]? = nil) throws(CheckpointError) -> CheckpointMetadata {
    let fm = FileManager.default
    if fm.fileExists(atPath: path) { throw .exists(path) }
    var meta = metadata
    meta.architecture = network.config
    meta.optimizer = optimizer?.config
    meta.created = ISO8601DateFormatter().string(from: Date())
    if let averaged { precondition(averaged.count == network.layout.totalCount, "a weight average of another network") }
    let model = try SafeTensors.encode(modelTensors(network, averaged: averaged), metadata: ["format": meta.format, "game": meta.game], path: path)
    meta.modelSHA256 = sha256(model)
    let temporary = path + ".tmp-\(getpid())"
    do {
      try? fm.removeItem(atPath: temporary)
      try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
      try writeSynced(model, to: temporary + "/model.safetensors")
      if let optimizer {
        var tensors: [SafeTensors.Tensor] = [
          .init(name: "first_moment", shape: [optimizer.count], values: Array(UnsafeBufferPointer(start: optimizer.first, count: optimizer.count))),
          .init(name: "second_moment", shape: [optimizer.count], values: Array(UnsafeBufferPointer(start: optimizer.second, count: optimizer.count)))]
        if averaged != nil {
          let n = network.layout.totalCount
          tensors.append(.init(name: "training_parameters", shape: [n], values: Array(UnsafeBufferPointer(start: network.parameters, count: n))))
        }
        let state = try SafeTensors.encode(tensors, metadata: ["step": String(optimizer.step)], path: path)
        try writeSynced(state, to: temporary + "/optimizer.safetensors")
      }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try writeSynced(try encoder.encode(meta), to: temporary + "/meta.json")
      try fm.moveItem(atPath: temporary, toPath: path)
      syncDirectory((path as NSString).deletingLastPathComponent)
    } catch {
      try? fm.removeItem(atPath: temporary)
      let e = error as NSError
      let full = (e.domain == NSPOSIXErrorDomain && e.code == Int(ENOSPC)) || (e.domain == NSCocoaErrorDomain && e.code == CocoaError.fileWriteOutOfSpace.rawValue)
      throw .io(path, full ? "disk full: nothing was written (\(e.localizedDescription))" : "\(error)")
    }
    return meta
  }

  /// A loaded checkpoint.
  public struct Loaded {
    public let network: PolicyValueNet
    public let metadata: CheckpointMetadata
    /// The optimizer with its state, when the checkpoint has one.
    public let optimizer: Optimizer?
    /// The weights the optimizer steps, when `network` holds their moving average (nil: the same).
    public var trainingParameters: [Float]? = nil
  }

  /// The metadata of the checkpoint at `path` (meta.json alone: the weights are neither read nor
  /// checked against their hash). `game` and `architecture` as for `read`.
  public static func metadata(_ path: String, game: String? = nil, architecture: NetworkConfig? = nil) throws(CheckpointError) -> CheckpointMetadata {
    let fm = FileManager.default
    guard fm.fileExists(atPath: path) else { throw .missing(path) }
    let metaPath = path + "/meta.json"
    guard let metaData = fm.contents(atPath: metaPath) else { throw .missing(metaPath) }
    let decoder = JSONDecoder()
    let meta: CheckpointMetadata
    do { meta = try decoder.decode(CheckpointMetadata.self, from: metaData) } catch {
      throw .corrupt(metaPath, "\(error)")
    }
    guard meta.format == CheckpointMetadata.currentFormat else { throw .corrupt(metaPath, "unknown format '\(meta.format)'") }
    if let game, game != meta.game { throw .wrongGame(path, expected: game, found: meta.game) }
    if let architecture, architecture != meta.architecture {
      throw .wrongArchitecture(path, differences(architecture, meta.architecture))
    }
    return meta
  }

  /// Reads the checkpoint at `path`. With `game` or `architecture` given, a checkpoint for another
  /// game or of another shape is refused.
  public static func read(_ path: String, game: String? = nil, architecture: NetworkConfig? = nil) throws(CheckpointError) -> Loaded {
    let fm = FileManager.default
    let meta = try metadata(path, game: game, architecture: architecture)
    let modelPath = path + "/model.safetensors"
    guard let model = fm.contents(atPath: modelPath) else { throw .missing(modelPath) }
    return try assemble(meta: meta, model: model, modelPath: modelPath, optimizer: fm.contents(atPath: path + "/optimizer.safetensors"),
                        optimizerPath: path + "/optimizer.safetensors")
  }

  /// A checkpoint from its files' bytes (meta.json, model.safetensors, optimizer.safetensors), checked
  /// as `read` checks them; for bytes that come from elsewhere than a folder (the fuzzer, a peer).
  public static func decode(meta: Data, model: Data, optimizer: Data?) throws(CheckpointError) -> Loaded {
    let m: CheckpointMetadata
    do { m = try JSONDecoder().decode(CheckpointMetadata.self, from: meta) } catch { throw .corrupt("meta.json", "\(error)") }
    guard m.format == CheckpointMetadata.currentFormat else { throw .corrupt("meta.json", "unknown format '\(m.format)'") }
    return try assemble(meta: m, model: model, modelPath: "model.safetensors", optimizer: optimizer, optimizerPath: "optimizer.safetensors")
  }

  static func assemble(meta: CheckpointMetadata, model: Data, modelPath: String, optimizer optimizerData: Data?, optimizerPath: String)
    throws(CheckpointError) -> Loaded {
    let decoded = try SafeTensors.decode(model, path: modelPath)
    let hash = sha256(model)
    guard hash == meta.modelSHA256 else { throw .hashMismatch(modelPath, expected: meta.modelSHA256, actual: hash) }
    try meta.architecture.validate(path: modelPath, bytes: model.count)
    let network = PolicyValueNet(config: meta.architecture, seed: 0)
    for (layout, base) in [(network.layout, network.parameters), (network.statisticsLayout, network.statistics)] {
      for t in layout.tensors {
        guard let stored = decoded.tensors[t.name] else { throw .wrongArchitecture(modelPath, "no tensor '\(t.name)'") }
        guard stored.shape == t.shape, stored.values.count == t.count else {
          throw .wrongArchitecture(modelPath, "tensor '\(t.name)' has shape \(stored.shape), expected \(t.shape)")
        }
        stored.values.withUnsafeBufferPointer { (base + t.offset).update(from: $0.baseAddress!, count: t.count) }
      }
    }
    let expected = Set(network.layout.tensors.map(\.name) + network.statisticsLayout.tensors.map(\.name))
    if let extra = decoded.tensors.keys.sorted().first(where: { !expected.contains($0) }) {
      throw .wrongArchitecture(modelPath, "unexpected tensor '\(extra)'")
    }
    var optimizer: Optimizer? = nil
    var trainingParameters: [Float]? = nil
    if let config = meta.optimizer, let data = optimizerData {
      let state = try SafeTensors.decode(data, path: optimizerPath)
      let opt = Optimizer(config: config, layout: network.layout)
      for (name, buffer) in [("first_moment", opt.first), ("second_moment", opt.second)] {
        guard let t = state.tensors[name], t.values.count == opt.count else {
          throw .corrupt(optimizerPath, "'\(name)' is missing or of the wrong size")
        }
        t.values.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: opt.count) }
      }
      guard let step = state.metadata["step"].flatMap(Int.init) else { throw .corrupt(optimizerPath, "no step count") }
      opt.step = step
      optimizer = opt
      if let t = state.tensors["training_parameters"] {
        guard t.values.count == network.layout.totalCount else {
          throw .corrupt(optimizerPath, "'training_parameters' has \(t.values.count) values, the network \(network.layout.totalCount)")
        }
        trainingParameters = t.values
      }
    }
    return Loaded(network: network, metadata: meta, optimizer: optimizer, trainingParameters: trainingParameters)
  }

  static func modelTensors(_ network: PolicyValueNet, averaged: [Float]? = nil) -> [SafeTensors.Tensor] {
    network.layout.tensors.map { t in
      .init(name: t.name, shape: t.shape,
            values: averaged.map { Array($0[t.offset..<(t.offset + t.count)]) } ?? Array(UnsafeBufferPointer(start: network.parameters + t.offset, count: t.count)))
    }
      + network.statisticsLayout.tensors.map { .init(name: $0.name, shape: $0.shape, values: Array(UnsafeBufferPointer(start: network.statistics + $0.offset, count: $0.count))) }
  }

  public static func sha256(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
  }

  static func writeSynced(_ data: Data, to path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CheckpointError.io(path, "cannot create") }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.write(contentsOf: data)
    try handle.synchronize()
  }

  static func syncDirectory(_ path: String) {
    let fd = open(path.isEmpty ? "." : path, O_RDONLY)
    if fd >= 0 {
      fsync(fd)
      close(fd)
    }
  }

  /// "blocks 5 ≠ 6, channels 64 ≠ 32": how two architectures differ.
  static func differences(_ a: NetworkConfig, _ b: NetworkConfig) -> String {
    let pairs: [(String, String, String)] = [
      ("input planes", "\(a.inputPlanes)", "\(b.inputPlanes)"), ("board", "\(a.height)×\(a.width)", "\(b.height)×\(b.width)"),
      ("actions", "\(a.actionCount)", "\(b.actionCount)"), ("blocks", "\(a.blocks)", "\(b.blocks)"),
      ("channels", "\(a.channels)", "\(b.channels)"), ("policy channels", "\(a.policyChannels)", "\(b.policyChannels)"),
      ("value channels", "\(a.valueChannels)", "\(b.valueChannels)"), ("value hidden", "\(a.valueHidden)", "\(b.valueHidden)"),
      ("value head", a.valueHead.rawValue, b.valueHead.rawValue),
    ]
    let diff = pairs.filter { $0.1 != $0.2 }.map { "\($0.0) \($0.2) (expected \($0.1))" }
    return diff.isEmpty ? "batch-norm settings differ" : diff.joined(separator: ", ")
  }
}
