// Symmetries of a game's rules, applied to an observation and a policy together.

/// One symmetry: a permutation of board cells (for every observation plane) and of actions.
/// `cellMap[i]` is where cell `i` goes; `actionMap[a]` is where action `a` goes.
public struct Symmetry: Sendable, Equatable {
  public let name: String
  public let cellMap: [Int32]
  public let actionMap: [Int32]

  public init(name: String, cellMap: [Int32], actionMap: [Int32]) {
    self.name = name
    self.cellMap = cellMap
    self.actionMap = actionMap
  }

  /// Transforms an observation of `planes` planes of `cellMap.count` cells each into `output`.
  public func transform(
    observation input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>
  ) {
    let cells = cellMap.count
    precondition(input.count == output.count && input.count % cells == 0)
    cellMap.withUnsafeBufferPointer { map in
      var base = 0
      while base < input.count {
        for i in 0..<cells { output[base &+ Int(map[i])] = input[base &+ i] }
        base &+= cells
      }
    }
  }

  /// Transforms a policy (one value per action) into `output`.
  public func transform(policy input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
    precondition(input.count == actionMap.count && output.count == actionMap.count)
    for a in 0..<actionMap.count { output[Int(actionMap[a])] = input[a] }
  }

  /// Array conveniences for tests and tools.
  public func transform(observation: [Float]) -> [Float] {
    var out = observation
    observation.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { transform(observation: i, into: $0) } }
    return out
  }

  public func transform(policy: [Float]) -> [Float] {
    var out = policy
    policy.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { transform(policy: i, into: $0) } }
    return out
  }
}

extension Symmetry {
  /// The 8 symmetries of a square `size`×`size` board (the dihedral group D4), identity first.
  /// Actions `0..<size*size` are cells; any further actions (pass, swap) map to themselves.
  public static func square(size n: Int, actionCount: Int) -> [Symmetry] {
    let transforms: [(String, (Int, Int) -> (Int, Int))] = [
      ("identity", { r, c in (r, c) }),
      ("rotate90", { r, c in (c, n - 1 - r) }),
      ("rotate180", { r, c in (n - 1 - r, n - 1 - c) }),
      ("rotate270", { r, c in (n - 1 - c, r) }),
      ("flip_horizontal", { r, c in (r, n - 1 - c) }),
      ("flip_vertical", { r, c in (n - 1 - r, c) }),
      ("transpose", { r, c in (c, r) }),
      ("anti_transpose", { r, c in (n - 1 - c, n - 1 - r) }),
    ]
    return transforms.map { name, f in grid(name: name, rows: n, columns: n, actionCount: actionCount, f) }
  }

  /// A symmetry of a `rows`×`columns` board given as a map of (row, column) pairs; actions
  /// `0..<rows*columns` are cells and the rest map to themselves.
  public static func grid(
    name: String, rows: Int, columns: Int, actionCount: Int, _ f: (Int, Int) -> (Int, Int)
  ) -> Symmetry {
    var cells = [Int32](repeating: 0, count: rows * columns)
    for r in 0..<rows {
      for c in 0..<columns {
        let (r2, c2) = f(r, c)
        cells[r * columns + c] = Int32(r2 * columns + c2)
      }
    }
    let actions = (0..<actionCount).map { $0 < cells.count ? cells[$0] : Int32($0) }
    return Symmetry(name: name, cellMap: cells, actionMap: actions)
  }
}
