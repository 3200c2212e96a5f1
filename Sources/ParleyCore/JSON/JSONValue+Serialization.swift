extension JSONValue {
    /// Compact JSON text, members in their order.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// Compact JSON as UTF-8 bytes.
    public var bytes: [UInt8] { Array(serialized.utf8) }

    /// JSON indented by two spaces per level, for files people read (transcripts).
    public var prettySerialized: String {
        var out = ""
        writePretty(to: &out, indent: 0)
        return out
    }

    private func writePretty(to out: inout String, indent: Int) {
        func newline(_ level: Int) {
            out += "\n"
            out += String(repeating: " ", count: level * 2)
        }
        switch self {
        case .array(let items) where !items.isEmpty:
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                newline(indent + 1)
                item.writePretty(to: &out, indent: indent + 1)
            }
            newline(indent)
            out += "]"
        case .object(let members) where !members.isEmpty:
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                newline(indent + 1)
                Self.writeString(key, to: &out)
                out += ": "
                value.writePretty(to: &out, indent: indent + 1)
            }
            newline(indent)
            out += "}"
        default:
            write(to: &out)
        }
    }

    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n):
            if n.isFinite, n.rounded() == n, abs(n) < 9e15 { out += String(Int(n)) } else if n.isFinite { out += String(n) } else { out += "null" }
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                Self.writeString(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
