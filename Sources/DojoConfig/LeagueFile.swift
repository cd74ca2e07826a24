// A league file, league/<name>.toml: the game, the learning agents by role (each inheriting
// games/<game>/config.toml, with per-role and per-agent overrides of its sections), matchmaking,
// snapshots and resets, the payoff, population-based training and rating anchors. Every key is
// known; an unknown key, a wrong type or a bad value is an error naming the file and the key.

import DojoGames
import DojoLeague
import DojoPlayers
import Foundation
import TOMLKit

public enum LeagueFile {
  static let topKeys = ["game", "games_per_match", "actors", "agents", "members", "matchmaking", "snapshot", "payoff", "pbt", "rating"]

  /// The league in `path`; the game's config comes from `gamesDirectory`.
  public static func load(path: String, gamesDirectory: String = GameFiles.directoryOrDefault) throws(ConfigError) -> LeagueConfig {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
    let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    return try parse(text, name: name, path: path, gamesDirectory: gamesDirectory)
  }

  /// A league run's own copy of its game's config, `RUN/games/<game>/config.toml`, written with
  /// every key when the run starts (`startRun`), so that the run resumed, its status, and its
  /// processes keep the settings it started with, not whatever games/ holds by then.
  public static func runGamesDirectory(_ run: String) -> String { run + "/games" }

  /// Writes the run's copy of `game`'s effective config (from `gamesDirectory`) into `run`.
  /// Returns the copy's path and what it was taken from (`GameConfig.source`: the games/ file, or
  /// the built-in defaults when there is none).
  public static func startRun(_ run: String, game spec: String, gamesDirectory: String = GameFiles.directoryOrDefault) throws -> (copy: String, source: String) {
    let game = try GameRegistry.make(spec)
    let target = GameConfig.file(for: game, directory: runGamesDirectory(run))
    try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try GameConfig.forGame(game, directory: gamesDirectory).toml.write(toFile: target, atomically: true, encoding: .utf8)
    return (target, GameConfig.source(for: game, directory: gamesDirectory))
  }

  /// The league of the run directory `run`: its league.toml over its own copy of the game's config
  /// (runs started before the copy existed read games/).
  public static func loadRun(_ run: String) throws(ConfigError) -> LeagueConfig {
    let copy = runGamesDirectory(run)
    return try load(path: run + "/league.toml", gamesDirectory: FileManager.default.fileExists(atPath: copy) ? copy : GameFiles.directoryOrDefault)
  }

