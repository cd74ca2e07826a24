import ArgumentParser
import DojoConfig
import DojoGames
import Foundation

struct Config: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check a game's configuration file and print it with every default written out.",
    discussion: "Reads games/<name>/config.toml (or --file). Exits non-zero, naming the key, on any error."
  )

  @Argument(help: "The game; its config is games/<name>/config.toml.", completion: .games)
  var game: String?

  @Option(help: "A configuration file to read instead.")
  var file: String?

  func validate() throws {
    if game == nil && file == nil { throw ValidationError("give a game or --file") }
  }

  func run() throws {
    let path = file ?? GameFiles.path("\(game!)/config.toml")
    do {
      let config = try GameConfig.load(path: path)
      print("# \(path): OK. Effective configuration:")
      print(config.toml, terminator: "")
    } catch {
      throw CommandError(error.description)
    }
  }
}
