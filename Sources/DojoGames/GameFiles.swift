// Where the repository's `games/` folder is (each game's config.toml, notes and positions), for a
// `dojo` started from anywhere: a run started outside the repository must not quietly lose the
// game's tuned config.

import Foundation

public enum GameFiles {
  /// `games/`, looked for in this order: `$DOJO_GAMES`; under the working directory (the repository
  /// root, where tools/ scripts run); beside the binary (`.build/CONFIG/dojo` in the repository).
  /// Nil when none exists.
  public static var directory: String? {
    directory(environment: ProcessInfo.processInfo.environment["DOJO_GAMES"], binary: executable)
  }

  /// This process's binary: /proc/self/exe where there is one (a `dojo` found through PATH has
  /// no directory in its argv[0]), else argv[0].
  static var executable: String? {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first
  }

  /// The same search with the environment variable, the working directory and the binary's path given.
  public static func directory(environment: String?, workingDirectory: String = ".", binary: String?) -> String? {
    if let explicit = environment, !explicit.isEmpty { return explicit }
    let local = workingDirectory == "." ? "games" : workingDirectory + "/games"
    if isDirectory(local) { return local }
    if let binary {
      // The repository the binary was built in: the nearest ancestor with Package.swift and games/
      // (.build/debug is itself a symlink to .build/<triple>/debug, so the depth varies).
      var url = URL(fileURLWithPath: binary).resolvingSymlinksInPath().deletingLastPathComponent()
      while url.path != "/" && !url.path.isEmpty {
        let games = url.appendingPathComponent("games").path
        if isDirectory(games) && FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return games }
        url = url.deletingLastPathComponent()
      }
    }
    return nil
  }

  /// `directory`, or `games` under the working directory where none was found.
  public static var directoryOrDefault: String { directory ?? "games" }

  /// `games/<relative>` in the folder found, or the path under the working directory when there is
  /// none (so an error names where it looked).
  public static func path(_ relative: String) -> String { directoryOrDefault + "/" + relative }

  static func isDirectory(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
  }
}
