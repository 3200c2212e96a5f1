// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Parley",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "parley", targets: ["parley"]),
        .library(name: "ParleyCore", targets: ["ParleyCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
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

        .target(name: "ParleyYAML", dependencies: ["CYAML"]),
        .target(name: "ParleyHTTP", dependencies: ["CCurl", "CCurlShims"]),
        .target(
            name: "ParleyCore",
            dependencies: ["ParleyYAML"]
        ),
        .target(
            name: "ParleyDemoAgent",
            dependencies: ["ParleyCore", "ParleyYAML"]
        ),
        .target(
            name: "ParleyProviders",
            dependencies: ["ParleyCore", "ParleyHTTP", "ParleyDemoAgent", "ParleySandbox"]
        ),
        .target(
            name: "ParleySandbox",
            dependencies: [
                "ParleyCore",
                "ParleyDemoAgent",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "parley",
            dependencies: [
                "ParleyCore",
                "ParleyProviders",
                "ParleySandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Helpers shared by test targets, not part of any product: child processes that do not block
        // the test pool, and checking YAML against schema/.
        .target(name: "ParleyTestSupport", dependencies: ["ParleyCore"], path: "Tests/ParleyTestSupport"),
        .testTarget(name: "ParleyYAMLTests", dependencies: ["ParleyYAML"]),
        .testTarget(
            name: "ParleyHTTPTests",
            dependencies: [
                "ParleyHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                // An independent multipart parser, to check what the client encodes.
                .product(name: "MultipartKit", package: "multipart-kit"),
            ]
        ),
        .testTarget(
            name: "ParleyCoreTests",
            dependencies: ["ParleyCore"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ParleyProvidersTests",
            dependencies: ["ParleyProviders", "ParleySandbox", "ParleyCore", "ParleyHTTP"]
        ),
        .testTarget(name: "ParleyDemoAgentTests", dependencies: ["ParleyDemoAgent", "ParleyCore"]),
        .testTarget(
            name: "ParleySandboxTests",
            dependencies: [
                "ParleySandbox",
                "ParleyDemoAgent",
                "ParleyTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            resources: [.copy("Resources")]
        ),
        .testTarget(name: "ParleyEndToEndTests", dependencies: ["ParleyCore", "ParleyTestSupport"], exclude: ["Fixtures"]),
        // The JSON Schemas of schema/ against the loaders: examples, invalid fixtures, scaffolding.
        .testTarget(name: "ParleySchemaTests", dependencies: ["ParleyCore", "ParleyProviders", "ParleyTestSupport"]),
    ]
)
