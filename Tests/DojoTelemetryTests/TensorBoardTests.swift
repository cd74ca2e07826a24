import DojoGames
import DojoTelemetry
import DojoTestSupport
import Foundation
import Testing

@Test func crc32cMatchesItsCheckValue() {
  // The standard check value of CRC-32C, and its masked form as TFRecord stores it.
  #expect(CRC32C.checksum(Data("123456789".utf8)) == 0xE306_9283)
  #expect(CRC32C.checksum(Data()) == 0)
  let crc: UInt32 = 0xE306_9283
  #expect(CRC32C.masked(Data("123456789".utf8)) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
}

@Test func tensorBoardReadsTheScalarsWritten() throws {
  let seed: UInt64 = 5
  var rng = SplitMix64(seed: seed)
  let dir = temporaryDirectory("tensorboard")
  let writer = try TensorBoardWriter(directory: dir + "/tensorboard")
  var expected: [(step: Int, loss: Double, rate: Double)] = []
  for step in stride(from: 10, through: 200, by: 10) {
    // Zero too: a value of 0 must be written, not left out as proto3 leaves out defaults.
    let loss = step == 100 ? 0 : Double.random(in: 0..<2, using: &rng), rate = Double.random(in: 0..<0.01, using: &rng)
    expected.append((step, loss, rate))
    try writer.scalars(["loss/policy": loss, "learning_rate": rate], step: step)
  }
  // TensorBoard's own reader (tensorboard from PyPI, in tools/.venv) loads the file.
  let read = try readTensorBoard(dir + "/tensorboard")
  #expect(Set(read.keys) == ["loss/policy", "learning_rate"])
  let losses = read["loss/policy"] ?? []
  let rates = read["learning_rate"] ?? []
  try #require(losses.count == expected.count && rates.count == expected.count, "seed \(seed): \(read)")
  for (i, e) in expected.enumerated() {
    #expect(losses[i].step == e.step && rates[i].step == e.step)
    #expect(abs(losses[i].value - e.loss) < 1e-6 && abs(rates[i].value - e.rate) < 1e-8, "seed \(seed), step \(e.step)")
  }
}
