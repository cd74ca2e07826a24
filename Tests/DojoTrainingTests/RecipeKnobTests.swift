// The training recipe's knobs (issue 14): the value target's mix of result and search value,
// duplicate positions merged in the window, and checkpoints that hold a moving average of the weights.

import DojoGames
import DojoNN
import DojoSearch
import DojoTestSupport
import DojoWire
import Foundation
import Testing
@testable import DojoTraining

@Test func theValueTargetMixesTheResultWithTheRootValue() {
  let game = TicTacToe()
  var mixedSome = false
  for record in selfPlayRecords(8, seed: 11) {
    let plain = trainingSamples(from: record, game: game)
    let mixed = trainingSamples(from: record, game: game, valueMix: 0.25)
    let full = record.moves.filter(\.fullSearch)
    #expect(mixed.count == plain.count && full.count == plain.count)
    for (k, move) in full.enumerated() {
      let z = record.outcome(for: move.player)
      #expect(plain[k].value == z)
      #expect(abs(mixed[k].value - (0.75 * z + 0.25 * move.rootValue)) < 1e-6, "sample \(k): z \(z), root \(move.rootValue), target \(mixed[k].value)")
      #expect(mixed[k].policy == plain[k].policy && mixed[k].observation == plain[k].observation)
      if move.rootValue != z { mixedSome = true }
    }
  }
  #expect(mixedSome, "no root value differed from the result: the test would not see a mix")
}

@Test func aPositionAlreadyInTheWindowIsMergedWithItsTargetsAveraged() throws {
  let game = TicTacToe()
  let buffer = ReplayBuffer(game: game, capacity: 3, seed: 5, mergeDuplicates: true)
  func sample(_ moves: [String], hot: Int, value: Float) throws -> TrainingSample {
    let state = try game.state(afterMoves: moves)
    var policy = [Float](repeating: 0, count: 9)
    policy[hot] = 1
    return TrainingSample(observation: game.observation(of: state), mask: game.legalMask(of: state).map { $0 ? 1 : 0 }, policy: policy, value: value)
  }
  let empty1 = try sample([], hot: 4, value: 1), empty2 = try sample([], hot: 0, value: 0), empty3 = try sample([], hot: 0, value: -1)
  buffer.append([empty1, empty2, empty3])
  #expect(buffer.count == 1 && buffer.merged == 2 && buffer.inserted == 3 && buffer.mergeCount(slot: 0) == 3)
  let batch = buffer.sample(1)
  #expect(abs(batch.valueTargets[0]) < 1e-6, "value (1 + 0 − 1) / 3")
  // Every symmetry of the empty board keeps the centre at 4 and maps corner 0 to a corner.
  #expect(abs(batch.policyTargets[4] - 1.0 / 3) < 1e-6 && abs(batch.policyTargets.reduce(0, +) - 1) < 1e-5)

  // Other positions take slots of their own; once the merged one is overwritten, the empty board
  // starts afresh in a slot of its own.
  buffer.append([try sample(["a1"], hot: 1, value: 1), try sample(["b2"], hot: 1, value: 1)])
  #expect(buffer.count == 3 && buffer.merged == 2)
  buffer.append([try sample(["c3"], hot: 1, value: 0.5)])  // overwrites slot 0, the empty board
  buffer.append([try sample([], hot: 8, value: 0.5)])
  #expect(buffer.count == 3 && buffer.merged == 2, "the empty board was merged into a slot that was overwritten")
  buffer.append([try sample([], hot: 8, value: 0.5)])
  #expect(buffer.merged == 3 && buffer.inserted == 8)

  // A position held only outside the window a growing window draws from is stored anew, and later
  // copies merge into the new one.
  let growing = ReplayBuffer(game: game, capacity: 10, seed: 5, mergeDuplicates: true)
  growing.window = { _ in 2 }
  growing.append([empty1, try sample(["a1"], hot: 1, value: 1), try sample(["b2"], hot: 1, value: 1), empty2, empty3])
  #expect(growing.count == 4 && growing.merged == 1 && growing.mergeCount(slot: 0) == 1 && growing.mergeCount(slot: 3) == 2)

  // Without merging, every sample takes a slot.
  let plain = ReplayBuffer(game: game, capacity: 3, seed: 5)
  plain.append([empty1, empty2, empty3])
  #expect(plain.count == 3 && plain.mergeCount(slot: 0) == 1)
}

