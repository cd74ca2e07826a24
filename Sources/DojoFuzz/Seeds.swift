// The seed corpora (Tests/Fuzz/<target>/), written by `dojo-fuzz --write-seeds DIR`: valid inputs
// of every kind, from which libFuzzer mutates.

import DojoArena
import DojoGames
import DojoNN
import DojoSearch
import DojoWire
import Foundation

/// A Connect Four game of random moves, every move searched in full with a uniform policy target.
func randomGame(seed: UInt64) -> Dojo_GameRecord {
  let game = ConnectFour<UInt64>()
  var rng = SplitMix64(seed: seed)
  var state = game.initialState()
  var moves: [MoveRecord] = []
  while !state.isTerminal {
    let legal = state.legalActions
    let a = legal[rng.next(below: legal.count)]
    moves.append(MoveRecord(action: a, player: state.currentPlayer, fullSearch: rng.next(below: 2) == 0, actions: [], policyTarget: [],
                            rootValue: 0, simulations: 8))
    if moves[moves.count - 1].fullSearch {
      moves[moves.count - 1].actions = legal
      moves[moves.count - 1].policyTarget = legal.map { _ in 1 / Float(legal.count) }
    }
    state.apply(a)
  }
  let record = GameRecord(moves: moves, outcomeForFirst: state.outcome(for: .first) ?? 0, resigned: nil, wouldHaveResigned: nil, resignAllowed: false)
  return Dojo_GameRecord(record, game: game.name, generation: 1, actor: "seed")
}

func writeSeeds(_ dir: String) throws {
  let fm = FileManager.default
  func put(_ target: FuzzTarget, _ name: String, _ data: Data) throws {
    try fm.createDirectory(atPath: "\(dir)/\(target.rawValue)", withIntermediateDirectories: true)
    try data.write(to: URL(fileURLWithPath: "\(dir)/\(target.rawValue)/\(name)"))
  }
  var submit = Dojo_SubmitGames()
  submit.games = [randomGame(seed: 1), randomGame(seed: 2)]
  try put(.envelope, "submit_games", Dojo_Envelope(.submitGames(submit)).encoded())
  try put(.envelope, "stats", Dojo_Envelope(.statsRequest(Dojo_StatsRequest())).encoded())
  var sample = Dojo_SampleRequest()
  sample.count = 16
  try put(.envelope, "sample", Dojo_Envelope(.sampleRequest(sample)).encoded())
  try put(.envelope, "heartbeat", Dojo_Envelope(.heartbeat(Dojo_Heartbeat())).encoded())
  var future = Dojo_Envelope(.statsRequest(Dojo_StatsRequest()))
  future.version = 2
  try put(.envelope, "future_version", future.encoded())

  let config = NetworkConfig(inputPlanes: 3, height: 3, width: 3, actionCount: 9, blocks: 1, channels: 4, policyChannels: 2, valueChannels: 2, valueHidden: 4)
  let net = PolicyValueNet(config: config, seed: 1)
  let folder = NSTemporaryDirectory() + "dojo-seed-\(getpid())"
  try? fm.removeItem(atPath: folder)
  let opt = Optimizer(config: OptimizerConfig(kind: .adamw), layout: net.layout)
  try Checkpoint.write(net, optimizer: opt, metadata: CheckpointMetadata(game: "tic_tac_toe", architecture: config), to: folder)
  let meta = try Data(contentsOf: URL(fileURLWithPath: folder + "/meta.json"))
  let model = try Data(contentsOf: URL(fileURLWithPath: folder + "/model.safetensors"))
  try put(.checkpoint, "meta_and_model", meta + Data([0]) + model)
  try put(.checkpoint, "model", model)
  try put(.checkpoint, "optimizer", try Data(contentsOf: URL(fileURLWithPath: folder + "/optimizer.safetensors")))
  try? fm.removeItem(atPath: folder)

  for name in (try fm.contentsOfDirectory(atPath: gamesDirectory)).sorted() {
    if let d = fm.contents(atPath: "\(gamesDirectory)/\(name)/config.toml") { try put(.config, name, d) }
  }
  for name in (try fm.contentsOfDirectory(atPath: "league")).sorted() where name.hasSuffix(".toml") {
    try put(.league, name, try Data(contentsOf: URL(fileURLWithPath: "league/" + name)))
  }
  for (name, moves) in [("tic_tac_toe", "a1 b2 c3 b1"), ("connect_four", "4 4 4 3 5 2"), ("othello", "d3 c5 f6"), ("hex", "a1 b2 swap"),
                        ("gomoku", "h8 h9 j10"), ("go", "e5 c3 d4 pass e4 pass pass")] {
    try put(.notation, name, Data(moves.utf8))
  }
  let positions = try String(contentsOfFile: ScoredPosition.defaultFile, encoding: .utf8).split(separator: "\n").prefix(30).joined(separator: "\n")
  try put(.positions, "head", Data(positions.utf8))
  try put(.sgf, "go", Data("(;FF[4]GM[1]SZ[9]KM[7]RU[Tromp-Taylor]PB[a]PW[b]\n;B[ee]C[value +0.10 \\] top];W[cc](;B[dd];W[])(;B[tt]))\n".utf8))
  try put(.sgf, "gomoku", Data("(;FF[4]GM[4]SZ[15];B[hh];W[hi];B[ii])".utf8))
  try put(.gtp, "session", Data("""
    1 protocol_version
    boardsize 9
    komi 6.5
    play b e5
    genmove w
    time_settings 60 5 1
    time_left b 30 0
    undo
    showboard
    final_score
    final_status_list alive
    printsgf
    lz-analyze b 10
    known_command play
    quit
    """.utf8))
}
