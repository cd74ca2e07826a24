// Export of a network's inference graph to ONNX (opset 17), so a Dojo model can be inspected in
// common viewers (Netron) and served elsewhere (onnxruntime). The graph is what `InferenceEngine`
// computes, batch norm folded:
//   inputs  observations [batch, planes, height, width], legal_mask [batch, actions] (1 legal, 0 not)
//   outputs policy [batch, actions] (0 on illegal actions), value [batch] (side to move's view, −1…1)

import DojoNN
import Foundation
import SwiftProtobuf

public enum ONNXExport {
  /// The ONNX model of `network`, with `metadata` (game, generation, hash) as model properties.
  public static func model(of network: PolicyValueNet, metadata: [String: String] = [:]) -> Onnx_ModelProto {
    var graph = GraphBuilder()
    let c = network.config
    let engine = InferenceEngine(network: network)
    for t in engine.foldedTensors { graph.initializer(t.name, t.shape, t.values) }
    graph.input("observations", [nil, c.inputPlanes, c.height, c.width])
    graph.input("legal_mask", [nil, c.actionCount])

    var x = graph.conv("observations", "stem.conv", kernel: 3)
    x = graph.node("Relu", [x])
    for i in 0..<c.blocks {
      var y = graph.node("Relu", [graph.conv(x, "blocks.\(i).conv1", kernel: 3)])
      y = graph.conv(y, "blocks.\(i).conv2", kernel: 3)
      x = graph.node("Relu", [graph.node("Add", [y, x])])
    }
    // Policy: logits, illegal ones pushed to −1e9 so that softmax gives them exactly 0.
    var p = graph.node("Relu", [graph.conv(x, "policy.conv", kernel: 1)])
    p = graph.node("Flatten", [p], attributes: [int("axis", 1)])
    let logits = graph.node("Gemm", [p, "policy.fc.weight", "policy.fc.bias"], attributes: [int("transB", 1)])
    graph.initializer("one", [], [1])
    graph.initializer("illegal_penalty", [], [1e9])
    let penalty = graph.node("Mul", [graph.node("Sub", ["legal_mask", "one"]), "illegal_penalty"])
    graph.node("Softmax", [graph.node("Add", [logits, penalty])], attributes: [int("axis", 1)], output: "policy")
    // Value.
    var v = graph.node("Relu", [graph.conv(x, "value.conv", kernel: 1)])
    v = graph.node("Flatten", [graph.node("GlobalAveragePool", [v])], attributes: [int("axis", 1)])
    v = graph.node("Relu", [graph.node("Gemm", [v, "value.fc1.weight", "value.fc1.bias"], attributes: [int("transB", 1)])])
    v = graph.node("Gemm", [v, "value.fc2.weight", "value.fc2.bias"], attributes: [int("transB", 1)])
    graph.int64Initializer("flat", [1], [-1])
    if c.valueHead == .tanh {
      graph.node("Reshape", [graph.node("Tanh", [v]), "flat"], output: "value")
    } else {
      let wdl = graph.node("Softmax", [v], attributes: [int("axis", 1)], output: "wdl")
      graph.initializer("win_minus_loss", [3, 1], [1, 0, -1])
      graph.node("Reshape", [graph.node("MatMul", [wdl, "win_minus_loss"]), "flat"], output: "value")
      graph.output("wdl", [nil, 3])
    }
    graph.output("policy", [nil, c.actionCount])
    graph.output("value", [nil])

    var model = Onnx_ModelProto()
    model.irVersion = 8
    model.producerName = "dojo"
    model.producerVersion = "1"
    model.opsetImport = [Onnx_OperatorSetIdProto.with { $0.domain = ""; $0.version = 17 }]
    model.graph = graph.graph
    model.graph.name = "dojo_policy_value"
    model.metadataProps = metadata.sorted(by: { $0.key < $1.key }).map { kv in
      Onnx_StringStringEntryProto.with { $0.key = kv.key; $0.value = kv.value }
    }
    return model
  }

  /// Writes the ONNX model of `network` to `path`.
  public static func write(_ network: PolicyValueNet, metadata: [String: String] = [:], to path: String) throws {
    let data = try model(of: network, metadata: metadata).serializedBytes() as Data
    try data.write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
    .with { $0.name = name; $0.type = .int; $0.i = Int64(value) }
  }
}

/// Builds a graph: nodes get fresh output names unless one is given.
struct GraphBuilder {
  var graph = Onnx_GraphProto()
  var counter = 0

  mutating func initializer(_ name: String, _ shape: [Int], _ values: [Float]) {
    graph.initializer.append(.with {
      $0.name = name
      $0.dims = shape.map(Int64.init)
      $0.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
      $0.rawData = values.withUnsafeBytes { Data($0) }
    })
  }

  mutating func int64Initializer(_ name: String, _ shape: [Int], _ values: [Int64]) {
    graph.initializer.append(.with {
      $0.name = name
      $0.dims = shape.map(Int64.init)
      $0.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
      $0.int64Data = values
    })
  }

  static func valueInfo(_ name: String, _ shape: [Int?]) -> Onnx_ValueInfoProto {
    .with {
      $0.name = name
      $0.type.tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
      $0.type.tensorType.shape.dim = shape.map { d in
        .with { if let d { $0.dimValue = Int64(d) } else { $0.dimParam = "batch" } }
      }
    }
  }

  mutating func input(_ name: String, _ shape: [Int?]) { graph.input.append(Self.valueInfo(name, shape)) }
  mutating func output(_ name: String, _ shape: [Int?]) { graph.output.append(Self.valueInfo(name, shape)) }

  @discardableResult
  mutating func node(_ op: String, _ inputs: [String], attributes: [Onnx_AttributeProto] = [], output: String? = nil) -> String {
    counter += 1
    let out = output ?? "\(op.lowercased())_\(counter)"
    graph.node.append(.with {
      $0.opType = op
      $0.name = "\(op)_\(counter)"
      $0.input = inputs
      $0.output = [out]
      $0.attribute = attributes
    })
    return out
  }

  /// A convolution with its folded weight and bias (`<name>.weight`, `<name>.bias`), padding to keep size.
  mutating func conv(_ x: String, _ name: String, kernel k: Int) -> String {
    let pad = k / 2
    return node("Conv", [x, name + ".weight", name + ".bias"], attributes: [
      .with { $0.name = "kernel_shape"; $0.type = .ints; $0.ints = [Int64(k), Int64(k)] },
      .with { $0.name = "pads"; $0.type = .ints; $0.ints = [Int64(pad), Int64(pad), Int64(pad), Int64(pad)] },
    ])
  }
}
