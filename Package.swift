// swift-tools-version:6.1
// Dojo: self-play game-AI training. The module map (dependency order) is in README.md.
import PackageDescription

// Release builds of the hot code target AVX2 (measured +35-40 % on plain loops, PLATFORM.md).
let hotFlags: [SwiftSetting] = [
  .unsafeFlags(["-Xcc", "-march=haswell", "-target-cpu", "haswell", "-cross-module-optimization"], .when(configuration: .release))
]

let package = Package(
  name: "Dojo",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "dojo", targets: ["DojoCLI"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/onevcat/Rainbow", from: "4.0.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
  ],
  targets: [
    // C shims: each system library wrapped once.
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
    .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ"),

    // The game protocol, the games, the registry and the conformance check.
    .target(name: "DojoGames", swiftSettings: hotFlags),

    // Tensors and the residual policy-value network on OpenBLAS: training, inference, checkpoints.
    .target(
      name: "DojoNN",
      dependencies: ["CBLAS", "DojoGames", .product(name: "Crypto", package: "swift-crypto")],
      swiftSettings: hotFlags
    ),

    // The command-line tool `dojo`.
    .executableTarget(
      name: "DojoCLI",
      dependencies: [
        "DojoGames",
        "DojoNN",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Rainbow", package: "Rainbow"),
      ],
      swiftSettings: hotFlags
    ),

    .testTarget(name: "DojoGamesTests", dependencies: ["DojoGames"]),
    .testTarget(name: "DojoNNTests", dependencies: ["DojoNN"]),
    .testTarget(name: "SystemLibraryTests", dependencies: ["CBLAS", "CZeroMQ"]),
  ]
)
