import ParleyJSON
import Testing

/// Strings written as JSON: every length around the writer's short and eight-byte paths, with a
/// character to escape (or a multi-byte one) at the start, in the middle and at the end.
@Suite struct JSONStringWritingTests {
    /// The escaping JSON asks for, one scalar at a time.
    static func reference(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    @Test func everyLengthAndPlaceEscapesAsJSONAsks() throws {
        for special in ["\"", "\\", "\n", "\u{01}", "\u{1F}", "é", "✓", "\t"] {
            for length in 0...40 {
                let plain = String(repeating: "k", count: length)
                var texts = [plain, special + plain, plain + special]
                if length > 1 {
                    let middle = plain.index(plain.startIndex, offsetBy: length / 2)
                    texts.append(String(plain[..<middle]) + special + String(plain[middle...]))
                }
                for text in texts {
                    let written = String(decoding: JSONValue.string(text).bytes, as: UTF8.self)
                    #expect(written == Self.reference(text), "\(length) \(special.debugDescription)")
                    #expect(try JSONValue(parsing: written) == .string(text))
                }
            }
        }
    }
}
