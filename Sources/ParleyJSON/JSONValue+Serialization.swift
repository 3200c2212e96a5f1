extension JSONValue {
    /// Compact JSON text, members in their order.
    public var serialized: String { String(decoding: bytes, as: UTF8.self) }

    /// Compact JSON as UTF-8 bytes.
    public var bytes: [UInt8] {
        var out = JSONByteWriter()
        out.write(self, pretty: false, indent: 0)
        return out.bytes
    }

    /// JSON indented by two spaces per level, for files people read (transcripts).
    public var prettySerialized: String { String(decoding: prettyBytes, as: UTF8.self) }

    /// ``prettySerialized`` as UTF-8 bytes.
    public var prettyBytes: [UInt8] {
        var out = JSONByteWriter()
        out.write(self, pretty: true, indent: 0)
        return out.bytes
    }
}

/// Writes JSON into a byte buffer, copying unescaped runs of a string's UTF-8 in one go: transcripts
/// are written for every flow run, so this is on the hot path of large runs.
@usableFromInline struct JSONByteWriter {
    @usableFromInline var bytes: [UInt8] = []

    @usableFromInline init() {
        bytes.reserveCapacity(1024)
    }

    mutating func write(_ value: JSONValue, pretty: Bool, indent: Int) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .number(let n): append(n.text)
        case .string(let s): writeString(s)
        case .array(let items):
            guard !items.isEmpty else {
                append("[]")
                return
            }
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                if pretty { newline(indent + 1) }
                write(item, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(indent) }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                append("{}")
                return
            }
            bytes.append(UInt8(ascii: "{"))
            for (i, (key, member)) in members.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                if pretty { newline(indent + 1) }
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                if pretty { bytes.append(UInt8(ascii: " ")) }
                write(member, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(indent) }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    mutating func newline(_ level: Int) {
        bytes.append(UInt8(ascii: "\n"))
        // Copied from a run of spaces: appending a `repeatElement` goes a byte at a time.
        var left = level * 2
        while left > 0 {
            let count = min(left, Self.spaces.count)
            Self.spaces.withUnsafeBufferPointer { bytes.append(contentsOf: $0[..<count]) }
            left -= count
        }
    }

    private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 64)

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// A JSON string: quotes, backslashes and control characters escaped, everything else as UTF-8.
    mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let byte = utf8[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                runStart = i + 1
                switch byte {
                case UInt8(ascii: "\""): append("\\\"")
                case UInt8(ascii: "\\"): append("\\\\")
                case UInt8(ascii: "\n"): append("\\n")
                case UInt8(ascii: "\r"): append("\\r")
                case UInt8(ascii: "\t"): append("\\t")
                default:
                    let hex = String(byte, radix: 16)
                    append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
