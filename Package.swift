// swift-tools-version: 6.1
import PackageDescription

#if canImport(Glibc)
    import Glibc

    /// glibc reads packed relative relocations (DT_RELR) from 2.36 on; a binary that has them does not
    /// start on an older one.
    let glibcReadsPackedRelocations: Bool = {
        var text = [CChar](repeating: 0, count: 64)
        guard confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count) > 0 else { return false }
        // "glibc 2.36"
        let name = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let version = name.split(separator: " ").last?.split(separator: ".").compactMap { Int($0) } ?? []
        return version.count >= 2 && (version[0], version[1]) >= (2, 36)
    }()
#else
    let glibcReadsPackedRelocations = false
#endif

/// How `parley` is linked on Linux (docs/architecture.md, "Linking"): by lld, exporting none of its
/// symbols, with its relative relocations packed where glibc reads them, and with the functions a
/// run executes placed first and together (`hot-functions.order`, written by
/// `scripts/bench-memory.py hot-functions`). Every page of the binary a run touches stays resident.
let executableLinking: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-use-ld=lld", "-Xlinker", "--no-export-dynamic",
            "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/parley/hot-functions.order",
            "-Xlinker", "--no-warn-symbol-ordering",
        ] + (glibcReadsPackedRelocations ? ["-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"] : []),
        .when(platforms: [.linux]))
]

/// Release builds of Parley's own modules put each function in a section of its own, so that the
/// linker can place the ones a run executes together (`executableLinking`).
let functionSections: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-function-sections"], .when(platforms: [.linux], configuration: .release))
]

