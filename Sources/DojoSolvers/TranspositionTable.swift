// A fixed-size, always-replace transposition table: each slot keeps a whole position key (so a hit
// is never a collision) and one bound on that position's score, side by side, so a probe costs one
// cache miss (perf: with keys and bounds in two arrays, the second load was 64 % of the search).

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
  struct Slot {
    var key: Key
    /// 0: empty; otherwise (score + offset) * 2 + (1 for a lower bound, 0 for an upper bound).
    var entry: Int16
  }
  private let slots: UnsafeMutablePointer<Slot>
  /// Scores are in -offset+1 ... offset-1.
  private let offset: Int

  /// 2^`bits` slots; scores must stay within ±`scoreLimit`.
  init(bits: Int, scoreLimit: Int) {
    precondition((4...32).contains(bits) && scoreLimit < 8_000)
    slotCount = 1 << bits
    shift = 64 - bits
    offset = scoreLimit + 1
    slots = .allocate(capacity: slotCount)
    clear()
  }

  deinit { slots.deallocate() }

  func clear() { slots.initialize(repeating: Slot(key: 0, entry: 0), count: slotCount) }

  @inline(__always) private func slot(_ key: Key) -> Int {
    // Fold wide keys to 64 bits, then Fibonacci hashing: the top bits of key * 2^64/φ.
    var k = UInt64(truncatingIfNeeded: key)
    if Key.bitWidth > 64 { k ^= UInt64(truncatingIfNeeded: key >> 64) }
    return Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
  }

  @inline(__always) func store(_ key: Key, _ bound: Bound) {
    let i = slot(key)
    switch bound {
    case .upper(let v): slots[i] = Slot(key: key, entry: Int16((v + offset) * 2))
    case .lower(let v): slots[i] = Slot(key: key, entry: Int16((v + offset) * 2 + 1))
    }
  }

  @inline(__always) func lookup(_ key: Key) -> Bound? {
    let s = slots[slot(key)]
    let e = Int(s.entry)
    guard e != 0, s.key == key else { return nil }
    let v = e / 2 - offset
    return e & 1 == 1 ? .lower(v) : .upper(v)
  }
}
