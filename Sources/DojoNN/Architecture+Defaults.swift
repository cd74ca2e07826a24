// Default architectures per game, chosen by measurement on a 2-core machine (README, `tools/bench nn`).

import DojoGames

extension NetworkConfig {
  /// The default network for `game`: the input and output sizes from the game, the trunk sized so
  /// that self-play inference stays fast on two CPU cores.
  public static func defaults<G: Game>(for game: G) -> NetworkConfig {
    let shape = game.observationShape
    let cells = shape.cellCount
    // Small boards need little depth; 64 channels × 5 blocks for Connect Four-sized boards, wider
    // boards keep 64 channels and add depth for reach.
    let blocks = cells <= 9 ? 2 : cells <= 64 ? 5 : 6
    let channels = cells <= 9 ? 32 : 64
    return NetworkConfig(inputPlanes: shape.planes, height: shape.rows, width: shape.columns, actionCount: game.actionCount,
                         blocks: blocks, channels: channels)
  }
}
