/// Tests on eight bytes at once, for the loops that step over plain text in JSON strings (the tests
/// of "Bit Twiddling Hacks"). Each gives a flag per byte; a borrow may flag a byte above a flagged
/// one falsely, never one below, so the lowest flag is exact: the first byte the test is after.
enum ByteWord {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each byte of the word (read little-endian) that JSON escapes (a control
    /// character, `"` or `\`); 0 when none is.
    @inline(__always) static func escapes(_ word: UInt64) -> UInt64 {
        let below = (word &- 0x20 &* ones) & ~word
        let quote = word ^ (0x22 &* ones)
        let backslash = word ^ (0x5C &* ones)
        return (below | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highs
    }

    /// The high bit of each byte of the word (read little-endian) that may end a run of plain
    /// ASCII in a JSON string: one JSON escapes, or one of 0x80 and above (part of a UTF-8
    /// sequence, to be checked); 0 when none does.
    @inline(__always) static func plainASCIIEnds(_ word: UInt64) -> UInt64 {
        word & highs | escapes(word)
    }
}
