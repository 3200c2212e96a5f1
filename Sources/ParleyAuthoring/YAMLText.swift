/// Writing YAML by hand for the flows Parley writes itself: scalars quoted so that any text reads
/// back as exactly that text, and flow-language text escaped so that it reads back as literal text.
public enum YAMLText {
    /// A double-quoted YAML scalar: backslash, quote, control and line-separator characters escaped.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{85}": out += "\\N"
            case "\u{2028}": out += "\\L"
            case "\u{2029}": out += "\\P"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `text` plain when that reads back as the same string (letters, digits, spaces and a few marks,
    /// not a YAML keyword or number), else quoted.
    public static func scalar(_ text: String) -> String {
        isPlainSafe(text) ? text : quoted(text)
    }

    /// A key: plain when it is a simple name.
    public static func key(_ text: String) -> String {
        let simple = !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        return simple && isPlainSafe(text) ? text : quoted(text)
    }

    /// `[a, "b, c", d]`: inside brackets a comma would end an item, so such items are quoted.
    public static func list(_ items: [String]) -> String {
        "[" + items.map { $0.contains(",") ? quoted($0) : scalar($0) }.joined(separator: ", ") + "]"
    }

    static let keywords: Set<String> = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "",
    ]

    static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.first, let last = text.last else { return false }
        if keywords.contains(text.lowercased()) || Double(text) != nil || Int(text) != nil { return false }
        guard first.isLetter || first == "_", last != " ", last != ":" else { return false }
        let allowed: Set<Character> = [" ", ".", ",", "'", "!", "?", "(", ")", "-", "_", "/", "&", ";", "+"]
        guard text.allSatisfy({ $0.isLetter || $0.isNumber || allowed.contains($0) }) else { return false }
        return !text.contains("  ") && !text.contains(" #") && !text.contains(": ")
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Text as the flow language reads it literally: `$` doubled where it would start a placeholder
    /// (`${`) or an escape (`$$`).
    public static func literalTemplate(_ text: String) -> String {
        var out = ""
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            out.append(character)
            if character == "$", index + 1 < characters.count,
                characters[index + 1] == "{" || characters[index + 1] == "$"
            {
                out.append("$")
            }
        }
        return out
    }
}
