// TensorBoard event files: scalars (losses, learning rate, throughput, ratings) written as
// TensorBoard writes them, so `tensorboard --logdir runs` shows a run as it trains.
//
// A file is a sequence of records: the data's length (8 bytes, little-endian), the masked CRC-32C
// of those 8 bytes, the data (a serialized Event), the masked CRC-32C of the data. The first event
// names the file version. Each record is flushed as written: a killed run keeps what it wrote, and
// TensorBoard, which follows a growing file, shows new points as they come.

import Foundation
import SwiftProtobuf

public final class TensorBoardWriter: @unchecked Sendable {
  /// The event file.
  public let path: String
  let handle: FileHandle
  let lock = NSLock()

  /// A new event file in `directory` (made if missing), named as TensorBoard's writers name them.
  public init(directory: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let now = Date().timeIntervalSince1970
    var host = ProcessInfo.processInfo.hostName
    if host.isEmpty { host = "localhost" }
    // Two writers started in the same second in one directory get different files.
    var candidate = "\(directory)/events.out.tfevents.\(Int(now)).\(host).\(getpid())"
    var n = 0
    while FileManager.default.fileExists(atPath: candidate) {
      n += 1
      candidate = "\(directory)/events.out.tfevents.\(Int(now)).\(host).\(getpid()).\(n)"
    }
    path = candidate
    guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
    }
    handle = h
    var first = Tensorboard_Event()
    first.wallTime = now
    first.fileVersion = "brain.Event:2"
    try write(first)
  }

  deinit { try? handle.close() }

  /// Writes `values` (tag → value) at `step`, as one event.
  public func scalars(_ values: [String: Double], step: Int, at time: Date = Date()) throws {
    var summary = Tensorboard_Summary()
    summary.value = values.sorted { $0.key < $1.key }.map { tag, v in
      var value = Tensorboard_Summary.Value()
      value.tag = tag
      value.simpleValue = Float(v)
      return value
    }
    var event = Tensorboard_Event()
    event.wallTime = time.timeIntervalSince1970
    event.step = Int64(step)
    event.summary = summary
    try write(event)
  }

  func write(_ event: Tensorboard_Event) throws {
    let data: Data = try event.serializedData()
    try lock.withLock { try handle.write(contentsOf: Self.record(data)) }
  }

  /// One record of the file format around `data`.
  static func record(_ data: Data) -> Data {
    var length = UInt64(data.count).littleEndian
    let header = withUnsafeBytes(of: &length) { Data($0) }
    var out = header
    out.append(littleEndian: CRC32C.masked(header))
    out.append(data)
    out.append(littleEndian: CRC32C.masked(data))
    return out
  }
}

extension Data {
  mutating func append(littleEndian value: UInt32) {
    var v = value.littleEndian
    Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
  }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord files checksum their records.
public enum CRC32C {
  static let table: [UInt32] = (0..<256).map { i in
    var c = UInt32(i)
    for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
    return c
  }

  public static func checksum(_ data: Data) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
  }

  /// The masked form TFRecord stores (a CRC of data that holds CRCs is weak; masking avoids it).
  public static func masked(_ data: Data) -> UInt32 {
    let crc = checksum(data)
    return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
  }
}
