// A check of TOML text before TOMLKit parses it. The parser inside TOMLKit (toml++) aborts the
// process on some malformed input instead of reporting it (found by fuzzing: a table header whose
// key starts with anything but a bare-key character or a quote, `[×]` or `[`x]`, fails an
// assertion). So table headers are checked here, and, since TOML 1.0 allows characters outside
// ASCII only in strings and comments, any other is refused too; each with its line.

enum TOMLPrecheck {
  static func check(_ text: String, path: String) throws(ConfigError) {
    enum Mode { case normal, comment, basic, literal, multilineBasic, multilineLiteral }
    let bytes = Array(text.utf8)
    var mode = Mode.normal, line = 1, i = 0
    func starts(_ s: String, at k: Int) -> Bool {
      let p = Array(s.utf8)
      return k + p.count <= bytes.count && Array(bytes[k..<(k + p.count)]) == p
    }
    /// Whether only spaces and tabs precede `i` on its line (a `[` there opens a table header).
    var lineStart = true
    func isKeyStart(_ c: UInt8) -> Bool {
      (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'")
    }
    /// The header at `k` (a `[`): `[` key (`.` key)* `]` (or `[[` … `]]`), each key bare
    /// (letters, digits, _, -) or quoted, then nothing but spaces and a comment on the line.
    func checkHeader(_ k: Int) throws(ConfigError) {
      func fail(_ why: String) -> ConfigError { .syntax(path, "line \(line): a table header \(why)") }
      func isBare(_ c: UInt8) -> Bool { isKeyStart(c) && c != UInt8(ascii: "\"") && c != UInt8(ascii: "'") }
      func skipSpaces(_ j: inout Int) { while j < bytes.count, bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") { j += 1 } }
      var j = k + 1
      let double = j < bytes.count && bytes[j] == UInt8(ascii: "[")
      if double { j += 1 }
      while true {
        skipSpaces(&j)
        guard j < bytes.count, isKeyStart(bytes[j]) else { throw fail("must name a key: a letter, digit, _, - or a quote") }
        let q = bytes[j]
        if q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") {
          j += 1
          while j < bytes.count, bytes[j] != q, bytes[j] != UInt8(ascii: "\n") { j += q == UInt8(ascii: "\"") && bytes[j] == UInt8(ascii: "\\") ? 2 : 1 }
          guard j < bytes.count, bytes[j] == q else { throw fail("has an unclosed quoted key") }
          j += 1
        } else {
          while j < bytes.count, isBare(bytes[j]) { j += 1 }
        }
        skipSpaces(&j)
        guard j < bytes.count else { throw fail("is not closed") }
        if bytes[j] == UInt8(ascii: ".") { j += 1; continue }
        guard bytes[j] == UInt8(ascii: "]") else { throw fail("must end with ] after its keys") }
        j += 1
        if double {
          guard j < bytes.count, bytes[j] == UInt8(ascii: "]") else { throw fail("opened with [[ must end with ]]") }
          j += 1
        }
        skipSpaces(&j)
        guard j >= bytes.count || bytes[j] == UInt8(ascii: "\n") || bytes[j] == UInt8(ascii: "\r") || bytes[j] == UInt8(ascii: "#") else {
          throw fail("must be alone on its line (a comment may follow)")
        }
        return
      }
    }
    while i < bytes.count {
      let b = bytes[i]
      if b == UInt8(ascii: "\n") { line += 1 }
      switch mode {
      case .normal:
        if lineStart && b == UInt8(ascii: "[") { try checkHeader(i) }
        if b >= 0x80 {
          throw .syntax(path, "line \(line): a character outside ASCII outside a string or comment (TOML allows them only in strings and comments)")
        }
        if b == UInt8(ascii: "#") { mode = .comment }
        else if starts("\"\"\"", at: i) { mode = .multilineBasic; i += 2 }
        else if starts("'''", at: i) { mode = .multilineLiteral; i += 2 }
        else if b == UInt8(ascii: "\"") { mode = .basic }
        else if b == UInt8(ascii: "'") { mode = .literal }
      case .comment:
        if b == UInt8(ascii: "\n") { mode = .normal }
      case .basic:
        if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\n") { mode = .normal }
      case .literal:
        if b == UInt8(ascii: "'") || b == UInt8(ascii: "\n") { mode = .normal }
      case .multilineBasic:
        if b == UInt8(ascii: "\\") { i += 1 } else if starts("\"\"\"", at: i) { mode = .normal; i += 2 }
      case .multilineLiteral:
        if starts("'''", at: i) { mode = .normal; i += 2 }
      }
      lineStart = b == UInt8(ascii: "\n") || (lineStart && (b == UInt8(ascii: " ") || b == UInt8(ascii: "\t")))
      i += 1
    }
  }
}
