// Default architectures per game, chosen by measurement on a 2-core machine (README, `tools/bench nn`).

import DojoGames

extension NetworkConfig {
  /// The default network for `game`: the input and output sizes from the game, the trunk sized so
  /// that self-play inference stays fast on two CPU cores.
  public static func defaults<G: Game>(for game: G) -> NetworkConfig {
    let shape = game.observationShape
    let cells = shape.cellCount
    // Measured on one core, batch 64 (`dojo bench nn --nets NAME`, Haswell kernels): tic-tac-toe
    // 2×32 ≈ 57k positions/s; Connect Four 5×64 ≈ 2.4k; Othello 5×64 ≈ 1.5k. Larger boards cost in
    // proportion to their cells, so they get 4 blocks of 48 channels (Hex 11×11 6×64 ran 630/s,
    // Gomoku 15×15 370/s: too slow to self-play on two cores).
    let blocks = cells <= 9 ? 2 : cells <= 64 ? 5 : 4
    let channels = cells <= 9 ? 32 : cells <= 64 ? 64 : 48
    return NetworkConfig(inputPlanes: shape.planes, height: shape.rows, width: shape.columns, actionCount: game.actionCount,
                         blocks: blocks, channels: channels)
  }
}
