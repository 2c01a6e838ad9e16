// swift-tools-version: 6.1
import PackageDescription

// One target per layer of docs/DESIGN.md; dependencies point down only.

// The simulation hot path (engine, protocol, workloads, hardware, the system's run loop; outputs for
// waveforms) and the verifiers' inner loop (konasim verify, stress) mutate class-held state on every
// access; Swift's dynamic exclusivity checks cost more than half of the run time there
// (perf: swift_beginAccess + AccessSet::insert ~ 55% of `konasim bench timed seq`).
// Release builds of those targets turn the runtime check off; debug builds, which run
// the tests, keep it.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
let package = Package(
    name: "KonaSim",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "konasim", targets: ["konasim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(name: "KonaEngine", swiftSettings: hotPath),
        .target(name: "KonaProtocol", swiftSettings: hotPath),
        .target(name: "KonaHardware", dependencies: [
            "KonaWorkloads", "KonaEngine", "KonaProtocol",
        ], swiftSettings: hotPath),
        // zlib from the system (Debian: zlib1g-dev), for gzip-compressed traces.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "KonaWorkloads", dependencies: ["KonaEngine", "CZlib"], swiftSettings: hotPath),
        .target(name: "KonaConfig", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "KonaSystem",
                dependencies: ["KonaEngine", "KonaProtocol", "KonaHardware", "KonaWorkloads", "KonaConfig"],
                swiftSettings: hotPath),
        // The protocol's verifiers: the exhaustive explorer, the random tester, the Promela
        // export (its hand-written model text is PromelaSemantics.pml, embedded by
        // scripts/gen-embedded), table exports and the breakage catalogue. No config, no workloads.
        .target(name: "KonaVerification", dependencies: ["KonaEngine", "KonaProtocol", "KonaHardware"],
                exclude: ["PromelaSemantics.pml"], swiftSettings: hotPath),
        .target(name: "KonaOutputs", dependencies: ["KonaEngine", "KonaSystem", "KonaConfig"],
                swiftSettings: hotPath),
        .target(name: "KonaSweeps", dependencies: ["KonaConfig", "KonaEngine"]),
        .executableTarget(name: "konasim", dependencies: [
            "KonaSystem", "KonaSweeps", "KonaOutputs", "KonaConfig", "KonaWorkloads", "KonaProtocol", "KonaHardware", "KonaVerification",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "KonaEngineTests", dependencies: ["KonaEngine"]),
        .testTarget(name: "KonaSweepsTests", dependencies: ["KonaSweeps", "KonaConfig", "KonaEngine"]),
        .testTarget(name: "KonaConfigTests", dependencies: ["KonaConfig"]),
        .testTarget(name: "KonaWorkloadsTests", dependencies: ["KonaWorkloads", "CZlib"]),
        .testTarget(name: "KonaHardwareTests", dependencies: ["KonaHardware", "KonaEngine", "KonaProtocol"]),
        .testTarget(name: "KonaOutputsTests", dependencies: ["KonaOutputs", "KonaEngine", "KonaSystem", "KonaConfig", "KonaWorkloads"]),
        .testTarget(name: "KonaProtocolTests", dependencies: ["KonaProtocol"]),
        .testTarget(name: "KonaVerificationTests", dependencies: ["KonaVerification", "KonaProtocol", "KonaHardware"]),
        .testTarget(name: "KonaSystemTests", dependencies: [
            "KonaSystem", "KonaConfig", "KonaEngine", "KonaProtocol", "KonaHardware", "KonaWorkloads",
        ]),
    ]
)
