import Foundation

/// Runs a program to completion from async tests without blocking a Swift concurrency thread:
/// pipes are read and the exit awaited on Dispatch threads. (A blocked cooperative pool — two
/// threads on a two-core machine — stalls every other test running alongside.)
public enum ChildProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// The program's peak resident memory in bytes (`VmHWM`, sampled every 10 ms while it ran).
        /// Not `wait4`'s `ru_maxrss`: a child started with `posix_spawn` shares this process's
        /// memory until it executes, and Linux counts that high-water mark as the child's.
        public var peakMemoryBytes: Int?
        public var all: String { stdout + stderr }
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public var command: String
        public var description: String { "timed out: \(command)" }
    }

    /// Runs `executable` with `arguments`; `input` is written to its standard input.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: String? = nil,
        environment: [String: String]? = nil, input: Data? = nil, timeout: TimeInterval = 180
    ) async throws -> Output {
        let process = try Spawned(
            executable, arguments, in: directory, environment: environment,
            stdin: input == nil ? .null : .pipe, stdout: .pipe, stderr: .pipe)
        guard let out = process.standardOutput, let err = process.standardError else {
            preconditionFailure("pipes requested")
        }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                if let stdin = process.standardInput, let input {
                    DispatchQueue.global().async {
                        stdin.write(input)
                        try? stdin.close()
                    }
                }
                let stdoutData = Collected(), stderrData = Collected()
                let peak = PeakMemory(pid: process.pid)
                let group = DispatchGroup()
                group.enter()
                DispatchQueue.global().async {
                    stdoutData.set(readAll(out))
                    group.leave()
                }
                group.enter()
                DispatchQueue.global().async {
                    stderrData.set(readAll(err))
                    group.leave()
                }
                if group.wait(timeout: .now() + timeout) == .timedOut {
                    process.terminate()
                    continuation.resume(throwing: TimedOut(command: ([executable] + arguments).joined(separator: " ")))
                    return
                }
                let status = process.waitUntilExit()
                peak.stop()
                continuation.resume(
                    returning: Output(
                        status: status,
                        stdout: String(decoding: stdoutData.get(), as: UTF8.self),
                        stderr: String(decoding: stderrData.get(), as: UTF8.self),
                        peakMemoryBytes: peak.bytes))
            }
        }
    }

    /// Reads a pipe to its end. `FileHandle.readDataToEndOfFile()` traps when a signal interrupts the
    /// read (EINTR), which happens when many child processes exit around it; this retries instead.
    public static func readAll(_ handle: FileHandle) -> Data {
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

    /// Waits for a started process without blocking a Swift concurrency thread.
    public static func waitForExit(_ process: Spawned) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
    }

    /// Polls `condition` every 20 ms (without blocking a thread) until it holds or `seconds` pass.
    public static func waitUntil(seconds: Double, _ condition: () -> Bool) async {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !condition() {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Bytes handed from a reader thread to a test.
public final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    public init() {}
    public func set(_ d: Data) {
        lock.lock()
        data = d
        lock.unlock()
    }
    public func get() -> Data {
        lock.lock()
        defer { lock.unlock() }
        return data
    }
}

/// The high-water mark of a running process's resident memory, read from `/proc/<pid>/status`
/// every 10 ms until stopped, on a thread of its own: on a dispatch queue, with the tests' other
/// work (pipe readers) holding the pool's threads, a short-lived program could exit before the
/// first reading.
final class PeakMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var peak: Int?
    private var stopped = false

    init(pid: pid_t) {
        let path = "/proc/\(pid)/status"
        Thread.detachNewThread { [self] in
            while !isStopped {
                if let text = try? String(contentsOfFile: path, encoding: .utf8),
                    let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                    let kilobytes = line.split(separator: " ").compactMap({ Int($0) }).first
                {
                    record(kilobytes * 1024)
                }
                usleep(10_000)
            }
        }
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func record(_ bytes: Int) {
        lock.lock()
        peak = max(peak ?? 0, bytes)
        lock.unlock()
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    var bytes: Int? {
        lock.lock()
        defer { lock.unlock() }
        return peak
    }
}
