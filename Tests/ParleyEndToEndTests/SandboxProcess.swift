import Foundation

/// `parley sandbox` running as its own process, reached over loopback the way a user's targets reach it.
final class SandboxProcess {
    let process: Process
    /// The port the sandbox chose (it is started on port 0, so it never collides with anything).
    let port: Int

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts `parley sandbox --port 0` and returns once its banner names the port it listens on.
    static func start(timeout: TimeInterval = 60) throws -> SandboxProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ParleyBinary.path)
        process.arguments = ["sandbox", "--port", "0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The banner ("… on http://127.0.0.1:PORT …") is the signal that the server accepts connections.
        let found = Collected()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var text = ""
            while true {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
                if let match = text.firstMatch(of: /http:\/\/127\.0\.0\.1:(\d+)/), let port = Int(match.1) {
                    found.set(port)
                    break
                }
            }
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success, let port = found.get() else {
            process.terminate()
            process.waitUntilExit()
            throw NotStarted()
        }
        return SandboxProcess(process: process, port: port)
    }

    /// Stops the sandbox as Ctrl-C would and waits for it to exit.
    func stop() {
        guard process.isRunning else { return }
        process.interrupt()
        process.waitUntilExit()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    struct NotStarted: Error {}

    /// The port handed from the reader thread to the test.
    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var port: Int?
        func set(_ value: Int) { lock.lock(); port = value; lock.unlock() }
        func get() -> Int? { lock.lock(); defer { lock.unlock() }; return port }
    }
}
