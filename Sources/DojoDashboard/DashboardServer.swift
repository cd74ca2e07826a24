// `dojo dashboard DIR ...`: Hummingbird serving the pages and their JSON, reading each directory's
// database on every request (read-only), so what a page shows is what training has written.

import DojoHTTP
import Foundation
import Hummingbird

public final class DashboardServer: Sendable {
  public let sources: [DashboardSource]
  /// The address served, HOST:PORT (the port chosen by the system when 0 was asked).
  public let address: String

  /// Opens every directory (an error names the first that is missing, unreadable, not Dojo's, or
  /// from a newer Dojo) and serves them at `host`:`port` (an error names a port in use).
  public init(directories: [String], host: String, port: Int) throws {
    guard !directories.isEmpty else { throw DashboardError("give at least one run or league directory") }
    let sources = try directories.enumerated().map { try DashboardSource.open($1, id: $0) }
    self.sources = sources
    let router = Router()
    router.get("/") { _, _ in Self.html(DashboardPages.index(sources)) }
    router.get("/run/:id") { _, context in try Self.page(sources, .run, context) }
    router.get("/league/:id") { _, context in try Self.page(sources, .league, context) }
    router.get("/tournament/:id") { _, context in try Self.page(sources, .tournament, context) }
    router.get("/api/tournament/:id") { _, context in
      let source = try Self.source(sources, .tournament, context)
      return try Self.json(try TournamentData.read(source))
    }
    router.get("/api/run/:id") { _, context in
      let source = try Self.source(sources, .run, context)
      return try Self.json(try RunData.read(source))
    }
    router.get("/api/league/:id") { _, context in
      let source = try Self.source(sources, .league, context)
      return try Self.json(try LeagueData.read(source))
    }
    router.get("/games/:id") { _, context in
      let source = try Self.anySource(sources, context)
      return Self.html(DashboardPages.games(source))
    }
    router.get("/api/games/:id") { request, context in
      let source = try Self.anySource(sources, context)
      return try Self.json(try GameList.read(source, GameFilter(query: Self.query(request))))
    }
    router.get("/game/:id/:game") { _, context in
      let (source, game) = try Self.game(sources, context)
      return Self.html(DashboardPages.game(source, id: game))
    }
    router.get("/api/game/:id/:game") { _, context in
      let (source, game) = try Self.game(sources, context)
      do {
        return try Self.json(try StoredGameRecord.load(source, id: game).view(id: game, sgfAddress: "/sgf/\(source.id)/\(game)"))
      } catch let e as DashboardError { throw HTTPError(.notFound, message: e.description) }
    }
    router.get("/sgf/:id/:game") { _, context in
      let (source, game) = try Self.game(sources, context)
      let record: StoredGameRecord
      do { record = try StoredGameRecord.load(source, id: game) } catch let e as DashboardError { throw HTTPError(.notFound, message: e.description) }
      guard let sgf = record.sgf() else { throw HTTPError(.notFound, message: "\(record.game.name) has no SGF game number") }
      return Response(status: .ok, headers: [.contentType: "application/x-go-sgf; charset=utf-8",
                                             .contentDisposition: "attachment; filename=\"\(source.name)-\(game).sgf\""],
                      body: .init(byteBuffer: ByteBuffer(string: sgf)))
    }
    let bound = try serveInBackground(router, host: host, port: port, label: "dojo.dashboard") {
      DashboardError("the dashboard at \(host):\(port): \($0)")
    }
    address = "\(host):\(bound)"
  }

  static func source(_ sources: [DashboardSource], _ kind: DashboardSource.Kind, _ context: some RequestContext) throws -> DashboardSource {
    guard let id = context.parameters.get("id", as: Int.self), sources.indices.contains(id), sources[id].kind == kind else {
      throw HTTPError(.notFound, message: "no \(kind.rawValue) with that number")
    }
    return sources[id]
  }

  static func anySource(_ sources: [DashboardSource], _ context: some RequestContext) throws -> DashboardSource {
    guard let id = context.parameters.get("id", as: Int.self), sources.indices.contains(id) else {
      throw HTTPError(.notFound, message: "no directory with that number")
    }
    return sources[id]
  }

  static func game(_ sources: [DashboardSource], _ context: some RequestContext) throws -> (DashboardSource, Int64) {
    let source = try anySource(sources, context)
    guard let game = context.parameters.get("game", as: Int64.self) else { throw HTTPError(.notFound, message: "no game with that number") }
    return (source, game)
  }

  static func query(_ request: Request) -> [String: String] {
    var out: [String: String] = [:]
    for (key, value) in request.uri.queryParameters where out[String(key)] == nil { out[String(key)] = String(value) }
    return out
  }

  static func page(_ sources: [DashboardSource], _ kind: DashboardSource.Kind, _ context: some RequestContext) throws -> Response {
    html(DashboardPages.page(try source(sources, kind, context), sources: sources))
  }

  static func html(_ text: String) -> Response {
    Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
  }

  static func json(_ value: some Encodable) throws -> Response {
    let data = try JSONEncoder().encode(value)
    return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
  }
}
