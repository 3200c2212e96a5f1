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
            case 0x09...0x0D, 0x20: continue
            case 0x80...: return allSatisfy(\.isWhitespace)
            default: return false
            }
        }
        return true
    }
}
