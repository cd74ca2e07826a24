// `--metrics HOST:PORT`: the process's metrics (DojoTelemetry's, through swift-metrics) in
// Prometheus's text format at http://HOST:PORT/metrics, served by Hummingbird on its own threads
// while the role runs on its own. Prometheus scrapes it; `curl HOST:PORT/metrics` shows it.

import CoreMetrics
import DojoTelemetry
import Foundation
import Hummingbird
import Prometheus

public struct MetricsServerError: Error, CustomStringConvertible {
  public var description: String
}

public final class MetricsServer: Sendable {
  /// The address served, HOST:PORT (the port chosen by the system when 0 was asked).
  public let address: String
  public let registry: PrometheusCollectorRegistry

  /// Bootstraps swift-metrics with the Prometheus backend (once per process) and serves /metrics
  /// at `address` ("HOST:PORT"); throws a clear error for a bad address or a port in use.
  public static func start(_ address: String) throws -> MetricsServer {
    let (host, port) = try parse(address)
    let registry = PrometheusCollectorRegistry()
    var factory = PrometheusMetricsFactory(registry: registry)
    // Network batches take from tens of microseconds to tens of milliseconds; replay requests
    // (a batch of samples, a game's validation and commit) up to a second.
    factory.durationHistogramBuckets = [
      "dojo_network_batch_seconds": [.microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                                     .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                     .milliseconds(100), .milliseconds(250)],
      "dojo_replay_request_seconds": [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                                      .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                      .milliseconds(250), .milliseconds(500), .seconds(1)],
    ]
    MetricsSystem.bootstrap(factory)
    DojoMetrics.register()
    return try MetricsServer(host: host, port: port, registry: registry)
  }

  static func parse(_ address: String) throws -> (String, Int) {
    guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port),
      colon > address.startIndex
    else { throw MetricsServerError(description: "--metrics \(address): expected HOST:PORT, e.g. 127.0.0.1:9100") }
    return (String(address[..<colon]), port)
  }

  init(host: String, port: Int, registry: PrometheusCollectorRegistry) throws {
    self.registry = registry
    let router = Router()
    router.get("metrics") { _, _ -> Response in
      Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
               body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
    let bound = try serveInBackground(router, host: host, port: port, label: "dojo.metrics") {
      MetricsServerError(description: "--metrics \(host):\(port): \($0)")
    }
    address = "\(host):\(bound)"
  }
}