@Test func checkpointsHoldTheWeightAverageAndTrainingResumesFromTheRawWeights() throws {
  let seed: UInt64 = 17
  let game = TicTacToe()
  let buffer = ReplayBuffer(game: game, capacity: 2000, seed: seed)
  for r in selfPlayRecords(20, seed: seed) { buffer.append(trainingSamples(from: r, game: game)) }
  var architecture = NetworkConfig.defaults(for: game)
  architecture.channels = 8
  architecture.blocks = 1
  var config = TrainingConfig()
  config.batchSize = 16
  config.checkpointSteps = 1_000_000
  config.weightAverageDecay = 0.9
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-ema-\(getpid())-\(seed)").path
  defer { try? FileManager.default.removeItem(atPath: directory) }
  let network = PolicyValueNet(config: architecture, seed: seed)
  let n = network.layout.totalCount
  let initial = Array(UnsafeBufferPointer(start: network.parameters, count: n))
  let learner = Learner(game: game, network: network, optimizer: Optimizer(config: config.optimizer, layout: network.layout), config: config,
                        directory: directory, store: nil, generation: 0, samplesSeen: 0)
  // The average follows avg += (1 − d)(w − avg), d = min(0.9, (1 + step) / (10 + step)), step by step.
  var expected = initial
  var steps = 0
  learner.run(source: { size in
    if steps > 0 {
      let d = min(Float(0.9), Float(1 + steps) / Float(10 + steps))
      for i in 0..<n { expected[i] += (1 - d) * (network.parameters[i] - expected[i]) }
    }
    steps += 1
    return steps <= 30 ? buffer.sample(size) : nil
  }, onCheckpoint: { _ in }, onError: { Issue.record("seed \(seed): \($0)") })
  let raw = Array(UnsafeBufferPointer(start: network.parameters, count: n))
  let worst = zip(learner.averaged, expected).map { abs($0 - $1) }.max() ?? 0
  #expect(worst < 1e-5, "seed \(seed): the average differs from the formula by \(worst)")
  #expect(zip(raw, learner.averaged).contains { abs($0 - $1) > 1e-4 }, "seed \(seed): the average is the raw weights")

  let reference = try learner.checkpoint()
  let loaded = try Checkpoint.read(reference.path, game: game.name)
  #expect(Array(UnsafeBufferPointer(start: loaded.network.parameters, count: n)) == learner.averaged, "the model is the average")
  #expect(loaded.trainingParameters == raw, "the raw weights are kept for the optimizer")

  // Resumed, the learner trains the raw weights and averages on from the checkpoint's average.
  let resumed = Learner(game: game, network: loaded.network, optimizer: loaded.optimizer!, config: config, directory: directory, store: nil,
                        generation: 1, samplesSeen: 0, trainingParameters: loaded.trainingParameters)
  #expect(Array(UnsafeBufferPointer(start: resumed.network.parameters, count: n)) == raw)
  #expect(resumed.averaged == learner.averaged)

  // Without a weight average the checkpoint's model is the weights, and nothing else is kept.
  config.weightAverageDecay = 0
  let plain = Learner(game: game, network: PolicyValueNet(config: architecture, seed: seed), optimizer: Optimizer(config: config.optimizer, layout: network.layout),
                      config: config, directory: directory + "-plain", store: nil, generation: 0, samplesSeen: 0)
  defer { try? FileManager.default.removeItem(atPath: directory + "-plain") }
  let p = try Checkpoint.read(try plain.checkpoint().path)
  #expect(p.trainingParameters == nil && plain.averaged.isEmpty)
}

@Test func theCurvePicksTheNewestCheckpointAtEachMarkAndEndsWithTheLast() throws {
  let start = 1_000.0
  func c(_ g: Int, _ minutes: Double) -> RunStore.CheckpointRecord {
    RunStore.CheckpointRecord(generation: g, path: "/elsewhere/\(g)", steps: 500 * g, games: 100 * g, at: start + 60 * minutes)
  }
  let clock = TrainingClock(start: start)
  // Checkpoints at 4, 9, 14, 16, 44 and 52 minutes; marks every 15 minutes.
  let marks = RunDirectory.checkpointsAtMarks([c(6, 52), c(1, 4), c(2, 9), c(3, 14), c(4, 16), c(5, 44)], clock: clock, every: 900)
  #expect(marks.map(\.checkpoint.generation) == [3, 4, 5, 6], "\(marks.map { ($0.minutes, $0.checkpoint.generation) })")
  #expect(marks.map(\.minutes) == [15, 30, 45, 52])
  // A mark that falls on the same checkpoint as the one before is left out; none before the first.
  #expect(RunDirectory.checkpointsAtMarks([c(1, 20), c(2, 50)], clock: clock, every: 600).map(\.minutes) == [20, 50])
  #expect(RunDirectory.checkpointsAtMarks([], clock: clock, every: 900).isEmpty)
  // A run stopped from minute 20 to minute 80 and resumed: its marks count training time, so the
  // checkpoint written as it stopped (minute 20.1) ends the first session's 20 minutes, and the
  // ones at 85 and 95 are at 25 and 35 minutes of training.
  let resumed = TrainingClock(start: start, stops: [(start + 60 * 20)...(start + 60 * 80)])
  #expect(resumed.seconds(at: start + 60 * 10) == 600 && resumed.seconds(at: start + 60 * 50) == 1_200)
  #expect(resumed.seconds(at: start + 60 * 95) == 35 * 60 && resumed.seconds(at: start - 5) == 0)
  let afterStop = RunDirectory.checkpointsAtMarks([c(1, 14), c(2, 20.1), c(3, 85), c(4, 95)], clock: resumed, every: 900)
  #expect(afterStop.map(\.checkpoint.generation) == [1, 3, 4], "\(afterStop.map { ($0.minutes, $0.checkpoint.generation) })")
  #expect(afterStop.map(\.minutes) == [15, 30, 35])

  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-curve-\(getpid())").path
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: directory) }
  let store = try RunStore(path: directory + "/run.sqlite")
  #expect(try store.trainingClock() == nil)
  // Games every 30 s for 10 minutes, none for an hour (stopped), then every 30 s again: one stop.
  var record = Dojo_GameRecord()
  record.game = TicTacToe().name
  for (i, t) in (Array(stride(from: 0.0, through: 600, by: 30)) + Array(stride(from: 4_200.0, through: 4_800, by: 30))).enumerated() {
    record.uid = "clock-\(i)"
    _ = try store.insertGames([(record, 0)], finishedAt: start + t)
  }
  let fromGames = try #require(try store.trainingClock())
  #expect(fromGames == TrainingClock(start: start, stops: [(start + 600)...(start + 4_200)]), "\(fromGames)")
  #expect(fromGames.seconds(at: start + 4_800) == 1_200)
  try store.recordCheckpoint(generation: 1, path: "/x/000001", steps: 500, samplesSeen: 64_000, games: 1_700)
  let stored = try store.checkpoints()
  #expect(stored.count == 1 && stored[0].generation == 1 && stored[0].steps == 500 && stored[0].games == 1_700 && stored[0].path == "/x/000001")
}
