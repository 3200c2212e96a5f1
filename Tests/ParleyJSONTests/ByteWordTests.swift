import Testing

@testable import ParleyJSON

/// The eight-byte tests the parser and the writer step over strings with.
@Suite struct ByteWordTests {
    /// Whether a byte ends a run of plain ASCII in a JSON string.
    static func ends(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte >= 0x80
    }

    /// Words made mostly of the bytes next to those that end a run (where a borrow or a carry
    /// would show), in every order.
    @Test func theLowestFlagIsTheFirstByteTested() {
        let tricky: [UInt8] = [
            0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xA0, 0xDF, 0xFF, 0x61,
        ]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200_000 {
            let bytes = (0..<8).map { _ in
                random.next() % 3 == 0
                    ? UInt8(truncatingIfNeeded: random.next()) : tricky.randomElement(using: &random)!
            }
            let word = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            let first = bytes.firstIndex(where: Self.ends) ?? 8
            let flags = ByteWord.plainASCIIEnds(word)
            #expect(flags == 0 ? 8 == first : flags.trailingZeroBitCount >> 3 == first, "\(bytes)")
            let escaped = bytes.firstIndex { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } ?? 8
            let escapes = ByteWord.escapes(word)
            #expect(escapes == 0 ? 8 == escaped : escapes.trailingZeroBitCount >> 3 == escaped, "\(bytes)")
        }
    }
}

/// Strings written with an escape at every position of every length, against the escaping JSON
/// asks for written out byte by byte.
@Suite struct JSONStringWritingTests {
    static func escaped(_ text: String) -> String {
        var out = Array("\"".utf8)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += Array("\\\"".utf8)
            case 0x5C: out += Array("\\\\".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20: out += Array(("\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)).utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out + Array("\"".utf8), as: UTF8.self)
    }

    @Test func everyLengthAndEveryPositionOfAnEscape() throws {
        var texts: [String] = []
        for length in 0..<40 {
            let plain = String((0..<length).map { Character(Unicode.Scalar(UInt8(0x61 + $0 % 26))) })
            texts.append(plain)
            for position in 0..<length {
                for special in ["\"", "\\", "\n", "\u{1}", "\u{1F}", "é", "\t"] {
                    var characters = Array(plain)
                    characters[position] = Character(special)
                    texts.append(String(characters))
                }
            }
        }
        // One array, so that the writer's buffer grows between strings and holds others before each.
        let written = String(decoding: JSONValue.array(texts.map(JSONValue.string)).bytes, as: UTF8.self)
        #expect(written == "[" + texts.map(Self.escaped).joined(separator: ",") + "]", "\(texts.count) strings")
        for text in texts.prefix(200) {
            #expect(String(decoding: JSONValue.string(text).bytes, as: UTF8.self) == Self.escaped(text))
        }
    }
}
