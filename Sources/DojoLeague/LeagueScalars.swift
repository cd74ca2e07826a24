// A league in TensorBoard: under LEAGUE/tensorboard/, one run per player (TensorBoard overlays runs
// in one chart): each learning agent's losses (`loss/policy`, `loss/value` by optimizer step) and
// every player's anchored rating (`rating` by rating round; historical players under
// `historical/NAME`). What was written is counted in the league's database, so a restarted manager
// goes on where the last one stopped.

import DojoTelemetry
import Foundation

public final class LeagueScalars {
  let store: LeagueStore
  let directory: String
  var writers: [String: TensorBoardWriter] = [:]
  var trainingRow: Int64
  var ratingRound: Int

  public init(store: LeagueStore, directory: String) throws {
    self.store = store
    self.directory = directory + "/tensorboard"
    trainingRow = Int64(try store.meta("tensorboard_training_row") ?? "") ?? 0
    ratingRound = Int(try store.meta("tensorboard_rating_round") ?? "") ?? -1
  }

  func writer(_ player: String, historical: Bool) throws -> TensorBoardWriter {
    let key = historical ? "historical/" + player : player
    if let w = writers[key] { return w }
    let w = try TensorBoardWriter(directory: directory + "/" + key)
    writers[key] = w
    return w
  }

  /// Writes the losses and ratings recorded since the last call.
  public func update() throws {
    for r in try store.training(after: trainingRow) {
      try writer(r.agent, historical: false).scalars(["loss/policy": r.policyLoss, "loss/value": r.valueLoss], step: r.step)
      trainingRow = r.row
    }
    try store.setMeta("tensorboard_training_row", String(trainingRow))
    let agents = Set(try store.agents().map(\.name))
    let history = try store.ratingHistory()
    for point in history where point.round > ratingRound {
      try writer(point.player, historical: !agents.contains(point.player)).scalars(["rating": point.rating], step: point.round,
                                                                                   at: Date(timeIntervalSince1970: point.at))
    }
    if let last = history.map(\.round).max(), last > ratingRound {
      ratingRound = last
      try store.setMeta("tensorboard_rating_round", String(ratingRound))
    }
  }
}
