import Foundation
import ParleyTestSupport

/// Runs the built `parley` executable the way a user would, capturing what it prints.
struct ParleyBinary {
    /// The package's root folder (for flows/ and examples/).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `parley` sits next to the test bundle in the build folder.
    static let path: String = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("parley").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot + "/.build/debug/parley"
    }()

    typealias Output = ChildProcess.Output

    /// Runs the binary to completion (see ``ChildProcess``: no test thread blocks meanwhile).
    static func run(
        _ arguments: [String], in directory: String = packageRoot, environment extra: [String: String] = [:],
        timeout: TimeInterval = 180
    ) async throws -> Output {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = nil
        for (key, value) in extra { environment[key] = value }
        return try await ChildProcess.run(path, arguments, in: directory, environment: environment, timeout: timeout)
    }

    /// A fresh empty folder for a test's files.
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
