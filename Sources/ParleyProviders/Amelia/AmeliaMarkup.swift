import Foundation

/// Turns Amelia's `messageText`, which may hold HTML, into the plain text flows match against.
enum AmeliaMarkup {
    /// Tags that end a line or a block: their place becomes a line break.
    private static let breakingTags: Set<String> = [
        "br", "p", "div", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
    ]

    /// The text without tags, with entities decoded, line breaks where blocks and `<br>` were, and
    /// runs of spaces folded. Text that merely contains `<` (as in `a < b`) is kept as it is.
    static func plainText(_ html: String) -> String {
        guard html.contains("<") || html.contains("&") else { return html.trimmingSpaces }
        var out = ""
        var index = html.startIndex
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let (name, end) = tag(in: html, at: index) {
                if breakingTags.contains(name), !out.hasSuffix("\n") { out.append("\n") }
                index = end
                continue
            }
            if character == "&", let (decoded, end) = entity(in: html, at: index) {
                out.append(decoded)
                index = end
                continue
            }
            out.append(character)
            index = html.index(after: index)
        }
        return fold(out)
    }

    /// The lower-cased name of the tag starting at `start` and the index after its `>`, when
    /// `start` opens a tag (`<b>`, `</p>`, `<br/>`, `<!-- -->`); `nil` for a lone `<`.
    private static func tag(in text: String, at start: String.Index) -> (String, String.Index)? {
        let afterBracket = text.index(after: start)
        guard afterBracket < text.endIndex else { return nil }
        let first = text[afterBracket]
        guard first.isLetter || first == "/" || first == "!" else { return nil }
        guard let close = text[afterBracket...].firstIndex(of: ">") else { return nil }
        let inside = text[afterBracket..<close].drop { $0 == "/" }
        let name = inside.prefix { $0.isLetter || $0.isNumber }.lowercased()
        return (name, text.index(after: close))
    }

    private static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "#39": "'",
        "ndash": "–", "mdash": "—", "hellip": "…", "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“",
    ]

    /// The character an entity at `start` stands for and the index after its `;`.
    private static func entity(in text: String, at start: String.Index) -> (String, String.Index)? {
        let body = text[text.index(after: start)...].prefix(10)
        guard let semicolon = body.firstIndex(of: ";") else { return nil }
        let name = String(body[..<semicolon])
        let end = text.index(after: semicolon)
        if let named = namedEntities[name.lowercased()] { return (named, end) }
        guard name.hasPrefix("#") else { return nil }
        let digits = name.dropFirst()
        let code = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
        guard let code, let scalar = Unicode.Scalar(code) else { return nil }
        return (String(Character(scalar)), end)
    }

    /// Folds spaces and tabs within lines, drops blank lines and trims the ends. Lines end at any
    /// line break: `"\r\n"` is one `Character`, equal to neither `"\r"` nor `"\n"`.
    private static func fold(_ text: String) -> String {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map {
                $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{00A0}" }).joined(separator: " ")
            }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
    }
}
