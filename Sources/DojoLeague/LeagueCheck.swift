// Checking a league's run directory (`dojo check-run`): its database, every model it names (each
// agent's current and initial model, each historical player's) loads and matches its hash, every
// agent's checkpoints, and every stored game.

import DojoGames
import DojoNN
import DojoTraining
import Foundation

public enum LeagueCheck {
  public static func problems<G: Game>(_ directory: String, game: G, log: (String) -> Void) -> [String] {
    var problems: [String] = []
    let path = directory + "/league.sqlite"
    do {
      let store = try LeagueStore(path: path)
      problems += try store.integrityProblems().map { "\(path): \($0)" }
      let agents = try store.agents(), historical = try store.historical()
      var models: [(String, CheckpointReference)] = []
      for a in agents { models += [("\(a.name) (current)", a.model), ("\(a.name) (initial)", a.initial)] }
      for h in historical { models.append((h.player.name, h.model)) }
      for (who, model) in models {
        do {
          let meta = try Checkpoint.read(model.path, game: game.name).metadata
          if meta.modelSHA256 != model.sha256 { problems.append("\(who): \(model.path) holds weights \(meta.modelSHA256), the league recorded \(model.sha256)") }
        } catch {
          problems.append("\(who): \(error)")
        }
      }
      log("league: \(agents.count) agents, \(historical.count) historical players, \(models.count) models named, \(try store.resultCount()) results")
      for a in agents {
        let (n, p) = RunCheck.checkpoints(LeagueSetup.agentDirectory(directory, a.name) + "/checkpoints", game: game.name)
        log("\(a.name): \(n) checkpoints")
        problems += p
      }
    } catch {
      problems.append("\(path): \(error)")
    }
    problems += RunCheck.games(directory + "/games.sqlite", game: game) { log("games checked: \($0)") }
    return problems
  }
}
