import DojoGames
import DojoNN
import DojoSearch
import Foundation
import Testing
@testable import DojoPlayers

@Test func playerSpecsParseAndBadOnesSayWhy() throws {
  #expect(try PlayerSpec(parsing: "random") == .random)
  #expect(try PlayerSpec(parsing: "mcts:800") == .mcts(simulations: 800))
  #expect(try PlayerSpec(parsing: "ckpt:runs/c4/checkpoints/000120:sims=50") == .checkpoint(path: "runs/c4/checkpoints/000120", simulations: 50))
  #expect(try PlayerSpec(parsing: "ckpt:x") == .checkpoint(path: "x", simulations: 200))
  for (bad, says) in [("mcts", "mcts:N"), ("mcts:0", "N ≥ 1"), ("ckpt:", "ckpt:PATH"), ("ckpt:x:depth=3", "unknown option 'depth=3'"), ("alphago", "players are")] {
    #expect(throws: PlayerSpecError.self) { try PlayerSpec(parsing: bad) }
    do { _ = try PlayerSpec(parsing: bad) } catch { #expect(error.description.contains(says), "\(bad): \(error)") }
  }
}

@Test func checkpointBotsPlayLegalMovesAndRefuseOtherGames() throws {
  let game = TicTacToe()
  let config = NetworkConfig.defaults(for: game)
  let net = PolicyValueNet(config: config, seed: 4)
  let path = NSTemporaryDirectory() + "dojo-bot-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  try Checkpoint.write(net, optimizer: nil, metadata: CheckpointMetadata(game: game.name, architecture: config), to: path)
  var state = try game.state(afterMoves: ["b2", "a1"])
  for sims in [0, 16] {
    var bot = try makeBot(.checkpoint(path: path, simulations: sims), game: game, seed: 1)
    let move = bot.choose(state)
    #expect(state.isLegal(move.action) && move.value != nil && !move.top.isEmpty, "sims \(sims)")
  }
  // A pure MCTS bot finishes a won position.
  state = try game.state(afterMoves: ["a1", "b1", "a2", "b2"])
  var mcts = try makeBot(.mcts(simulations: 200), game: game, seed: 2)
  #expect(mcts.choose(state).action == game.action(fromNotation: "a3"))
  // The checkpoint is for tic-tac-toe: Connect Four refuses it, naming both.
  #expect(throws: CheckpointError.wrongGame(path, expected: ConnectFour<UInt64>().name, found: game.name)) {
    _ = try makeBot(.checkpoint(path: path, simulations: 1), game: ConnectFour<UInt64>(), seed: 1)
  }
}

/// The network evaluator gives each leaf's legal actions the engine's priors, in order.
@Test func networkEvaluatorMatchesTheEngine() throws {
  let game = ConnectFour<UInt64>()
  var config = NetworkConfig.defaults(for: game)
  config.blocks = 1
  config.channels = 8
  let engine = InferenceEngine(network: PolicyValueNet(config: config, seed: 6))
  var evaluator = NetworkEvaluator(game: game, engine: engine)
  var batch = LeafBatch<ConnectFourState<UInt64>>()
  var scratch: [Action] = []
  let states = [game.initialState(), try game.state(afterMoves: ["1", "1", "1", "1", "1", "1"])]
  for s in states { batch.append(s, scratch: &scratch) }
  batch.prepareOutputs()
  evaluator.evaluate(&batch)
  for (i, s) in states.enumerated() {
    var obs = game.observation(of: s)
    var mask = game.legalMask(of: s).map { $0 ? Float(1) : 0 }
    var priors = [Float](repeating: 0, count: 7), value: [Float] = [0]
    engine.evaluate(count: 1, observations: &obs, legalMasks: &mask, priors: &priors, values: &value)
    // (A batch of two and a batch of one may round differently in the last bit: BLAS blocks by size.)
    let got = Array(batch.priors[batch.range(of: i)]), expected = s.legalActions.map { priors[$0] }
    #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(got) vs \(expected)")
    #expect(abs(batch.values[i] - value[0]) < 1e-5)
  }
  #expect(batch.range(of: 1).count == 6)  // column 1 is full
}

/// Several threads evaluating through one SharedInference get exactly their own rows back, in
/// fewer engine calls than requests.
@Test func sharedInferenceBatchesThreadsAndAnswersEachItsOwn() throws {
  var config = NetworkConfig.defaults(for: TicTacToe())
  config.blocks = 1
  config.channels = 8
  let engine = InferenceEngine(network: PolicyValueNet(config: config, seed: 8))
  let shared = SharedInference(engine: engine, maxWait: 0.05)
  let threads = 4, rounds = 10
  // Distinct inputs per thread and round, and the engine's answers for each alone.
  let actions = config.actionCount
  let inputs: [[Float]] = (0..<(threads * rounds)).map { k in
    var rng = SplitMix64(seed: UInt64(k))
    return (0..<(2 * config.observationCount)).map { _ in Float(rng.next(below: 2)) }
  }
  let mask = [Float](repeating: 1, count: 2 * actions)
  var expected: [[Float]] = []
  for k in 0..<(threads * rounds) {
    var p = [Float](repeating: 0, count: 2 * actions), v = [Float](repeating: 0, count: 2)
    engine.evaluate(count: 2, observations: inputs[k], legalMasks: mask, priors: &p, values: &v)
    expected.append(p + v)
  }
  final class Box: @unchecked Sendable {
    let lock = NSLock()
    var got = [[Float]](repeating: [], count: 40)
    func set(_ k: Int, _ v: [Float]) {
      lock.lock()
      got[k] = v
      lock.unlock()
    }
  }
  let box = Box()
  // Real threads, all joined before any evaluates (concurrentPerform may run them one by one).
  for _ in 0..<threads { shared.join() }
  let group = DispatchGroup()
  for t in 0..<threads {
    group.enter()
    Thread {
      defer {
        shared.leave()
        group.leave()
      }
    for r in 0..<rounds {
      var p = [Float](repeating: 0, count: 2 * actions), v = [Float](repeating: 0, count: 2)
      let obs = inputs[t * rounds + r]
      obs.withUnsafeBufferPointer { o in
        mask.withUnsafeBufferPointer { m in
          shared.evaluate(count: 2, observations: o.baseAddress!, legalMasks: m.baseAddress!, priors: &p, values: &v)
        }
      }
      box.set(t * rounds + r, p + v)
    }
    }.start()
  }
  group.wait()
  for k in 0..<(threads * rounds) {
    #expect(zip(box.got[k], expected[k]).allSatisfy { abs($0 - $1) < 1e-5 }, "request \(k)")
  }
  #expect(shared.requests == threads * rounds && shared.engineCalls < shared.requests, "\(shared.engineCalls) calls for \(shared.requests) requests")
}
