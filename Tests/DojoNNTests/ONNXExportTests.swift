import Foundation
import Testing
@testable import DojoNN
import DojoONNX
import DojoGames
import DojoTestSupport

/// Runs Python from tools/.venv with `script` and `arguments`; returns standard output.
func runPython(_ script: String, _ arguments: [String]) throws -> Data {
  let python = repositoryRoot + "/tools/.venv/bin/python"
  try #require(FileManager.default.isExecutableFile(atPath: python), "run tools/setup first: it installs the Python cross-check packages into tools/.venv")
  let process = Process()
  process.executableURL = URL(fileURLWithPath: python)
  process.arguments = ["-c", script] + arguments
  let out = Pipe()
  process.standardOutput = out
  try process.run()
  let data = out.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  try #require(process.terminationStatus == 0, "python failed")
  return data
}

@Test("onnxruntime runs the exported graph and agrees with Dojo", arguments: ValueHead.allCases)
func onnxExportMatchesDojo(head: ValueHead) throws {
  var config = NetworkConfig(inputPlanes: 3, height: 6, width: 7, actionCount: 7, blocks: 2, channels: 8, valueHead: head)
  config.valueHidden = 16
  let seed: UInt64 = 41
  let net = PolicyValueNet(config: config, seed: seed)
  scrambleBatchNorm(net, seed: seed)
  let dir = temporaryDirectory("onnx")
  try ONNXExport.write(net, metadata: ["game": "connect_four(rows=6,columns=7)"], to: dir + "/net.onnx")
  let batch = randomBatch(config, count: 5, seed: seed)
  let engine = InferenceEngine(network: net)
  var priors = [Float](repeating: 0, count: 5 * 7), values = [Float](repeating: 0, count: 5)
  engine.evaluate(count: 5, observations: batch.observations, legalMasks: batch.legalMasks, priors: &priors, values: &values)
  let inputs = try JSONSerialization.data(withJSONObject: ["observations": batch.observations, "legal_mask": batch.legalMasks])
  try inputs.write(to: URL(fileURLWithPath: dir + "/inputs.json"))
  let script = """
    import json, sys
    import numpy as np, onnxruntime as ort
    inputs = json.load(open(sys.argv[2]))
    session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    feeds = {"observations": np.array(inputs["observations"], np.float32).reshape(5, 3, 6, 7),
             "legal_mask": np.array(inputs["legal_mask"], np.float32).reshape(5, 7)}
    policy, value = session.run(["policy", "value"], feeds)[:2]
    print(json.dumps({"policy": policy.ravel().tolist(), "value": value.ravel().tolist(), "game": meta.get("game")}))
    """
  let out = try JSONSerialization.jsonObject(with: runPython(script, [dir + "/net.onnx", dir + "/inputs.json"])) as! [String: Any]
  let policy = (out["policy"] as! [Double]).map(Float.init), value = (out["value"] as! [Double]).map(Float.init)
  #expect(out["game"] as? String == "connect_four(rows=6,columns=7)")
  #expect(policy.count == priors.count && value.count == values.count)
  let maxDiff = max(zip(policy, priors).map { abs($0 - $1) }.max()!, zip(value, values).map { abs($0 - $1) }.max()!)
  #expect(maxDiff <= 1e-4, "seed \(seed): max abs difference \(maxDiff)")
  // Illegal actions: exactly zero in both.
  for i in 0..<priors.count where batch.legalMasks[i] == 0 { #expect(policy[i] == 0 && priors[i] == 0) }
}
