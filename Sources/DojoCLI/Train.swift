import ArgumentParser
import DojoConfig
import DojoGames
import DojoNN
import DojoTraining
import Foundation

/// Set by SIGINT: finish the round, write a checkpoint, stop.
nonisolated(unsafe) var stopRequested = false

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a game from zero by self-play on this machine (first form: no resume or gating yet).",
    discussion: """
      Rounds of self-play with the current network (Gumbel search, playout cap randomization) feed a
      replay buffer; the learner trains as the samples-per-insert limiter allows. A status line per
      round; a checkpoint every --checkpoint-every rounds in RUN/checkpoints/. Ctrl-C stops cleanly.
      """
  )

  @Argument(help: "The game, e.g. connect_four; its network comes from games/<name>/config.toml.")
  var game: String

  @Option(name: .customLong("run"), help: "The run directory (checkpoints). Default: runs/<game>-<time>.")
  var runDirectory: String?

  @Option(help: "Stop after this many rounds (0: until Ctrl-C).")
  var rounds = 0

  @Option(help: "Write a checkpoint every this many rounds.")
  var checkpointEvery = 10

  @Option(help: "Simulations per full search (Gumbel root).")
  var simulations = 32

  @Option(help: "Seed.")
  var seed: UInt64 = 1

  func run() throws {
    do { try train() } catch { throw CommandError(String(describing: error)) }
  }

  func train() throws {
    let g = try GameRegistry.make(game)
    let registryName = String(g.name.prefix { $0 != "(" })
    let directory = runDirectory ?? "runs/\(registryName)-\(Int(Date().timeIntervalSince1970))"
    try FileManager.default.createDirectory(atPath: directory + "/checkpoints", withIntermediateDirectories: true)
    signal(SIGINT) { _ in stopRequested = true }
    let network = PolicyValueNet(config: try GameConfig.network(for: g), seed: seed)
    try RunTraining(directory: directory, network: network, rounds: rounds, checkpointEvery: checkpointEvery,
                    simulations: simulations, seed: seed)(g).get()
  }
}

struct RunTraining: GameTask {
  let directory: String
  let network: PolicyValueNet
  let rounds: Int
  let checkpointEvery: Int
  let simulations: Int
  let seed: UInt64

  func run<G: Game>(_ game: G) -> Result<Void, Error> {
    var config = TrainerConfig()
    config.selfPlay.search.simulations = simulations
    config.selfPlay.cheapSimulations = max(4, simulations / 4)
    let trainer = Trainer(game: game, network: network, config: config, seed: seed)
    let c = network.config
    print("training \(game.name): \(c.blocks) blocks × \(c.channels) channels, \(simulations) simulations (Gumbel), run \(directory)")
    let start = Date()
    var generation = 0, parent: String? = nil, samples = 0, steps = 0
    func checkpoint() throws {
      generation += 1
      let name = String(format: "%06d", generation)
      try Checkpoint.write(network, optimizer: trainer.optimizer, metadata: CheckpointMetadata(
        game: game.name, architecture: network.config, generation: generation, trainingSteps: steps,
        samplesSeen: trainer.sampled, parent: parent), to: "\(directory)/checkpoints/\(name)")
      parent = name
      print("checkpoint \(directory)/checkpoints/\(name)")
    }
    do {
      var round = 0, checkpointed = 0
      while !stopRequested && (rounds == 0 || round < rounds) {
        let r = trainer.runRound()
        round += 1
        samples += r.samples
        steps += r.steps
        let seconds = Date().timeIntervalSince(start)
        let loss = r.losses.map { String(format: "policy %.3f value %.3f", $0.policy, $0.value) } ?? "(buffer filling)"
        print(String(format: "round %d: %d games (%.2f/s), %d samples (%.0f/s), %d steps (%.0f samples/s trained), %@",
                     round, trainer.gamesPlayed, Double(trainer.gamesPlayed) / seconds, samples, Double(samples) / seconds,
                     steps, Double(trainer.sampled) / seconds, loss as NSString))
        fflush(nil)
        if round % checkpointEvery == 0 {
          try checkpoint()
          checkpointed = round
        }
      }
      if checkpointed != round { try checkpoint() }
      let last = String(format: "%06d", generation)
      print("stopped after \(trainer.gamesPlayed) games and \(steps) steps. Play the result:")
      print("  dojo play \(game.name.prefix { $0 != "(" }) --opponent ckpt:\(directory)/checkpoints/\(last):sims=200")
      print("Resuming a run is not available yet: a new run starts from zero.")
      return .success(())
    } catch {
      return .failure(error)
    }
  }
}
