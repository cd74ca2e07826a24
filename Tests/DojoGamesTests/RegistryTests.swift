import Testing
import DojoTestSupport
import Foundation
@testable import DojoGames

@Test func parameterisedNamesMakeTheRightGames() throws {
  #expect(try GameRegistry.make("connect_four").name == "connect_four(rows=6,columns=7)")
  #expect(try GameRegistry.make("connect_four( rows = 5 , columns=4 )").actionCount == 4)
  #expect(try GameRegistry.make("hex(size=9)").name == "hex(size=9,swap=false)")
  #expect(try GameRegistry.make("hex(size=9,swap=true)").actionCount == 82)
  #expect(try GameRegistry.make("gomoku").observationShape == ObservationShape(planes: 3, rows: 15, columns: 15))
  #expect(try GameRegistry.make("connect_four(rows=12,columns=9)") is ConnectFour<UInt128>)
  #expect(GameRegistry.names == ["tic_tac_toe", "connect_four", "othello", "hex", "gomoku", "go"])
}

@Test func badNamesSayWhatExists() {
  func message(_ spec: String) -> String {
    do { _ = try GameRegistry.make(spec); return "" } catch { return error.description }
  }
  #expect(message("chess").contains("unknown game 'chess'"))
  #expect(message("chess").contains("connect_four(rows=6,columns=7)"))
  #expect(message("connect_four(width=8)").contains("no parameter 'width'"))
  #expect(message("connect_four(width=8)").contains("rows"))
  #expect(message("hex(size=4)").contains("size must be an integer from 5 to 19, not '4'"))
  #expect(message("hex(swap=maybe)").contains("true or false"))
  #expect(message("gomoku(rule=renju)").contains("standard, freestyle"))
  #expect(message("connect_four(rows=6").contains("missing ')'"))
  #expect(message("connect_four(rows=6,rows=7)").contains("given twice"))
  #expect(message("tic_tac_toe(size=4)").contains("it takes none"))
  #expect(message("connect_four(rows=16,columns=16)").contains("<= 128"))
}

@Test func theGamesFolderIsFoundFromAnyWorkingDirectory() throws {
  // A repository with a binary in .build/release: found from the working directory, beside the
  // binary (a symlink to it included) from anywhere else, and $DOJO_GAMES first of all.
  let root = temporaryDirectory("game-files")
  let fm = FileManager.default
  try fm.createDirectory(atPath: root + "/repo/games/connect_four", withIntermediateDirectories: true)
  try fm.createDirectory(atPath: root + "/repo/.build/release", withIntermediateDirectories: true)
  try fm.createDirectory(atPath: root + "/elsewhere", withIntermediateDirectories: true)
  _ = fm.createFile(atPath: root + "/repo/.build/release/dojo", contents: Data())
  _ = fm.createFile(atPath: root + "/repo/Package.swift", contents: Data())
  try fm.createSymbolicLink(atPath: root + "/elsewhere/dojo", withDestinationPath: root + "/repo/.build/release/dojo")
  let binary = root + "/repo/.build/release/dojo"
  #expect(GameFiles.directory(environment: nil, workingDirectory: root + "/repo", binary: binary) == root + "/repo/games")
  #expect(GameFiles.directory(environment: nil, workingDirectory: root + "/elsewhere", binary: binary) == root + "/repo/games")
  #expect(GameFiles.directory(environment: nil, workingDirectory: root + "/elsewhere", binary: root + "/elsewhere/dojo") == root + "/repo/games")
  #expect(GameFiles.directory(environment: "/opt/games", workingDirectory: root + "/repo", binary: binary) == "/opt/games")
  // A copied binary outside any repository, run outside one: nothing found (the caller says so).
  _ = fm.createFile(atPath: root + "/elsewhere/copy", contents: Data())
  #expect(GameFiles.directory(environment: nil, workingDirectory: root + "/elsewhere", binary: root + "/elsewhere/copy") == nil)
}

@Test func theShellCompletesGameNamesFromTheRegistryAndLeagueFilesByExtension() throws {
  // `dojo --generate-completion-script bash`, sourced in a real bash, asked what completes a word.
  let dir = temporaryDirectory("completion")
  let script = dir + "/dojo.bash"
  let generate = try dojo(["--generate-completion-script", "bash"], output: script)
  generate.waitUntilExit()
  #expect(generate.terminationStatus == 0)
  func complete(_ words: [String]) throws -> [String] {
    let line = words.joined(separator: " ")
    let program = """
      source '\(script)'
      COMP_WORDS=(\(words.map { "'\($0)'" }.joined(separator: " "))); COMP_CWORD=\(words.count - 1)
      COMP_LINE='\(line)'; COMP_POINT=\(line.utf8.count)
      _dojo dojo '\(words.last!)' '\(words[words.count - 2])'
      printf '%s\\n' "${COMPREPLY[@]}"
      """
    let output = dir + "/reply.txt"
    let bash = try dojo(["-c", program], output: output, executable: "/bin/bash", directory: dir)
    bash.waitUntilExit()
    return try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
  }
  let names = GameRegistry.entries.map(\.name)
  #expect(try Set(complete(["dojo", "train", ""])) == Set(names))
  #expect(try complete(["dojo", "play", "conn"]) == ["connect_four"])
  #expect(try Set(complete(["dojo", "check-game", "go"])) == Set(names.filter { $0.hasPrefix("go") }))
  // A league file argument completes .toml files (and folders), not other files.
  try "".write(toFile: dir + "/mine.toml", atomically: true, encoding: .utf8)
  try "".write(toFile: dir + "/mine.txt", atomically: true, encoding: .utf8)
  #expect(try complete(["dojo", "league", "run", "mi"]) == ["mine.toml"])
}
