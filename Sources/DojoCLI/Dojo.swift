import ArgumentParser
import DojoGames
import DojoNN
import DojoTransport

struct Dojo: ParsableCommand {
  /// Dojo's version: `dojo --version` and the GTP engine's `version`.
  static let version = "0.7"

  static let configuration = CommandConfiguration(
    commandName: "dojo",
    abstract: "Self-play training for two-player board games, from zero.",
    version: versionReport(),
    subcommands: [Games.self, Train.self, CheckGame.self, Play.self, Tournament.self, Eval.self, Solve.self, Config.self, Export.self, Bench.self,
                  Replay.self, LearnerCommand.self, EvaluatorCommand.self, ActorCommand.self, ClusterCommand.self, Keys.self, LeagueCommand.self, CheckRun.self, DashboardCommand.self,
                  GTPCommandLine.self, SGFCommand.self]
  )
}

/// `dojo --version`: Dojo's version, the native libraries it runs on as linked, and this CPU, with
/// the features that decide its kernels (what a bug report needs).
func versionReport() -> String {
  let flags = CPUInfo.current.flags
  let features = ["avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8"]
  return """
    dojo \(Dojo.version)
    oneDNN \(oneDNNVersion), dispatching to \(OneDNNISA.current.name)
    \(BLASCore.configuration); kernels: \(BLASCore.select())
    ZeroMQ \(zeroMQVersion)
    CPU: \(CPUInfo.current.model ?? "unknown") (\(features.map { flags.contains($0) ? $0 : "no \($0)" }.joined(separator: ", ")))
    """
}

extension CompletionKind {
  /// The registry's game names, for the shell completion of a game argument.
  static var games: CompletionKind { .list(GameRegistry.entries.map(\.name)) }
  /// League files (league/*.toml).
  static var leagueFiles: CompletionKind { .file(extensions: ["toml"]) }
}

/// Reads a game name, failing with the registry's message (which lists what exists).
func parseGame(_ text: String) throws -> any Game {
  do {
    return try GameRegistry.make(text)
  } catch {
    throw ValidationError(error.description)
  }
}

struct Games: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "List the games and their parameters.")

  func run() {
    for entry in GameRegistry.entries {
      print("\(entry.name): \(entry.summary)")
      for p in entry.parameters { print("    \(p.name)=\(p.defaultValue)  \(p.help)") }
    }
  }
}

/// An error met while running a command: printed as "Error: <message>", without the usage text.
struct CommandError: Error, CustomStringConvertible {
  let description: String
  init(_ message: String) { description = message }
}
