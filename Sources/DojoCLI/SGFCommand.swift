import ArgumentParser
import DojoDashboard
import Foundation

struct SGFCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sgf",
    abstract: "SGF game records: export a directory's stored games.",
    subcommands: [SGFExportCommand.self]
  )
}

struct SGFExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write every game a run, league or tournament stored as an SGF file (Go, Othello, Gomoku, Hex).",
    discussion: """
      Files are named <directory>-<game id>.sgf, with FF[4], GM, SZ, KM and RU (Go), PB/PW, RE (B+3.5,
      W+R, 0), DT, and each fully searched move's value and top moves in its comment. Every game is
      replayed under the rules first: an illegal stored move is an error naming the game and the move.
      """
  )

  @Argument(help: "A run, league or tournament directory.", completion: .directory)
  var directory: String

  @Option(help: "The folder for the SGF files (made if missing).")
  var out: String

  func run() throws {
    do {
      var last = Date.distantPast
      let n = try SGFExport.export(directory, to: out) { done, total in
        if Date().timeIntervalSince(last) > 0.5 || done == total {
          FileHandle.standardError.write(Data("\rsgf: \(done)/\(total) games".utf8))
          last = Date()
        }
      }
      if n > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
      print("\(n) games written to \(out)")
    } catch {
      throw CommandError("\(error)")
    }
  }
}
