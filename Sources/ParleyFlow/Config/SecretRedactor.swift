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
            // memchr/memcmp find occurrences at memory speed; the common case (none) copies nothing.
            guard let first = Self.find(secret, in: text, from: 0) else { continue }
            var out: [UInt8] = []
            out.reserveCapacity(text.count)
            var start = 0
            var next: Int? = first
            while let found = next {
                out += text[start..<found]
                out += replacement
                start = found + secret.count
                next = Self.find(secret, in: text, from: start)
            }
            out += text[start...]
            text = out
        }
        return text
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, start < haystack.count else { return nil }
        return haystack.withUnsafeBytes { hay -> Int? in
            needle.withUnsafeBytes { pin -> Int? in
                guard let base = hay.baseAddress, let pinBase = pin.baseAddress else { return nil }
                var position = start
                while position + pin.count <= hay.count {
                    guard let hit = memchr(base + position, Int32(first), hay.count - position - pin.count + 1) else {
                        return nil
                    }
                    let offset = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + offset, pinBase, pin.count) == 0 { return offset }
                    position = offset + 1
                }
                return nil
            }
        }
    }

    public func redact(_ string: String) -> String {
        String(decoding: redact(Array(string.utf8)), as: UTF8.self)
    }
}