  public static func parse(_ text: String, name: String, path: String = "<league>", gamesDirectory: String = GameFiles.directoryOrDefault) throws(ConfigError) -> LeagueConfig {
    try TOMLPrecheck.check(text, path: path)
    let table: TOMLTable
    do { table = try TOMLTable(string: text) } catch { throw .syntax(path, "\(error)") }
    let r = Reader(path: path)
    try r.known(table, topKeys, prefix: "")
    guard let spec = table["game"]?.string else { throw .missingKey(path, "game") }
    let game: any Game
    do { game = try GameRegistry.make(spec) } catch { throw .badValue(path, "game", error.description) }
    let base = try GameConfig.forGame(game, directory: gamesDirectory)

    // Agents: [agents.<role>] count = N plus overrides; [members.<name>] overrides one agent.
    guard let agentsTable = table["agents"]?.table else { throw .missingKey(path, "agents (a table per role: [agents.main_agent] count = 1)") }
    var agents: [AgentDefinition] = []
    let roleNames = AgentRole.allCases.map(\.rawValue)
    for roleName in agentsTable.keys.sorted() where AgentRole(rawValue: roleName) == nil {
      throw .unknownKey(path, "agents.\(roleName)", known: roleNames)
    }
    let members = try r.table(table, "members") ?? TOMLTable()
    for role in AgentRole.allCases {
      guard let value = agentsTable[role.rawValue] else { continue }
      guard let t = value.table else { throw .wrongType(path, "agents.\(role.rawValue)", "a table") }
      let prefix = "agents.\(role.rawValue)."
      try r.known(t, ["count", "initial_checkpoint", "frozen"] + GameConfig.sectionNames, prefix: prefix)
      let roleInitial = try r.string(t, "initial_checkpoint", prefix: prefix)
      let roleFrozen = try r.bool(t, "frozen", prefix: prefix) ?? false
      guard let count = t["count"]?.int else { throw .missingKey(path, prefix + "count") }
      guard count >= 0, count <= 64 else { throw .badValue(path, prefix + "count", "\(count) is outside 0...64") }
      var roleConfig = base
      try roleConfig.override(with: t, path: path, prefix: prefix)
      for k in 0..<count {
        let agentName = "\(role.rawValue)_\(k)"
        var config = roleConfig
        var initial = roleInitial, frozen = roleFrozen, where_ = prefix
        if let m = try r.table(members, agentName, prefix: "members.") {
          try r.known(m, ["initial_checkpoint", "frozen"] + GameConfig.sectionNames, prefix: "members.\(agentName).")
          try config.override(with: m, path: path, prefix: "members.\(agentName).")
          initial = try r.string(m, "initial_checkpoint", prefix: "members.\(agentName).") ?? initial
          if let f = try r.bool(m, "frozen", prefix: "members.\(agentName).") { (frozen, where_) = (f, "members.\(agentName).") }
        }
        if frozen && initial == nil {
          throw .badValue(path, where_ + "frozen", "a frozen agent needs an initial_checkpoint (it keeps those weights)")
        }
        agents.append(AgentDefinition(name: agentName, role: role, settings: config.runSettings, initialCheckpoint: initial, frozen: frozen))
      }
    }
    for member in members.keys.sorted() where !agents.contains(where: { $0.name == member }) {
      throw .unknownKey(path, "members.\(member)", known: agents.map(\.name))
    }
    guard agents.contains(where: { $0.role == .mainAgent }) else {
      throw .badValue(path, "agents.main_agent.count", "a league needs at least one main agent (the exploiters train against them)")
    }
    guard agents.contains(where: { !$0.frozen }) else {
      throw .badValue(path, "agents", "every agent is frozen: a league needs at least one that learns")
    }
    let networks = Set(agents.map { "\($0.settings.network)" })
    guard networks.count == 1 else { throw .badValue(path, "network", "every agent of a league must have the same network shape (PBT copies weights)") }

    var league = LeagueConfig(name: name, game: game.name, agents: agents)
    league.gamesPerMatch = try r.int(table, "games_per_match", 2...4096, prefix: "") ?? league.gamesPerMatch
    league.actors = try r.int(table, "actors", 0...1024, prefix: "") ?? league.actors

    if let m = try r.table(table, "matchmaking") {
      let p = "matchmaking."
      try r.known(m, ["self_play", "pfsp", "verification", "weighting", "exploiter_weighting", "exploiter_verification_below",
                      "forgotten_below", "exploiter_fallback_below", "balance"], prefix: p)
      var c = league.matchmaking
      c.selfPlay = try r.double(m, "self_play", 0...1, prefix: p) ?? c.selfPlay
      c.pfsp = try r.double(m, "pfsp", 0...1, prefix: p) ?? c.pfsp
      c.verification = try r.double(m, "verification", 0...1, prefix: p) ?? c.verification
      guard abs(c.selfPlay + c.pfsp + c.verification - 1) < 1e-9 else {
        throw .badValue(path, "matchmaking.self_play + pfsp + verification", "the branch probabilities sum to \(c.selfPlay + c.pfsp + c.verification), not 1")
      }
      c.weighting = try r.choice(m, "weighting", prefix: p) ?? c.weighting
      c.exploiterWeighting = try r.choice(m, "exploiter_weighting", prefix: p) ?? c.exploiterWeighting
      c.exploiterVerificationBelow = try r.double(m, "exploiter_verification_below", 0...1, prefix: p) ?? c.exploiterVerificationBelow
      c.forgottenBelow = try r.double(m, "forgotten_below", 0...1, prefix: p) ?? c.forgottenBelow
      c.exploiterFallbackBelow = try r.double(m, "exploiter_fallback_below", 0...1, prefix: p) ?? c.exploiterFallbackBelow
      c.balance = try r.choice(m, "balance", prefix: p) ?? c.balance
      league.matchmaking = c
    }
    if let s = try r.table(table, "snapshot") {
      let p = "snapshot."
      try r.known(s, ["min_steps", "win_rate", "reset_main_exploiters", "league_exploiter_reset_probability"] + roleNames, prefix: p)
      var c = league.snapshot
      let shared = try snapshotBudget(s, r, prefix: p)
      c.minSteps = shared.minSteps ?? c.minSteps
      c.winRate = shared.winRate ?? c.winRate
      // [snapshot.<role>]: that role's own N and win rate.
      for role in AgentRole.allCases {
        guard let t = try r.table(s, role.rawValue, prefix: p) else { continue }
        let q = p + role.rawValue + "."
        try r.known(t, ["min_steps", "win_rate"], prefix: q)
        (c.roleMinSteps[role], c.roleWinRate[role]) = try snapshotBudget(t, r, prefix: q)
      }
      c.resetMainExploiters = try r.bool(s, "reset_main_exploiters", prefix: p) ?? c.resetMainExploiters
      c.leagueExploiterResetProbability = try r.double(s, "league_exploiter_reset_probability", 0...1, prefix: p) ?? c.leagueExploiterResetProbability
      league.snapshot = c
    }
    if let s = try r.table(table, "payoff") {
      let p = "payoff."
      try r.known(s, ["mode", "decay", "window", "min_games"], prefix: p)
      var c = league.payoff
      c.mode = try r.choice(s, "mode", prefix: p) ?? c.mode
      c.decay = try r.double(s, "decay", 0.5...1, prefix: p) ?? c.decay
      c.window = try r.int(s, "window", 1...1_000_000, prefix: p) ?? c.window
      c.minGames = try r.double(s, "min_games", 0...1_000_000, prefix: p) ?? c.minGames
      league.payoff = c
    }
    if let s = try r.table(table, "pbt") {
      let p = "pbt."
      try r.known(s, ["population", "ready_steps", "exploit", "truncation", "exploit_confidence", "explore", "perturb_factors", "resample_probability", "bounds"], prefix: p)
      var c = league.pbt
      if let v = s["population"] {
        guard let list = v.array else { throw .wrongType(path, p + "population", "an array of role names") }
        c.population = []
        for item in list {
          guard let n = item.string, let role = AgentRole(rawValue: n) else {
            throw .badValue(path, p + "population", "'\(item)' is not one of " + roleNames.joined(separator: ", "))
          }
          c.population.append(role)
        }
      }
      c.readySteps = try r.int(s, "ready_steps", 1...100_000_000, prefix: p) ?? c.readySteps
      c.exploit = try r.choice(s, "exploit", prefix: p) ?? c.exploit
      c.truncation = try r.double(s, "truncation", 0.01...0.5, prefix: p) ?? c.truncation
      c.exploitConfidence = try r.double(s, "exploit_confidence", 0...0.999, prefix: p) ?? c.exploitConfidence
      c.explore = try r.choice(s, "explore", prefix: p) ?? c.explore
      if let v = s["perturb_factors"] {
        guard let list = v.array, !list.isEmpty else { throw .wrongType(path, p + "perturb_factors", "a non-empty array of numbers") }
        c.perturbFactors = try list.map { item throws(ConfigError) in
          guard let x = item.double ?? item.int.map(Double.init), x > 0 else { throw .badValue(path, p + "perturb_factors", "'\(item)' is not a positive number") }
          return x
        }
      }
      c.resampleProbability = try r.double(s, "resample_probability", 0...1, prefix: p) ?? c.resampleProbability
      if let b = try r.table(s, "bounds", prefix: p) {
        c.bounds = [:]
        for key in b.keys.sorted() {
          guard let h = Hyperparameter(rawValue: key) else {
            throw .unknownKey(path, "pbt.bounds.\(key)", known: Hyperparameter.allCases.map(\.rawValue))
          }
          guard let pair = b[key]?.array, pair.count == 2, let lo = pair[0].double ?? pair[0].int.map(Double.init),
            let hi = pair[1].double ?? pair[1].int.map(Double.init), lo <= hi
          else { throw .badValue(path, "pbt.bounds.\(key)", "must be [lower, upper] with lower ≤ upper") }
          guard !h.isLogScale || lo > 0 else { throw .badValue(path, "pbt.bounds.\(key)", "a rate's bounds must be above 0 (it is explored on a log scale)") }
          c.bounds[h] = lo...hi
        }
      }
      let inPopulation = agents.filter { c.population.contains($0.role) }.count
      guard c.population.isEmpty || inPopulation >= 2 else {
        throw .badValue(path, "pbt.population", "the population has \(inPopulation) agent(s); PBT needs at least 2")
      }
      league.pbt = c
    }
    if let s = try r.table(table, "rating") {
      let p = "rating."
      try r.known(s, ["anchors", "interval_seconds", "games", "simulations"], prefix: p)
      var c = league.rating
      if let v = s["anchors"] {
        guard let list = v.array else { throw .wrongType(path, p + "anchors", "an array of player specs (random, mcts:N, gtp:COMMAND)") }
        c.anchors = []
        for item in list {
          guard let text = item.string else { throw .wrongType(path, p + "anchors", "an array of strings") }
          switch try? PlayerSpec(parsing: text) {
          case .gtp?:
            guard game is Go else { throw .badValue(path, p + "anchors", "GTP engines play Go, not \(game.name)") }
            c.anchors.append(text)
          case .random?, .mcts?: c.anchors.append(text)
          default: throw .badValue(path, p + "anchors", "'\(text)' is not a fixed anchor (random, mcts:N or gtp:COMMAND)")
          }
        }
      }
      c.intervalSeconds = try r.double(s, "interval_seconds", 1...1_000_000, prefix: p) ?? c.intervalSeconds
      c.games = try r.int(s, "games", 0...100_000, prefix: p) ?? c.games
      guard c.games % 2 == 0 else { throw .badValue(path, p + "games", "\(c.games) is odd; rating games come in colour-swapped pairs") }
      c.simulations = try r.int(s, "simulations", 0...100_000, prefix: p) ?? c.simulations
      league.rating = c
    }
    return league
  }

