import DojoTestSupport
import Foundation
import Testing
@testable import DojoNN
import DojoGames


func floats(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> [Float] { Array(UnsafeBufferPointer(start: p, count: n)) }

/// A trained tiny net with its optimizer, so that statistics and moments are nonzero.
func trainedNet(seed: UInt64, steps: Int = 3) -> (PolicyValueNet, Optimizer) {
  let net = PolicyValueNet(config: tiny, seed: seed)
  let opt = Optimizer(config: OptimizerConfig(kind: .adamw, schedule: .constant(rate: 0.01)), layout: net.layout)
  for s in 0..<steps { net.trainStep(randomBatch(tiny, count: 4, seed: seed &+ UInt64(s)), optimizer: opt) }
  return (net, opt)
}

@Test func checkpointRoundTripsBitExactly() throws {
  let (net, opt) = trainedNet(seed: 31)
  let path = temporaryDirectory("ckpt") + "/000003"
  let meta = try Checkpoint.write(net, optimizer: opt, metadata: CheckpointMetadata(game: "tic_tac_toe", architecture: tiny, generation: 3, trainingSteps: 3, samplesSeen: 12, parent: "000002"), to: path)
  #expect(meta.modelSHA256.count == 64)
  let loaded = try Checkpoint.read(path, game: "tic_tac_toe", architecture: tiny)
  #expect(floats(loaded.network.parameters, net.layout.totalCount) == floats(net.parameters, net.layout.totalCount))
  #expect(floats(loaded.network.statistics, net.statisticsLayout.totalCount) == floats(net.statistics, net.statisticsLayout.totalCount))
  #expect(loaded.metadata == meta && loaded.metadata.parent == "000002" && loaded.metadata.samplesSeen == 12)
  let lopt = try #require(loaded.optimizer)
  #expect(lopt.step == 3 && floats(lopt.first, lopt.count) == floats(opt.first, opt.count) && floats(lopt.second, lopt.count) == floats(opt.second, opt.count))
  // Training on from the checkpoint gives exactly what training on without stopping gives.
  let batch = randomBatch(tiny, count: 4, seed: 99)
  net.trainStep(batch, optimizer: opt)
  loaded.network.trainStep(batch, optimizer: lopt)
  #expect(floats(loaded.network.parameters, net.layout.totalCount) == floats(net.parameters, net.layout.totalCount))
  // No temporary directory is left behind, and a checkpoint is never overwritten.
  #expect(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent) == ["000003"])
  #expect(throws: CheckpointError.exists(path)) { try Checkpoint.write(net, optimizer: nil, metadata: meta, to: path) }
}

@Test func badCheckpointsAreRefusedWithTheReason() throws {
  let (net, _) = trainedNet(seed: 32, steps: 1)
  let dir = temporaryDirectory("bad")
  let good = dir + "/good"
  try Checkpoint.write(net, optimizer: nil, metadata: CheckpointMetadata(game: "tic_tac_toe", architecture: tiny), to: good)
  func copy(_ name: String, _ mutate: (inout Data) -> Void) -> String {
    let path = dir + "/" + name
    try! FileManager.default.copyItem(atPath: good, toPath: path)
    var data = FileManager.default.contents(atPath: path + "/model.safetensors")!
    mutate(&data)
    try! data.write(to: URL(fileURLWithPath: path + "/model.safetensors"))
    return path
  }
  func error(_ path: String, game: String? = nil, architecture: NetworkConfig? = nil) -> CheckpointError? {
    do { _ = try Checkpoint.read(path, game: game, architecture: architecture); return nil } catch { return error }
  }
  let truncated = copy("truncated") { $0 = $0.prefix($0.count - 100) }
  guard case .truncated(let p, _) = error(truncated) else { Issue.record("truncated: \(String(describing: error(truncated)))"); return }
  #expect(p.hasSuffix("truncated/model.safetensors"))
  let flipped = copy("flipped") { $0[$0.count - 5] ^= 0x40 }
  guard case .hashMismatch = error(flipped) else { Issue.record("flipped byte: \(String(describing: error(flipped)))"); return }
  let garbage = copy("garbage") { $0.replaceSubrange(8..<16, with: Array(repeating: UInt8(ascii: "#"), count: 8)) }
  guard case .corrupt = error(garbage) else { Issue.record("garbage header: \(String(describing: error(garbage)))"); return }
  let tiny8 = copy("short") { $0 = $0.prefix(5) }
  guard case .truncated = error(tiny8) else { Issue.record("5-byte file: \(String(describing: error(tiny8)))"); return }
  #expect(error(good, game: "connect_four(rows=6,columns=7)") == .wrongGame(good, expected: "connect_four(rows=6,columns=7)", found: "tic_tac_toe"))
  var other = tiny
  other.channels = 8
  guard case .wrongArchitecture(_, let detail) = error(good, architecture: other) else { Issue.record("architecture"); return }
  #expect(detail.contains("channels 4 (expected 8)"))
  #expect(error(dir + "/nowhere") == .missing(dir + "/nowhere"))
  #expect(error(good) == nil)
}

@Test func pythonSafetensorsReadsDojoCheckpoints() throws {
  let python = repositoryRoot + "/tools/.venv/bin/python"
  try #require(FileManager.default.isExecutableFile(atPath: python), "run tools/setup first: it installs numpy and safetensors into tools/.venv")
  let (net, _) = trainedNet(seed: 33, steps: 2)
  let path = temporaryDirectory("py") + "/ckpt"
  try Checkpoint.write(net, optimizer: nil, metadata: CheckpointMetadata(game: "tic_tac_toe", architecture: tiny), to: path)
  let script = """
    import json, sys
    from safetensors.numpy import load_file
    t = load_file(sys.argv[1])
    print(json.dumps({k: {"shape": list(v.shape), "dtype": str(v.dtype), "values": [float(x) for x in v.ravel()]} for k, v in t.items()}))
    """
  let process = Process()
  process.executableURL = URL(fileURLWithPath: python)
  process.arguments = ["-c", script, path + "/model.safetensors"]
  let pipe = Pipe()
  process.standardOutput = pipe
  try process.run()
  let output = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  try #require(process.terminationStatus == 0)
  let read = try #require(try JSONSerialization.jsonObject(with: output) as? [String: [String: Any]])
  let expected = Checkpoint.modelTensors(net)
  #expect(Set(read.keys) == Set(expected.map(\.name)))
  for t in expected {
    let entry = try #require(read[t.name])
    #expect(entry["shape"] as? [Int] == t.shape, "\(t.name)")
    #expect(entry["dtype"] as? String == "float32")
    #expect((entry["values"] as? [Double])?.map(Float.init) == t.values, "\(t.name)")
  }
}
