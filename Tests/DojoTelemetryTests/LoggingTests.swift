import DojoTelemetry
import DojoTestSupport
import Foundation
import Logging
import Testing

@Test func jsonLinesCarryLevelLabelAndMetadataAndTheLevelFilters() throws {
  let dir = temporaryDirectory("logging")
  let path = dir + "/role.log"
  let logger = Logger.dojo("dojo.replay", destination: LogDestination(path: path, format: .json, echo: false), level: .notice,
                           metadata: ["role": "replay", "run": "runs/x"])
  logger.info("below the level: not written")
  logger.notice("stored 3 games")
  logger.error("disk full", metadata: ["path": "runs/x/run.sqlite"])
  let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
  try #require(lines.count == 2, "\(lines)")
  let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
  #expect(objects[0]["message"] as? String == "stored 3 games" && objects[0]["level"] as? String == "notice")
  #expect(objects[1]["message"] as? String == "disk full" && objects[1]["level"] as? String == "error")
  #expect(objects[1]["path"] as? String == "runs/x/run.sqlite")
  for o in objects {
    #expect(o["label"] as? String == "dojo.replay" && o["role"] as? String == "replay" && o["run"] as? String == "runs/x")
    #expect((o["time"] as? String).flatMap { ISO8601DateFormatter.withFractions.date(from: $0) } != nil)
  }
}

@Test func textLinesKeepTheFormatOfRunLogs() throws {
  let dir = temporaryDirectory("logging-text")
  let path = dir + "/train.log"
  let logger = Logger.dojo("dojo.train", destination: LogDestination(path: path, format: .text, echo: false), level: .info)
  logger.debug("not written")
  logger.info("games 12 (3.0/s)")
  logger.warning("could not write TensorBoard scalars")
  let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
  try #require(lines.count == 2, "\(lines)")
  // "TIME message", the level named from warning up.
  let first = lines[0].split(separator: " ", maxSplits: 1).map(String.init)
  #expect(ISO8601DateFormatter.withFractions.date(from: first[0]) != nil && first[1] == "games 12 (3.0/s)")
  #expect(lines[1].hasSuffix(" warning: could not write TensorBoard scalars"))
}

extension ISO8601DateFormatter {
  static var withFractions: ISO8601DateFormatter {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f
  }
}