  /// A snapshot budget, the same keys in [snapshot] and [snapshot.<role>]: min_steps and win_rate,
  /// each absent (nil) or in range.
  static func snapshotBudget(_ t: TOMLTable, _ r: Reader, prefix: String) throws(ConfigError) -> (minSteps: Int?, winRate: Double?) {
    (try r.int(t, "min_steps", 1...100_000_000, prefix: prefix), try r.double(t, "win_rate", 0...1, prefix: prefix))
  }

  /// Typed reads that name the file and the key in every error.
  struct Reader {
    let path: String

    func known(_ t: TOMLTable, _ keys: [String], prefix: String) throws(ConfigError) {
      for key in t.keys.sorted() where !keys.contains(key) { throw .unknownKey(path, prefix + key, known: keys) }
    }

    func table(_ t: TOMLTable, _ key: String, prefix: String = "") throws(ConfigError) -> TOMLTable? {
      guard let v = t[key] else { return nil }
      guard let table = v.table else { throw .wrongType(path, prefix + key, "a table") }
      return table
    }

    func int(_ t: TOMLTable, _ key: String, _ range: ClosedRange<Int>, prefix: String) throws(ConfigError) -> Int? {
      guard let v = t[key] else { return nil }
      guard let i = v.int else { throw .wrongType(path, prefix + key, "an integer") }
      guard range.contains(i) else { throw .badValue(path, prefix + key, "\(i) is outside \(range.lowerBound)...\(range.upperBound)") }
      return i
    }

