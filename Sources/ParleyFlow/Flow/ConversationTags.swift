/// Amigo's rules for conversation tags, checked when a flow is loaded so a bad tag never reaches a run.
///
/// From the OpenAPI document: keys and values are non-empty after stripping, made of word characters
/// and spaces (`^[\w\s]+$`), values at most 100 characters, at most 20 tags per conversation.
public enum ConversationTags {
    public static let maxTags = 20
    public static let maxValueLength = 100

    /// Why `key` is not a valid tag name, or `nil` when it is.
    public static func problem(withKey key: String) -> String? {
        if key.isBlank { return "a tag name must not be empty" }
        if !isWordsAndSpaces(key) {
            return "tag name `\(key)` may hold only letters, digits, `_` and spaces"
        }
        return nil
    }

    /// Why `value` is not a valid tag value, or `nil` when it is.
    public static func problem(withValue value: String) -> String? {
        if value.isBlank { return "a tag value must not be empty" }
        // Characters are never more than UTF-8 bytes: most values need no count of their characters.
        if value.utf8.count > maxValueLength, value.count > maxValueLength {
            return "a tag value may be at most \(maxValueLength) characters; this one has \(value.count)"
        }
        if !isWordsAndSpaces(value) {
            return "tag value `\(value)` may hold only letters, digits, `_` and spaces"
        }
        return nil
    }

    static func isWordsAndSpaces(_ text: String) -> Bool {
        // ASCII text (nearly all) is checked by byte, without Unicode's property tables.
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: " "), 0x09...0x0D:
                continue
            case 0x80...: return isUnicodeWordsAndSpaces(text)
            default: return false
            }
        }
        return true
    }

    private static func isUnicodeWordsAndSpaces(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { s in
            s.properties.isAlphabetic || s.properties.numericType != nil || s == "_" || s.properties.isWhitespace
                || s.properties.generalCategory == .nonspacingMark
        }
    }
}
