// swift-tools-version:6.2
import PackageDescription

/// One set of settings for every target, so the whole package builds in the Swift 6 language mode
/// with the same strictness.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "newsdedup",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "newsdedupd", targets: ["newsdedupd"]),
        .executable(name: "newsdedupctl", targets: ["newsdedupctl"]),
        .executable(name: "newsdedup-bench", targets: ["newsdedup-bench"]),
        .library(name: "DedupCore", targets: ["DedupCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        // Already in the graph through swift-configuration; newsdedupctl reads the daemon's
        // configuration file with it to find the socket.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The shared store of several daemons (issue 19).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // zlib from the system (zlib1g-dev), as a two-line C module.
        .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),

        // Linux calls Swift's Glibc module leaves out (renameat2 with RENAME_NOREPLACE).
        .target(name: "CSystemShims"),

        // Beneath everything that touches the system: socket addresses, RFC 3339 times, system
        // errors.
        .target(name: "SystemSupport", dependencies: ["CSystemShims"], swiftSettings: swiftSettings),

        // Pure logic, no I/O: decoding, normalising, shingling, SimHash, band keys, verdicts, codec.
        .target(
            name: "DedupCore", dependencies: ["CZlib", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),

        // The SQLite store (GRDB on the system libsqlite3).
        .target(
            name: "ArticleStore",
            dependencies: [
                "DedupCore", "SystemSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the one scan that reads every article at start-up.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),

        // Safe claiming of inbox files, moving and quarantining.
        // The PostgreSQL store: the same DedupStore, for several daemons with one verdict.
        .target(
            name: "PostgresStore",
            dependencies: [
                "ArticleStore", "DedupCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .target(name: "InboxScanner", dependencies: ["SystemSupport", "CSystemShims"], swiftSettings: swiftSettings),

        // The wire format shared by daemon and CLI: Codable requests and responses.
        .target(name: "ControlProtocol", dependencies: ["SystemSupport"], swiftSettings: swiftSettings),

        // The daemon's services: ingest loop, control server, configuration.
        .target(
            name: "DaemonKit",
            dependencies: [
                "DedupCore", "ArticleStore", "PostgresStore", "InboxScanner", "ControlProtocol", "SystemSupport", "CSystemShims",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "newsdedupd",
            dependencies: [
                "DaemonKit", "DedupCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "newsdedupctl",
            dependencies: [
                "ControlProtocol", "DedupCore", "SystemSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),

        // Helpers shared by the test targets and the benchmark: the seeds, a seeded generator,
        // an article generator, a raw socket.
        .target(name: "TestSupport", dependencies: ["ControlProtocol", "DedupCore", "SystemSupport"], path: "Tests/TestSupport", swiftSettings: swiftSettings),

        // Release-mode benchmarks (scripts/bench.sh).
        .executableTarget(
            name: "newsdedup-bench",
            dependencies: ["DedupCore", "ArticleStore", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks",
            exclude: ["Quality"],
            swiftSettings: swiftSettings),

        .testTarget(name: "DedupCoreTests", dependencies: ["DedupCore", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ArticleStoreTests", dependencies: ["ArticleStore", "DedupCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PostgresStoreTests", dependencies: ["PostgresStore", "ArticleStore", "DedupCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InboxScannerTests", dependencies: ["InboxScanner", "SystemSupport"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DaemonKitTests",
            dependencies: [
                "DaemonKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ControlProtocolTests", dependencies: ["ControlProtocol", "SystemSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["newsdedupd", "newsdedupctl", "ControlProtocol", "ArticleStore", "SystemSupport", "TestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
