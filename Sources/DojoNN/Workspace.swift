// Memory the network owns: raw float buffers that grow but never shrink, so that after the first
// call at a given batch size nothing is allocated (`Workspace.growthCount` proves it in tests).

/// Named, grow-only float buffers.
public final class Workspace {
  private var slabs: [String: (UnsafeMutablePointer<Float>, Int)] = [:]
  /// How many times a buffer had to be (re)allocated. Constant once warmed up.
  public private(set) var growthCount = 0

  public init() {}

  /// The buffer called `name` with room for at least `count` floats (contents undefined on growth).
  public func buffer(_ name: String, _ count: Int) -> UnsafeMutablePointer<Float> {
    if let (p, n) = slabs[name], n >= count { return p }
    if let (p, _) = slabs[name] { p.deallocate() }
    let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    p.initialize(repeating: 0, count: max(count, 1))
    slabs[name] = (p, count)
    growthCount += 1
    return p
  }

  deinit {
    for (p, _) in slabs.values { p.deallocate() }
  }
}
