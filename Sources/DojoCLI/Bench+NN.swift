import ArgumentParser
import CBLAS
import DojoConfig
import DojoGames
import DojoNN
import Foundation

struct BenchNN: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nn",
    abstract: "Network speed: inference positions/s by batch, training samples/s, convolution GFLOP/s against sgemm."
  )

  @Option(help: "Seconds per measurement.")
  var seconds = 1.0

  @Option(help: "Where to write each benchmarked net as a checkpoint (for the peers to load).")
  var checkpoints: String?

  @Option(help: "Nets to measure, as label=game pairs; each has the architecture of games/<name>/config.toml.")
  var nets = "connect_four=connect_four,9x9=gomoku(size=9)"

  func run() throws {
    setBLASThreadCount(1)
    print(BLASCore.select())
    var results: [String] = []
    for pair in nets.split(separator: ",") {
      let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
      let (label, spec) = parts.count == 2 ? (parts[0], parts[1]) : (parts[0], parts[0])
      let game = try GameRegistry.make(spec)
      let config = try GameConfig.network(for: game)
      let net = PolicyValueNet(config: config, seed: 1)
      if let checkpoints {
        try? FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: "\(checkpoints)/\(label)")
        try Checkpoint.write(net, optimizer: nil, metadata: CheckpointMetadata(game: game.name, architecture: config), to: "\(checkpoints)/\(label)")
      }
      // Inference on oneDNN (the default) and on OpenBLAS (the earlier engine, the reference), measured
      // one after the other at each batch size.
      // The other precisions, each measured in the same run (int8 calibrated on the benchmark's inputs).
      var calibrationRNG = SplitMix64(seed: 9)
      let calibration = (0..<(256 * config.observationCount)).map { _ in Float(calibrationRNG.next(below: 2)) }
      let engine = InferenceEngine(network: net, backend: .onednn, precision: .auto, calibration: calibration)
      let reference = InferenceEngine(network: net, backend: .openblas)
      let asked = InferencePrecision.allCases.filter { $0 != .auto && $0 != engine.precision }.map {
        InferenceEngine(network: net, backend: .onednn, precision: $0, calibration: calibration)
      }
      // A precision this CPU cannot run falls back to fp32 and says why: it is named, not measured as fp32 again.
      let others = asked.filter { $0.precisionNote == nil }
      var inference: [String] = [], onBLAS: [String] = [], otherPrecision: [String: [String]] = [:]
      print("  inference precision: \(engine.precision.rawValue) (auto); also measured: \(others.map(\.backendDescription).joined(separator: ", "))"
            + asked.compactMap(\.precisionNote).map { "; not measured: \($0)" }.joined())
      print("\(label): \(config.blocks) blocks × \(config.channels) channels, \(config.height)×\(config.width), \(config.multiplyAddsPerPosition / 1000) k multiply-adds/position")
      for batch in [1, 16, 64, 256] {
        let rate = measureInference(engine, config: config, batch: batch)
        let blasRate = measureInference(reference, config: config, batch: batch)
        var line = String(format: "  inference batch %3d: %9.0f positions/s  %5.1f GFLOP/s", batch, rate, rate * Double(config.multiplyAddsPerPosition) * 2 / 1e9)
          + " (\(engine.backendDescription)); " + String(format: "OpenBLAS im2col+sgemm %9.0f: %.2f×", blasRate, rate / blasRate)
        for other in others {
          let otherRate = measureInference(other, config: config, batch: batch)
          line += String(format: "; %@ %9.0f: %.2f×", other.precision.rawValue as NSString, otherRate, rate / otherRate)
          otherPrecision[other.precision.rawValue, default: []].append("\"\(batch)\":\(Int(otherRate))")
        }
        print(line)
        inference.append("\"\(batch)\":\(Int(rate))")
        onBLAS.append("\"\(batch)\":\(Int(blasRate))")
      }
      let training = measureTraining(config: config, batch: 256, backend: .onednn)
      let trainingOnBLAS = measureTraining(config: config, batch: 256, backend: .openblas)
      print(String(format: "  training batch 256: %9.0f samples/s (3×3 convolutions on oneDNN); on OpenBLAS %9.0f: %.2f×",
                   training, trainingOnBLAS, training / trainingOnBLAS))
      let (conv, sgemm) = measureConvolution(config: config, batch: 64)
      print(String(format: "  3×3 conv at batch 64: %.1f GFLOP/s; sgemm alone at that shape: %.1f GFLOP/s (%.2f)", conv, sgemm, conv / sgemm))
      results.append("\"\(label)\":{\"inference_positions_per_s\":{\(inference.joined(separator: ","))},\"inference_engine\":\"\(engine.backendDescription)\",\"precision\":\"\(engine.precision.rawValue)\",\"inference_openblas_positions_per_s\":{\(onBLAS.joined(separator: ","))},\(otherPrecision.keys.sorted().map { "\"inference_\($0)_positions_per_s\":{\(otherPrecision[$0]!.joined(separator: ","))}," }.joined())\"training_samples_per_s\":\(Int(training)),\"training_openblas_samples_per_s\":\(Int(trainingOnBLAS)),\"conv_gflops\":\(String(format: "%.2f", conv)),\"sgemm_gflops\":\(String(format: "%.2f", sgemm))}")
    }
    print("{\"bench\":\"nn\",\"blas_core\":\"\(BLASCore.current)\",\"int8_weight_bits\":\(InferenceEngine.int8WeightBitsOnThisCPU),\"dojo\":{\(results.joined(separator: ","))}}")
  }

  func measureInference(_ engine: InferenceEngine, config: NetworkConfig, batch: Int) -> Double {
    var rng = SplitMix64(seed: 2)
    let obs = (0..<(batch * config.observationCount)).map { _ in Float(rng.next(below: 2)) }
    let masks = [Float](repeating: 1, count: batch * config.actionCount)
    var priors = [Float](repeating: 0, count: batch * config.actionCount), values = [Float](repeating: 0, count: batch)
    engine.evaluate(count: batch, observations: obs, legalMasks: masks, priors: &priors, values: &values)
    return timed(seconds) {
      engine.evaluate(count: batch, observations: obs, legalMasks: masks, priors: &priors, values: &values)
      return batch
    }
  }

  func measureTraining(config: NetworkConfig, batch: Int, backend: ConvolutionBackend) -> Double {
    let net = PolicyValueNet(config: config, seed: 3)
    net.convolutionBackend = backend
    var rng = SplitMix64(seed: 4)
    let a = config.actionCount
    let obs = (0..<(batch * config.observationCount)).map { _ in Float(rng.next(below: 2)) }
    let masks = [Float](repeating: 1, count: batch * a)
    let targets = [Float](repeating: 1 / Float(a), count: batch * a)
    let values = (0..<batch).map { _ in Float(rng.next(below: 3)) - 1 }
    let data = TrainingBatch(count: batch, observations: obs, legalMasks: masks, policyTargets: targets, valueTargets: values)
    let opt = Optimizer(config: OptimizerConfig(kind: .sgd, schedule: .constant(rate: 0.01), nesterov: false), layout: net.layout)
    net.trainStep(data, optimizer: opt)
    return timed(seconds) {
      net.trainStep(data, optimizer: opt)
      return batch
    }
  }

  /// GFLOP/s of a trunk 3×3 convolution (im2col + sgemm) and of sgemm alone at the same shape.
  func measureConvolution(config: NetworkConfig, batch: Int) -> (Double, Double) {
    let f = config.channels, n = batch * config.height * config.width, k = 9 * f
    let flops = 2.0 * Double(f) * Double(n) * Double(k)
    var rng = SplitMix64(seed: 5)
    let x = (0..<(f * n)).map { _ in Float(rng.next(below: 100)) / 100 }
    let w = (0..<(f * k)).map { _ in Float(rng.next(below: 100)) / 100 - 0.5 }
    var col = [Float](repeating: 0, count: k * n), out = [Float](repeating: 0, count: f * n)
    let conv = timed(seconds) {
      convolution3x3(x, weights: w, channels: f, batch: batch, height: config.height, width: config.width, col: &col, out: &out)
      return 1
    } * flops / 1e9
    let gemm = timed(seconds) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(f), Int32(n), Int32(k), 1, w, Int32(k), col, Int32(n), 0, &out, Int32(n))
      return 1
    } * flops / 1e9
    return (conv, gemm)
  }
}
