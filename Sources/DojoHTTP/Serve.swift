// Starting a Hummingbird server from Dojo's thread-based roles: the server runs on its own tasks;
// the caller waits until it listens (and learns the port) or until binding failed.

import DojoConcurrency
import Foundation
import Hummingbird
import Logging

/// Serves `router` at `host`:`port` (0: any free port) in the background; returns the port bound,
/// or throws `describe(error)`'s message when the address cannot be served (a port in use).
public func serveInBackground(_ router: Router<BasicRequestContext>, host: String, port: Int, label: String,
                              describe: (String) -> any Error) throws -> Int {
  let bound = Locked<Result<Int, any Error>?>(nil)
  let ready = DispatchSemaphore(value: 0)
  var quiet = Logger(label: label)
  quiet.logLevel = .critical
  let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "dojo"),
                        onServerRunning: { channel in
                          bound.withLock { $0 = .success(channel.localAddress?.port ?? port) }
                          ready.signal()
                        }, logger: quiet)
  Task.detached {
    do { try await app.runService(gracefulShutdownSignals: []) } catch {
      bound.withLock { if $0 == nil { $0 = .failure(error) } }
      ready.signal()
    }
  }
  guard ready.wait(timeout: .now() + 20) == .success, let result = bound.withLock({ $0 }) else {
    throw describe("the server did not start within 20 s")
  }
  switch result {
  case .success(let p): return p
  case .failure(let e): throw describe("cannot serve there (\(e); is the port in use?)")
  }
}
