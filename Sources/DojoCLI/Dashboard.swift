import ArgumentParser
import DojoDashboard
import DojoHTTP
import Foundation

struct DashboardCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dashboard",
    abstract: "A live web dashboard over run and league directories.",
    discussion: """
      Serves a page per directory: a run's losses, learning rate, throughput, checkpoint ratings over
      steps and wall-clock and its gating verdicts; a league's ratings, payoff heat map, losses per agent
      and decisions. Pages update while training goes on (every 2 s, without reloading). The databases
      are read read-only; everything is served by dojo itself (works offline). Binds to 127.0.0.1
      unless --host says otherwise.
      """
  )
  @Argument(help: "Run or league directories.", completion: .directory) var directories: [String]
  @Option(help: "The address to bind (127.0.0.1: this machine only).") var host = "127.0.0.1"
  @Option(help: "The port (0: any free one).") var port = 8080
  @Option(help: "Also serve the dashboard's own Prometheus metrics at HOST:PORT/metrics.") var metrics: String?

  func run() throws {
    if let metrics { print("metrics: http://\(try MetricsServer.start(metrics).address)/metrics") }
    let server: DashboardServer
    do { server = try DashboardServer(directories: directories, host: host, port: port) } catch let e as DashboardError {
      throw CommandError(e.description)
    }
    for s in server.sources { print("\(s.kind.rawValue) \(s.name): http://\(server.address)/\(s.kind.rawValue)/\(s.id)") }
    print("dashboard: http://\(server.address)/  (Ctrl-C stops)")
    fflush(nil)
    stopOnSignals()
    while !processStop.isRequested { Thread.sleep(forTimeInterval: 0.2) }
  }
}
