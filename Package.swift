// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Throughcare",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "throughcare", targets: ["throughcare"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Tests only: generators for the seeded property tests of the tokenizer and validator.
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // Report pages: values are HTML-escaped by the template engine, never by hand.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // YAML with line/column marks, so a bad pipeline file is reported at the exact place.
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        // Levelled diagnostics on stderr (-v / --log-level) in the CLI.
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    ],
    targets: [
        // System libraries from Debian: libpq-dev, zlib1g-dev, libssl-dev.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        .target(name: "ThroughcareCore"),
        .target(name: "PostgresClient", dependencies: ["CLibPQ"]),
        .target(name: "LocalPostgres"),
        .target(name: "Warehouse", dependencies: ["ThroughcareCore", "PostgresClient"]),
        .target(name: "ExtractGenerator", dependencies: ["ThroughcareCore"]),
        .target(
            name: "Ingest",
            dependencies: ["ThroughcareCore", "PostgresClient", "Warehouse", "CZlib", "CCrypto"],
            // The per-row path touches a few class-held buffers millions of times; the runtime's
            // dynamic exclusivity checks were ~40% of ingest CPU (perf). Each loader is single-threaded.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        .target(name: "Transform", dependencies: ["ThroughcareCore", "PostgresClient", "Warehouse"]),
        .target(name: "Aggregate", dependencies: ["ThroughcareCore", "PostgresClient", "Warehouse"]),
        .target(name: "Export", dependencies: ["ThroughcareCore", "PostgresClient", "Warehouse", "LocalPostgres", .product(name: "Mustache", package: "swift-mustache")]),
        // Reads pipelines/*.yml and runs the stages through their public APIs; owns the quality gate.
        .target(
            name: "Pipeline",
            dependencies: ["ThroughcareCore", "PostgresClient", "Warehouse", "Ingest", "Transform", "Aggregate", "Export", "CCrypto",
                           .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "throughcare",
            dependencies: [
                "ThroughcareCore", "PostgresClient", "LocalPostgres", "ExtractGenerator",
                "Ingest", "Transform", "Aggregate", "Export", "Warehouse", "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(name: "TestSupport", dependencies: ["PostgresClient", "LocalPostgres", "ThroughcareCore"], path: "Tests/TestSupport"),
        .testTarget(name: "ThroughcareCoreTests", dependencies: ["ThroughcareCore", "PostgresClient", "TestSupport"]),
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "TestSupport"]),
        .testTarget(name: "LocalPostgresTests", dependencies: ["LocalPostgres", "PostgresClient", "TestSupport"]),
        .testTarget(name: "ExtractGeneratorTests", dependencies: ["ExtractGenerator", "Ingest", "TestSupport"]),
        // Fixtures are read from the checkout (see TestSupport.repositoryRoot), not bundled.
        .testTarget(name: "IngestTests", dependencies: [
            "Ingest", "PostgresClient", "TestSupport", "ThroughcareCore",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ], exclude: ["Fixtures"]),
        .testTarget(name: "TransformTests", dependencies: ["Ingest", "Transform", "PostgresClient", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", .product(name: "Mustache", package: "swift-mustache")]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Export", "Ingest", "Transform", "Aggregate", "ExtractGenerator", "PostgresClient", "LocalPostgres", "TestSupport"]),
        .testTarget(name: "AggregateTests", dependencies: ["Ingest", "Transform", "Aggregate", "Export", "PostgresClient", "LocalPostgres", "Warehouse", "TestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