// Data flows one way: flow file → YAML nodes → flow model → interpreter → provider → HTTP → reply →
// result → run directory → reports. Each module holds one step and depends only on the steps before
// it; ParleyRuntime and the executable assemble them. docs/architecture.md describes each module.
let package = Package(
    name: "Parley",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "parley", targets: ["parley"]),
        .library(name: "ParleyFlow", targets: ["ParleyFlow"]),
        .library(name: "ParleyRun", targets: ["ParleyRun"]),
        .library(name: "ParleyResults", targets: ["ParleyResults"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // C libraries, wrapped so that no C type leaks past the Swift module that imports them.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "CCurlShims", dependencies: ["CCurl"]),
        // The options of the allocator the executable is linked with (mimalloc on Linux).
        .target(name: "CAllocator"),

        // libyaml → a node tree that keeps every node's file:line:column.
        .target(name: "ParleyYAML", dependencies: ["CYAML"]),
        // Pass rates, Wilson intervals, pass@k, Fisher's exact test, percentiles: pure functions.
        .target(name: "ParleyStatistics"),
        // JSON values (integers exact), parser, writer, JSONPath, timestamps.
        .target(name: "ParleyJSON"),
        // An instant on the machine's continuous clock as an integer, for the run and the HTTP loop.
        .target(name: "ParleyClock"),
        // The flow language and parley.yaml: model, loader, located diagnostics, patterns, templates.
        .target(name: "ParleyFlow", dependencies: ["ParleyYAML", "ParleyJSON"]),
        // Running flows: provider and simulator protocols, interpreter, coordinator, the live result.
        .target(name: "ParleyRun", dependencies: ["ParleyClock", "ParleyFlow", "ParleyJSON"]),
        // Judging conversations: the judge prompt, strict verdict parsing, the verdict cache, calibration.
        .target(name: "ParleyJudging", dependencies: ["ParleyRun", "ParleyFlow", "ParleyJSON"]),
        // Run directories: one codec per file format, writer, merge, comparison.
        .target(
            name: "ParleyResults", dependencies: ["ParleyStatistics", "ParleyRun", "ParleyFlow", "ParleyJSON"]),
        // Writing flows: from captured conversations, and from a model's suggestions (checked before use).
        .target(name: "ParleyAuthoring", dependencies: ["ParleyRun", "ParleyFlow", "ParleyJSON"]),
        // Run history: runs and flow runs recorded in SQLite (GRDB) or PostgreSQL (PostgresNIO).
        .target(
            name: "ParleyHistory",
            dependencies: [
                "ParleyResults", "ParleyStatistics", "ParleyJSON",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // HTML and JUnit reports of a run directory, and the history's page.
        .target(
            name: "ParleyReports",
            dependencies: [
                "ParleyHistory", "ParleyResults", "ParleyStatistics", "ParleyRun", "ParleyFlow", "ParleyJSON",
            ]),
        // An async HTTP client on libcurl's multi interface (one event-loop thread).
        .target(name: "ParleyHTTP", dependencies: ["CCurl", "CCurlShims", "ParleyClock"]),
        // Servers Parley runs for a run: webhook receivers (deliveries routed to conversations,
        // secrets checked in constant time), and the start/stop of every Hummingbird server.
        .target(
            name: "ParleyWebhooks",
            dependencies: [
                "ParleyJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Protocol clients: amigo, amelia, agenthuman, http (declarative), openai.
        .target(
            name: "ParleyProviders",
            dependencies: ["ParleyRun", "ParleyFlow", "ParleyJSON", "ParleyHTTP", "ParleyWebhooks"]
        ),
        // The scripted support-desk agent behind the sandbox and the `local` target.
        .target(
            name: "ParleyDemoAgent",
            dependencies: ["ParleyFlow", "ParleyYAML"],
            resources: [.embedInCode("Resources/agents/support-desk.yaml")]
        ),
        // A local server speaking the providers' protocols around the demo agent.
        .target(
            name: "ParleySandbox",
            dependencies: [
                "ParleyDemoAgent",
                "ParleyFlow",
                "ParleyJSON",
                "ParleyHTTP",
                "ParleyWebhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Assembles a run: workspace, plan, target registry, the embedded `sandbox` and `local` targets.
        .target(
            name: "ParleyRuntime",
            dependencies: [
                "ParleyProviders", "ParleySandbox", "ParleyDemoAgent", "ParleyJudging", "ParleyAuthoring", "ParleyRun",
                "ParleyFlow", "ParleyJSON", "ParleyHTTP",
            ]
        ),
        // The command line: parses, prints, scaffolds projects.
        .executableTarget(
            name: "parley",
            dependencies: [
                "ParleyRuntime", "ParleyReports", "ParleyHistory", "ParleyResults", "ParleyStatistics", "ParleyJudging",
                "ParleyAuthoring", "ParleyRun", "ParleyFlow", "ParleySandbox", "ParleyDemoAgent", "ParleyProviders",
                "ParleyJSON", "CAllocator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["hot-functions.order"],
            resources: [
                .embedInCode("Resources/schema/flow.schema.json"),
                .embedInCode("Resources/schema/persona.schema.json"),
                .embedInCode("Resources/schema/scenario.schema.json"),
                .embedInCode("Resources/schema/steps.schema.json"),
                .embedInCode("Resources/schema/parley.schema.json"),
                .embedInCode("Resources/schema/common.schema.json"),
            ],
            linkerSettings: executableLinking + [
                // mimalloc (Debian's libmimalloc-dev), loaded before glibc, serves every malloc and free in
                // the process (docs/architecture.md, "Memory allocator").
                .linkedLibrary("mimalloc", .when(platforms: [.linux]))
            ]
        ),

        // Helpers shared by test targets, not part of any product: child processes that do not block
        // the test pool, and checking YAML against schema/.
        .target(
            name: "ParleyTestSupport", dependencies: ["ParleyResults", "ParleyRun", "ParleyFlow", "ParleyJSON"],
            path: "Tests/ParleyTestSupport"),
        .testTarget(name: "ParleyYAMLTests", dependencies: ["ParleyYAML"]),
        .testTarget(name: "ParleyJSONTests", dependencies: ["ParleyJSON"]),
        .testTarget(name: "ParleyStatisticsTests", dependencies: ["ParleyStatistics"], exclude: ["Fixtures"]),
        .testTarget(
            name: "ParleyHistoryTests",
            dependencies: [
                "ParleyHistory", "ParleyResults", "ParleyStatistics", "ParleyRun", "ParleyFlow", "ParleyJSON",
                "ParleyTestSupport",
            ]
        ),
        .testTarget(
            name: "ParleyFlowTests", dependencies: ["ParleyFlow", "ParleyYAML", "ParleyJSON", "ParleyTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ParleyRunTests",
            dependencies: ["ParleyClock", "ParleyRun", "ParleyFlow", "ParleyJSON", "ParleyTestSupport"]),
        .testTarget(
            name: "ParleyJudgingTests", dependencies: ["ParleyJudging", "ParleyRun", "ParleyFlow", "ParleyJSON"]),
        .testTarget(
            name: "ParleyAuthoringTests",
            dependencies: ["ParleyAuthoring", "ParleyRun", "ParleyFlow", "ParleyJSON", "ParleyTestSupport"]),
        .testTarget(
            name: "ParleyResultsTests",
            dependencies: [
                "ParleyResults", "ParleyStatistics", "ParleyRun", "ParleyFlow", "ParleyJSON", "ParleyTestSupport",
            ]),
        .testTarget(
            name: "ParleyReportsTests",
            dependencies: [
                "ParleyReports", "ParleyHistory", "ParleyResults", "ParleyStatistics", "ParleyRun", "ParleyFlow",
                "ParleyTestSupport",
            ]),
        .testTarget(
            name: "ParleyHTTPTests",
            dependencies: [
                "ParleyClock",
                "ParleyHTTP",
                "ParleyTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                // An independent multipart parser, to check what the client encodes.
                .product(name: "MultipartKit", package: "multipart-kit"),
            ]
        ),
        .testTarget(name: "ParleyWebhooksTests", dependencies: ["ParleyWebhooks", "ParleyHTTP", "ParleyJSON"]),
        .testTarget(
            name: "ParleyProvidersTests",
            dependencies: [
                "ParleyProviders", "ParleyRuntime", "ParleySandbox", "ParleyResults", "ParleyJudging", "ParleyRun",
                "ParleyFlow", "ParleyJSON", "ParleyHTTP", "ParleyWebhooks", "ParleyTestSupport", "ParleyClock",
            ]
        ),
        .testTarget(name: "ParleyDemoAgentTests", dependencies: ["ParleyDemoAgent", "ParleyFlow"]),
        .testTarget(
            name: "ParleySandboxTests",
            dependencies: [
                "ParleySandbox",
                "ParleyDemoAgent",
                "ParleyJSON",
                "ParleyWebhooks",
                "ParleyTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            // Amigo's OpenAPI document, read by scripts/validate-amigo-json.py (see AmigoOpenAPI).
            exclude: ["Resources"]
        ),
        .testTarget(
            name: "ParleyEndToEndTests",
            dependencies: [
                "parley", "ParleyResults", "ParleyRun", "ParleyFlow", "ParleyJSON", "ParleyHistory",
                "ParleyTestSupport",
            ],
            exclude: ["Fixtures"]
        ),
        // The JSON Schemas of schema/ against the loaders: examples, invalid fixtures, scaffolding.
        .testTarget(
            name: "ParleySchemaTests",
            dependencies: [
                "parley", "ParleyRuntime", "ParleyProviders", "ParleyFlow", "ParleyJSON", "ParleyTestSupport",
            ]
        ),
    ]
)

/// Parley's async functions that belong to no actor run where their caller runs (Swift's
/// `NonisolatedNonsendingByDefault`) instead of hopping to the generic executor at every call: a
/// flow run's task prefers its HTTP loop, and each such hop looked the preference up under the
/// task's status lock (about 50 hops a turn).
let callerIsolation: [SwiftSetting] = [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]

for target in package.targets where target.name == "parley" || target.name.hasPrefix("Parley") {
    // Tests too: a module built without the feature mangles the closure types it passes to these
    // modules' functions differently, and does not link against them.
    let ownCode = target.type != .test && target.name != "ParleyTestSupport"
    target.swiftSettings = (target.swiftSettings ?? []) + (ownCode ? functionSections : []) + callerIsolation
}
