import Foundation

/// Replaces secret values (credentials, values taken from the environment) with `[redacted]`.
public struct SecretRedactor: Sendable {
    let secrets: [[UInt8]]

    public init(secrets: Set<String>) {
        // Longest first, so a secret containing another is replaced whole.
        self.secrets = secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }.map { Array($0.utf8) }
    }

    public func redact(_ data: Data) -> [UInt8] { redact([UInt8](data)) }

    public func redact(_ bytes: [UInt8]) -> [UInt8] {
        guard !secrets.isEmpty else { return bytes }
        var text = bytes
        let replacement = Array("[redacted]".utf8)
        for secret in secrets {
            guard let first = secret.first else { continue }
            var out: [UInt8] = []
            out.reserveCapacity(text.count)
            var i = 0
            while i < text.count {
                if text[i] == first, i + secret.count <= text.count, text[i..<(i + secret.count)].elementsEqual(secret) {
                    out += replacement
                    i += secret.count
                } else {
                    out.append(text[i])
                    i += 1
                }
            }
            text = out
        }
        return text
    }

    public func redact(_ string: String) -> String {
        String(decoding: redact(Array(string.utf8)), as: UTF8.self)
    }
}
