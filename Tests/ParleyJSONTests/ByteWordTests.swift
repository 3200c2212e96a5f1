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
    @Test func theLowestFlagIsTheFirstByteThatEndsARun() {
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
            #expect(ByteWord.needsEscape(word) == bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }, "\(bytes)")
        }
    }
}
