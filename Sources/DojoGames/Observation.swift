// The observation layout every Dojo game uses (documented in each games/<name>/README.md):
//   plane 0: the side to move's stones; plane 1: the opponent's stones;
//   plane 2: all ones when the first player is to move, all zeros otherwise.

func writeStandardPlanes(
  into buffer: UnsafeMutableBufferPointer<Float>, cellCount: Int, firstToMove: Bool,
  owner: (Int) -> Player?, toMove: Player
) {
  precondition(buffer.count >= 3 * cellCount, "observation buffer too small")
  let colour: Float = firstToMove ? 1 : 0
  for i in 0..<cellCount {
    var own: Float = 0
    var other: Float = 0
    if let p = owner(i) {
      if p == toMove { own = 1 } else { other = 1 }
    }
    buffer[i] = own
    buffer[cellCount &+ i] = other
    buffer[2 &* cellCount &+ i] = colour
  }
}