    func double(_ t: TOMLTable, _ key: String, _ range: ClosedRange<Double>, prefix: String) throws(ConfigError) -> Double? {
      guard let v = t[key] else { return nil }
      guard let d = v.double ?? v.int.map(Double.init) else { throw .wrongType(path, prefix + key, "a number") }
      guard range.contains(d) else { throw .badValue(path, prefix + key, "\(d) is outside \(range.lowerBound)...\(range.upperBound)") }
      return d
    }

    func string(_ t: TOMLTable, _ key: String, prefix: String) throws(ConfigError) -> String? {
      guard let v = t[key] else { return nil }
      guard let s = v.string, !s.isEmpty else { throw .wrongType(path, prefix + key, "a non-empty string") }
      return s
    }

    func bool(_ t: TOMLTable, _ key: String, prefix: String) throws(ConfigError) -> Bool? {
      guard let v = t[key] else { return nil }
      guard let b = v.bool else { throw .wrongType(path, prefix + key, "true or false") }
      return b
    }

    func choice<E: RawRepresentable<String> & CaseIterable>(_ t: TOMLTable, _ key: String, prefix: String) throws(ConfigError) -> E? {
      guard let v = t[key] else { return nil }
      guard let s = v.string else { throw .wrongType(path, prefix + key, "a string") }
      guard let e = E(rawValue: s) else { throw .badValue(path, prefix + key, "'\(s)' is not one of " + E.allCases.map(\.rawValue).joined(separator: ", ")) }
      return e
    }
  }
}
