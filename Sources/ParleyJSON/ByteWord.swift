/// Tests on eight bytes at once, for the loops that step over plain text in JSON strings (the tests
/// of "Bit Twiddling Hacks": exact for any bytes, with no false positives).
enum ByteWord {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether any of the word's bytes is a control character, `"` or `\`: one JSON escapes.
    @inline(__always) static func needsEscape(_ word: UInt64) -> Bool {
        let below = (word &- 0x20 &* ones) & ~word & highs
        let quote = word ^ (0x22 &* ones)
        let backslash = word ^ (0x5C &* ones)
        return below | ((quote &- ones) & ~quote & highs) | ((backslash &- ones) & ~backslash & highs) != 0
    }

    /// The high bit of each byte of the word (read little-endian) that may end a run of plain
    /// ASCII in a JSON string: one JSON escapes, or one of 0x80 and above (part of a UTF-8
    /// sequence, to be checked); 0 when none does. A byte above a flagged one may be flagged
    /// falsely (a borrow carries into it), never one below: the lowest flag is the first such byte.
    @inline(__always) static func plainASCIIEnds(_ word: UInt64) -> UInt64 {
        let below = (word &- 0x20 &* ones) & ~word
        let quote = word ^ (0x22 &* ones)
        let backslash = word ^ (0x5C &* ones)
        return (word | below | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highs
    }
}
