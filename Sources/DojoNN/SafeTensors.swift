// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header naming
// each tensor's dtype, shape and byte range, then the raw little-endian data. Dojo writes F32 only.

import Foundation

public enum SafeTensors {
  public struct Tensor: Sendable {
    public let name: String
    public let shape: [Int]
    public let values: [Float]
  }

  /// Encodes tensors (in the given order) and string metadata.
  static func encode(_ tensors: [Tensor], metadata: [String: String], path: String) throws(CheckpointError) -> Data {
    var header: [String: Any] = ["__metadata__": metadata]
    var offset = 0
    for t in tensors {
      let bytes = t.values.count * 4
      header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
      offset += bytes
    }
    var json: Data
    do { json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) } catch {
      throw .io(path, "cannot encode the safetensors header: \(error)")
    }
    while json.count % 8 != 0 { json.append(0x20) }  // pad with spaces to keep the data aligned
    var out = Data(capacity: 8 + json.count + offset)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(json)
    for t in tensors { t.values.withUnsafeBytes { out.append(contentsOf: $0) } }
    return out
  }

  /// Decodes a file's bytes, checking every size and range; `path` names the file in errors.
  public static func decode(_ data: Data, path: String) throws(CheckpointError) -> (tensors: [String: Tensor], metadata: [String: String]) {
    guard data.count >= 8 else { throw .truncated(path, "\(data.count) bytes, shorter than the 8-byte header length") }
    let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    guard headerLength <= UInt64(data.count - 8) else {
      throw .truncated(path, "the header says \(headerLength) bytes but the file has \(data.count - 8) after the length")
    }
    let start = 8 + Int(headerLength)
    guard let object = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<start)), let header = object as? [String: Any] else {
      throw .corrupt(path, "the header is not a JSON object")
    }
    let metadata = header["__metadata__"] as? [String: String] ?? [:]
    var tensors: [String: Tensor] = [:]
    let dataCount = data.count - start
    for (name, value) in header where name != "__metadata__" {
      guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
        let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
      else { throw .corrupt(path, "tensor '\(name)' has a malformed header entry") }
      guard dtype == "F32" else { throw .corrupt(path, "tensor '\(name)' is \(dtype); Dojo reads F32") }
      let count = shape.reduce(1, *)
      guard offsets[0] >= 0, offsets[1] - offsets[0] == count * 4 else {
        throw .corrupt(path, "tensor '\(name)' of shape \(shape) has byte range \(offsets)")
      }
      guard offsets[1] <= dataCount else {
        throw .truncated(path, "tensor '\(name)' ends at byte \(offsets[1]) of a \(dataCount)-byte data section")
      }
      var values = [Float](repeating: 0, count: count)
      values.withUnsafeMutableBytes { dst in
        data.withUnsafeBytes { src in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(start + offsets[0])..<(start + offsets[1])])) }
      }
      tensors[name] = Tensor(name: name, shape: shape, values: values)
    }
    return (tensors, metadata)
  }
}
