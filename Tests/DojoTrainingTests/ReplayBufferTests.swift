import DojoGames
import DojoTestSupport
import DojoNN
import DojoSearch
import Testing
@testable import DojoTraining


func selfPlayRecords(_ games: Int, seed: UInt64) -> [GameRecord] {
  var config = SelfPlayConfig()
  config.search.simulations = 16
  config.fullSearchProbability = 0.5
  config.resignThreshold = -2
  var records: [GameRecord] = []
  SelfPlay(game: TicTacToe(), evaluator: HashEvaluator<TicTacToeState>(), config: config, parallelGames: 4, seed: seed).play(games: games) { records.append($0) }
  return records
}

@Test func samplesComeFromFullSearchesWithTheMoversResult() {
  let game = TicTacToe()
  for record in selfPlayRecords(12, seed: 4) {
    let samples = trainingSamples(from: record, game: game)
    #expect(samples.count == record.moves.filter(\.fullSearch).count)
    var state = game.initialState()
    var k = 0
    for move in record.moves {
      if move.fullSearch {
        let s = samples[k]
        k += 1
        #expect(s.observation == game.observation(of: state))
        #expect(s.value == record.outcome(for: move.player))
        #expect(abs(s.policy.reduce(0, +) - 1) < 1e-4)
        #expect(zip(s.policy, s.mask).allSatisfy { p, m in m == 1 || p == 0 }, "policy on an illegal action")
      }
      state.apply(move.action)
    }
  }
}

@Test func theBufferKeepsAWindowOfTheLatestSamples() {
  let game = TicTacToe()
  let buffer = ReplayBuffer(game: game, capacity: 10, seed: 1)
  let zero = [Float](repeating: 0, count: 9)
  for v in 0..<25 {
    buffer.append([TrainingSample(observation: game.observation(of: game.initialState()), mask: zero.map { _ in 1 }, policy: zero.map { _ in 1 / 9 },
                                 value: Float(v))])
  }
  #expect(buffer.count == 10 && buffer.inserted == 25)
  let batch = buffer.sample(200)
  #expect(Set(batch.valueTargets) == Set((15..<25).map(Float.init)), "only the last 10 remain")
}

@Test func samplesAreSymmetryImagesOfStoredOnes() throws {
  let game = TicTacToe()
  let buffer = ReplayBuffer(game: game, capacity: 4, seed: 2)
  let state = try game.state(afterMoves: ["a1", "b3"])
  var policy = [Float](repeating: 0, count: 9)
  policy[2] = 0.75
  policy[5] = 0.25
  let mask = game.legalMask(of: state).map { $0 ? Float(1) : 0 }
  buffer.append([TrainingSample(observation: game.observation(of: state), mask: mask, policy: policy, value: 1)])
  let batch = buffer.sample(64)
  var seen = Set<Int>()
  for b in 0..<64 {
    let obs = Array(batch.observations[(b * 27)..<((b + 1) * 27)])
    let pol = Array(batch.policyTargets[(b * 9)..<((b + 1) * 9)])
    let msk = Array(batch.legalMasks[(b * 9)..<((b + 1) * 9)])
    let k = game.symmetries.firstIndex { s in
      s.transform(observation: game.observation(of: state)) == obs && s.transform(policy: policy) == pol && s.transform(policy: mask) == msk
    }
    #expect(k != nil, "sample \(b) is no symmetry image of the stored sample")
    if let k { seen.insert(k) }
  }
  #expect(seen.count >= 6, "symmetries used: \(seen.sorted())")
}

@Test func rateLimiterHoldsSamplesPerInsert() {
  let limiter = RateLimiter(samplesPerInsert: 4, minSize: 10, errorBuffer: 8)
  #expect(!limiter.canSample(8, inserted: 9, sampled: 0))
  #expect(limiter.canSample(8, inserted: 10, sampled: 0))
  // 10 inserted allow about (10 + 8) · 4 = 72 samples, not more.
  #expect(limiter.canSample(8, inserted: 10, sampled: 64) && !limiter.canSample(8, inserted: 10, sampled: 72))
  // Actors wait when they run more than the buffer ahead of the learner.
  #expect(limiter.canInsert(inserted: 5, sampled: 0) && !limiter.canInsert(inserted: 30, sampled: 40))
}

/// A network trained on the buffer's batches reduces its loss (the pieces fit together).
@Test func aNetworkLearnsFromTheBuffer() {
  let game = TicTacToe()
  let buffer = ReplayBuffer(game: game, capacity: 2000, seed: 3)
  for r in selfPlayRecords(40, seed: 5) { buffer.append(trainingSamples(from: r, game: game)) }
  var config = NetworkConfig.defaults(for: game)
  config.channels = 16
  let net = PolicyValueNet(config: config, seed: 7)
  let optimizer = Optimizer(config: OptimizerConfig(kind: .adamw, schedule: .constant(rate: 0.003)), layout: net.layout)
  let probe = buffer.sample(256)
  let before = net.lossAndGradients(probe).total
  for _ in 0..<150 { net.trainStep(buffer.sample(32), optimizer: optimizer) }
  let after = net.lossAndGradients(probe).total
  #expect(after < 0.8 * before, "loss \(before) → \(after)")
}

@Test func theGrowingWindowFollowsKataGosFormulaAndSamplesOnlyTheNewest() {
  let g = WindowGrowth(minimum: 250_000)
  #expect(g.size(inserted: 100_000) == 100_000 && g.size(inserted: 250_000) == 250_000)
  // 250,000 · (1 + 0.4 · (4^0.75 − 1) / 0.75) at a million samples.
  #expect(abs(g.size(inserted: 1_000_000) - 493_790) <= 1)
  // A buffer whose window is 10 of its newest samples draws only from those.
  let game = TicTacToe()
  let buffer = ReplayBuffer(game: game, capacity: 1000, seed: 4)
  buffer.window = { _ in 10 }
  var samples: [TrainingSample] = []
  for i in 0..<200 {
    samples.append(TrainingSample(observation: game.observation(of: game.initialState()), mask: Array(repeating: 1, count: 9),
                                  policy: Array(repeating: 1 / 9, count: 9), value: i >= 190 ? 1 : -1))
  }
  buffer.append(samples)
  #expect(buffer.windowCount == 10)
  #expect(buffer.sample(256).valueTargets.allSatisfy { $0 == 1 }, "sampled outside the newest 10")
}
