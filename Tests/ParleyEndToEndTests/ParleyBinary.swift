import Foundation

/// Runs the built `parley` executable the way a user would, capturing what it prints.
struct ParleyBinary {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var all: String { stdout + stderr }
    }

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

    static func run(_ arguments: [String], in directory: String = packageRoot, environment extra: [String: String] = [:],
                    timeout: TimeInterval = 120) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = nil
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so neither fills up and blocks the child.
        let stdoutData = Collected(), stderrData = Collected()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { stdoutData.set(readAll(out.fileHandleForReading)); group.leave() }
        group.enter()
        DispatchQueue.global().async { stderrData.set(readAll(err.fileHandleForReading)); group.leave() }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw TimedOut(arguments: arguments)
        }
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdoutData.get(), as: UTF8.self),
                      stderr: String(decoding: stderrData.get(), as: UTF8.self))
    }

    /// `run` on a Dispatch thread: the test's task waits without holding one of the few threads
    /// Swift concurrency has, so tests that measure time elsewhere in the process are not starved.
    static func run(_ arguments: [String], in directory: String = packageRoot, environment extra: [String: String] = [:],
                    timeout: TimeInterval = 120) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try run(arguments, in: directory, environment: extra, timeout: timeout) as Output })
            }
        }
    }

    struct TimedOut: Error { var arguments: [String] }

    /// Reads a pipe to its end. `FileHandle.readDataToEndOfFile()` traps when a signal interrupts the
    /// read (EINTR), which happens when many child processes exit around it; this retries instead.
    static func readAll(_ handle: FileHandle) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let fd = handle.fileDescriptor
        while true {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                data.append(contentsOf: buffer[0..<n])
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }

    /// Bytes handed from a reader thread to the test.
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
        func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
    }

    /// A fresh empty folder for a test's files.
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parley-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
