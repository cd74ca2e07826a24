// Lines over file descriptors, with timeouts and a look at whether more input is waiting: the engine
// reads its commands this way (so `lz-analyze` can stop when the next command arrives), and the
// client reads an outside engine's replies this way (so a hung engine times out).

import Foundation

#if canImport(Glibc)
  import Glibc
#endif

public final class LineReader {
  let fd: Int32
  var buffer: [UInt8] = []
  public private(set) var atEnd = false

  public init(fd: Int32) { self.fd = fd }

  public enum ReadError: Error, Equatable { case timedOut, closed }

  /// Reads whatever is available within `timeout` seconds (nil: wait); false on timeout.
  func fill(timeout: Double?) -> Bool {
    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    let ms = timeout.map { Int32(max(0, min($0 * 1000, Double(Int32.max)))) } ?? -1
    var ready: Int32
    repeat { ready = poll(&p, 1, ms) } while ready < 0 && errno == EINTR
    guard ready > 0 else { return false }
    var chunk = [UInt8](repeating: 0, count: 65536)
    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n <= 0 { atEnd = true } else { buffer.append(contentsOf: chunk[0..<n]) }
    return true
  }

  /// The next line without its newline; nil at the end of input. Throws `timedOut` when no full line
  /// arrives within `timeout` seconds (nil: wait as long as it takes).
  public func readLine(timeout: Double? = nil) throws(ReadError) -> String? {
    let deadline = timeout.map { Date().addingTimeInterval($0) }
    while true {
      if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        var line = Array(buffer[0..<nl])
        buffer.removeSubrange(0...nl)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
      }
      if atEnd {
        guard !buffer.isEmpty else { return nil }
        defer { buffer.removeAll() }
        return String(decoding: buffer, as: UTF8.self)
      }
      let left = deadline.map { $0.timeIntervalSinceNow }
      if let left, left <= 0 { throw .timedOut }
      if !fill(timeout: left) && deadline != nil && deadline!.timeIntervalSinceNow <= 0 { throw .timedOut }
    }
  }

  /// Whether a line (or the end of input) is waiting, without blocking.
  public var hasInput: Bool {
    if buffer.contains(UInt8(ascii: "\n")) || atEnd { return true }
    _ = fill(timeout: 0)
    return buffer.contains(UInt8(ascii: "\n")) || atEnd
  }
}

extension GTPEngine {
  /// Serves GTP on `input` and `output` until `quit` or the end of input.
  public func serve(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
    let reader = LineReader(fd: input)
    func write(_ text: String) {
      var bytes = Array(text.utf8)
      var done = 0
      while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { Glibc.write(output, $0.baseAddress! + done, $0.count - done) }
        if n <= 0 { return }
        done += n
      }
    }
    while let line = try? reader.readLine() {
      let (reply, quit) = handle(line, emit: write, interrupted: { reader.hasInput })
      if let reply { write(reply) }
      if quit { return }
    }
  }
}
