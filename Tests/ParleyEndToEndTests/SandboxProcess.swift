import Foundation
import ParleyTestSupport
import ParleyResults

/// `parley sandbox` running as its own process, as a user would start it next to a run.
final class SandboxProcess: @unchecked Sendable {
    let process: Spawned
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(process: Spawned, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts `parley sandbox --port 0 <arguments>` and waits until it prints its address
    /// (reading on a Dispatch thread, so no Swift concurrency thread blocks).
    static func start(_ arguments: [String] = []) async throws -> SandboxProcess {
        let process = try Spawned(ParleyBinary.path, ["sandbox", "--port", "0"] + arguments, stdout: .pipe)
        guard let out = process.standardOutput else { preconditionFailure("a pipe was requested") }
        let port: Int? = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var seen = ""
                var chunk = [UInt8](repeating: 0, count: 4096)
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline {
                    let count = chunk.withUnsafeMutableBytes { read(out.fileDescriptor, $0.baseAddress, $0.count) }
                    if count < 0, errno == EINTR { continue }
                    if count <= 0 { break }
                    seen += String(decoding: chunk[0..<count], as: UTF8.self)
                    if let range = seen.range(of: "http://127.0.0.1:") {
                        let digits = seen[range.upperBound...].prefix { $0.isNumber }
                        if let port = Int(digits), seen[range.upperBound...].dropFirst(digits.count).first != nil {
                            continuation.resume(returning: port)
                            return
                        }
                    }
                }
                continuation.resume(returning: nil)
            }
        }
        guard let port else {
            process.terminate()
            throw Failure(output: "the sandbox did not start")
        }
        return SandboxProcess(process: process, port: port)
    }

    struct Failure: Error { var output: String }

    /// Stops the server (Ctrl-C) and waits for it to exit.
    func stop() {
        guard process.isRunning else { return }
        process.send(SIGINT)
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A parley.yaml with an Amigo target for this sandbox, using `users` distinct Amigo users.
    func amigoConfig(users: Int = 4, extra: String = "") -> String {
        let ids = (1...users).map { n -> String in
            let hex = String(n, radix: 16)
            return "      - 5a4db0c0ffee" + String(repeating: "0", count: 12 - hex.count) + hex
        }.joined(separator: "\n")
        return """
            default_target: sandbox-amigo
            targets:
              sandbox-amigo:
                provider: amigo
                base_url: \(baseURL)
                organization: parley-sandbox
                api_key: sandbox-amigo-api-key
                api_key_id: sandbox-amigo-key-id
                service_id: 5a4db0c0ffee00000000c0de
                rate_limits: off
                user_ids:
            \(ids)
            \(extra)
            """
    }
}
