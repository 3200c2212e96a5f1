import Foundation
import ParleyResults

/// One running `scripts/validate-json-schema.py` per schema folder, answering batch after batch.
///
/// Starting Python and jsonschema costs most of a second of CPU, and the tests run in parallel on
/// small machines beside tests that measure time, so the interpreter is started once per folder
/// and reused. Waiting for an answer suspends; it never blocks a thread of the shared pool.
actor ValidatorProcess {
    private static let registry = Registry()

    /// The process for `folder`, started on first use (and again if it has died).
    static func serving(_ folder: String) async throws -> ValidatorProcess {
        try await registry.process(for: folder)
    }

    private let process: Spawned
    private let input: FileHandle
    /// Kept open for the reading thread, which uses its descriptor.
    private let output: FileHandle
    private let batches: BatchCollector

    private init(folder: String) throws {
        process = try Spawned(
            "/usr/bin/env", ["python3", SchemaValidator.repositoryRoot + "/scripts/validate-json-schema.py", folder],
            stdin: .pipe, stdout: .pipe, stderr: .pipe)
        guard let input = process.standardInput, let output = process.standardOutput, let errors = process.standardError
        else {
            preconditionFailure("pipes were requested")
        }
        self.input = input
        self.output = output
        let batches = BatchCollector()
        self.batches = batches
        // A thread of its own reads the answers: blocking reads stay off the shared pool, and unlike
        // FileHandle.availableData (which traps on any error) a read interrupted by a signal is retried.
        let descriptor = output.fileDescriptor
        Thread.detachNewThread {
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    batches.append(Data(chunk[0..<count]))
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
        }
        // Another collects standard error until the script exits, then fails what is still waiting.
        let process = process
        Thread.detachNewThread {
            let message = String(decoding: ChildProcess.readAll(errors), as: UTF8.self)
            batches.fail(status: process.waitUntilExit(), message: message)
        }
    }

    var isRunning: Bool { process.isRunning }

    /// Sends JSON lines (each ending in a newline) as one batch; returns what the script printed
    /// for it, its summary line last.
    func validate(_ lines: String) async throws(SchemaValidator.Failure) -> String {
        // Batches are answered in the order they are written; the place in line is taken before
        // writing, while no other call can run on this actor.
        let slot = batches.reserve()
        do {
            try input.write(contentsOf: Data((lines + #"{"flush": true}"# + "\n").utf8))
        } catch {
            // The process is gone; its termination handler fails the batch with its exit status.
        }
        return try await batches.answer(slot)
    }

    /// The processes by folder.
    private actor Registry {
        private var processes: [String: ValidatorProcess] = [:]

        func process(for folder: String) async throws -> ValidatorProcess {
            if let running = processes[folder], await running.isRunning { return running }
            // Writing to a script that has just exited must fail with EPIPE, not kill the tests.
            signal(SIGPIPE, SIG_IGN)
            let started = try ValidatorProcess(folder: folder)
            processes[folder] = started
            return started
        }
    }
}
