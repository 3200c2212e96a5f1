import Foundation

extension String {
    /// Whether the text's UTF-8 holds `byte`, found with `memchr` (a native string's bytes are
    /// contiguous; the generic search goes byte by byte through the view's iterator).
    public func containsByte(_ byte: UInt8) -> Bool {
        if let found = utf8.withContiguousStorageIfAvailable({ buffer in
            buffer.isEmpty ? false : memchr(buffer.baseAddress!, Int32(byte), buffer.count) != nil
        }) {
            return found
        }
        return utf8.contains(byte)
    }
}

extension UInt8 {
    /// `A`–`Z` or `a`–`z`.
    var isASCIILetter: Bool { (self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "z") }
    /// `0`–`9`.
    var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    /// A space, a tab or a line break: the ASCII characters `Character.isWhitespace` accepts.
    var isASCIIWhitespace: Bool { self == 0x20 || (self >= 0x09 && self <= 0x0D) }
}

extension Sequence<UInt8> {
    /// Whether every byte is below 0x80: UTF-8 whose bytes are its characters.
    var isASCII: Bool { allSatisfy { $0 < 0x80 } }
}

extension ArraySlice<UInt8> {
    /// The text of these UTF-8 bytes without leading and trailing white space: by byte when they are
    /// all ASCII, otherwise as ``StringProtocol/trimmingSpaces``.
    var trimmedText: String {
        guard isASCII else { return String(decoding: self, as: UTF8.self).trimmingSpaces }
        var start = startIndex
        var end = endIndex
        while start < end, self[start].isASCIIWhitespace { start += 1 }
        while end > start, self[end - 1].isASCIIWhitespace { end -= 1 }
        return String(decoding: self[start..<end], as: UTF8.self)
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space (spaces, tabs, line breaks, other Unicode spaces).
    ///
    /// Pure Swift: Foundation's `trimmingCharacters(in:)` goes through `NSString` on Linux, which showed up
    /// in profiles of request handling.
    public var trimmingSpaces: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else {
            return ""
        }
        return String(self[first...last])
    }

    /// Whether the text is empty or white space only: `trimmingSpaces.isEmpty`, without making the
    /// trimmed copy. ASCII text, nearly all of it, is checked byte by byte; other text by character.
    public var isBlank: Bool {
        for byte in utf8 {
            switch byte {
            case _ where byte.isASCIIWhitespace: continue
            case 0x80...: return allSatisfy(\.isWhitespace)
            default: return false
            }
        }
        return true
    }
}
