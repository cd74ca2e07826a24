// A fixed-size, always-replace transposition table: each slot keeps a whole position key (so a hit
// is never a collision) and one bound on that position's score.

/// What a stored entry says about a position's exact score.
enum Bound: Equatable {
  /// The score is at most this.
  case upper(Int)
  /// The score is at least this.
  case lower(Int)
}

final class TranspositionTable<Key: FixedWidthInteger & UnsignedInteger> {
  let slotCount: Int
  private let shift: Int
  private let keys: UnsafeMutablePointer<Key>
  /// 0: empty; otherwise (score + offset) * 2 + (1 for a lower bound, 0 for an upper bound).
  private let entries: UnsafeMutablePointer<Int16>
  /// Scores are in -offset+1 ... offset-1.
  private let offset: Int

  /// 2^`bits` slots; scores must stay within ±`scoreLimit`.
  init(bits: Int, scoreLimit: Int) {
    precondition((4...32).contains(bits) && scoreLimit < 8_000)
    slotCount = 1 << bits
    shift = 64 - bits
    offset = scoreLimit + 1
    keys = .allocate(capacity: slotCount)
    entries = .allocate(capacity: slotCount)
    clear()
  }

  deinit {
    keys.deallocate()
    entries.deallocate()
  }

  func clear() {
    keys.initialize(repeating: 0, count: slotCount)
    entries.initialize(repeating: 0, count: slotCount)
  }

  @inline(__always) private func slot(_ key: Key) -> Int {
    // Fold wide keys to 64 bits, then Fibonacci hashing: the top bits of key * 2^64/φ.
    var k = UInt64(truncatingIfNeeded: key)
    if Key.bitWidth > 64 { k ^= UInt64(truncatingIfNeeded: key >> 64) }
    return Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
  }

  @inline(__always) func store(_ key: Key, _ bound: Bound) {
    let i = slot(key)
    keys[i] = key
    switch bound {
    case .upper(let v): entries[i] = Int16((v + offset) * 2)
    case .lower(let v): entries[i] = Int16((v + offset) * 2 + 1)
    }
  }

  @inline(__always) func lookup(_ key: Key) -> Bound? {
    let i = slot(key)
    let e = Int(entries[i])
    guard e != 0, keys[i] == key else { return nil }
    let v = e / 2 - offset
    return e & 1 == 1 ? .lower(v) : .upper(v)
  }
}
