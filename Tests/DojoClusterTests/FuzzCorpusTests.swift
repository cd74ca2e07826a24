// Every input in the fuzz corpora (seeds, and every crash ever found, kept as a regression) goes
// through its parser again without a crash: the plain build of dojo-fuzz replays them.

import DojoTestSupport
import Foundation
import Testing

@Test(arguments: ["envelope", "checkpoint", "config", "league", "notation", "positions", "sgf", "gtp"])
func fuzzCorpusReplaysWithoutACrash(target: String) throws {
  let binary = repositoryRoot + "/.build/debug/dojo-fuzz"
  try #require(FileManager.default.isExecutableFile(atPath: binary), "\(binary) is missing: swift build (tools/test builds it)")
  let corpus = repositoryRoot + "/Tests/Fuzz/" + target
  let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus)
  #expect(!inputs.isEmpty, "no seeds in \(corpus)")
  let out = temporaryDirectory("fuzz-replay") + "/out"
  let p = try dojo([target, corpus], output: out, executable: binary)
  p.waitUntilExit()
  let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
  #expect(p.terminationStatus == 0 && text.contains("\(inputs.count) inputs replayed, no crash"), "\(text)")
}
