// Seeded random numbers: every random choice in Dojo comes from a seed that can be printed.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for simulation and keys.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public var state: UInt64

  public init(seed: UInt64) { state = seed }

  @inlinable public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return SplitMix64.mix(state)
  }

  /// The SplitMix64 finaliser: a bijective 64-bit mix.
  @inlinable public static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform integer in `0..<bound` (Lemire's multiply-shift; bias below 2^-32 for small bounds).
  @inlinable public mutating func next(below bound: Int) -> Int {
    Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: next() >> 32) &* UInt64(bound)) >> 32)
  }
}

/// Zobrist keys, derived instead of stored: the key of (cell, piece) is a fixed mix of both, so
/// every game and board size gets independent keys with no tables to build or share.
public enum Zobrist {
  /// The key for `piece` (0 or 1, or a small game-specific number) on `cell`.
  @inlinable public static func key(cell: Int, piece: Int) -> UInt64 {
    SplitMix64.mix(UInt64(truncatingIfNeeded: cell &* 8 &+ piece) &+ 0x2545_F491_4F6C_DD1D)
  }

  /// XORed in when the second player is to move.
  public static let secondToMove: UInt64 = 0xD6E8_FEB8_6659_FD93
}
