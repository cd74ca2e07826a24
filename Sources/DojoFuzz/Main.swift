// The two entry points of dojo-fuzz (see FuzzTargets.swift).

import Foundation

#if FUZZING
/// libFuzzer's entry: the target named by DOJO_FUZZ_TARGET.
let fuzzTarget: FuzzTarget = {
  let name = ProcessInfo.processInfo.environment["DOJO_FUZZ_TARGET"] ?? ""
  guard let t = FuzzTarget(rawValue: name) else {
    FileHandle.standardError.write(Data("set DOJO_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
    exit(2)
  }
  return t
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  fuzz(fuzzTarget, Data(bytes: bytes, count: count))
  return 0
}
#else
/// Replays inputs through a target: `dojo-fuzz TARGET FILE_OR_DIR...` (every file of a directory).
@main
struct FuzzReplay {
  static func main() {
    let args = CommandLine.arguments.dropFirst()
    if args.first == "--write-seeds", let dir = args.dropFirst().first {
      do { try writeSeeds(dir) } catch { print("\(error)"); exit(1) }
      return
    }
    guard let name = args.first, let target = FuzzTarget(rawValue: name) else {
      print("usage: dojo-fuzz TARGET FILE_OR_DIR...   targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
      print("(tools/fuzz builds it with libFuzzer to search for crashing inputs)")
      exit(2)
    }
    var files: [String] = []
    for path in args.dropFirst() {
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
        files += ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
      } else {
        files.append(path)
      }
    }
    for f in files {
      guard let data = FileManager.default.contents(atPath: f) else { print("cannot read \(f)"); exit(1) }
      fuzz(target, data)
    }
    print("\(target.rawValue): \(files.count) inputs replayed, no crash")
  }
}
#endif
