import ArgumentParser
import DojoNN
import DojoONNX

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Export a checkpoint's inference graph to ONNX (opset 17).",
    discussion: """
      Inputs: observations [batch, planes, height, width] and legal_mask [batch, actions]; outputs:
      policy [batch, actions] and value [batch], as Dojo's own inference computes them.
      """
  )

  @Argument(help: "The checkpoint directory.", completion: .directory)
  var checkpoint: String

  @Option(help: "Where to write the ONNX file.")
  var onnx: String

  func run() throws {
    let loaded: Checkpoint.Loaded
    do { loaded = try Checkpoint.read(checkpoint) } catch { throw CommandError(error.description) }
    let m = loaded.metadata
    try ONNXExport.write(loaded.network, metadata: [
      "game": m.game, "generation": String(m.generation), "training_steps": String(m.trainingSteps),
      "model_sha256": m.modelSHA256,
    ], to: onnx)
    print("wrote \(onnx): \(m.game), generation \(m.generation), \(m.architecture.blocks) blocks × \(m.architecture.channels) channels")
  }
}
