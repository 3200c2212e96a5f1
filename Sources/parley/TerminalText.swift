import Foundation

/// Text shaped for a terminal: one line, indented continuation lines, wrapped paragraphs, durations.
enum TerminalText {
    /// `312 ms`, or `1.20 s` from a second on.
    static func milliseconds(_ ms: Double) -> String {
        ms < 1000 ? "\(Int(ms.rounded())) ms" : String(format: "%.2f s", ms / 1000)
    }

    /// `text` on one line (line breaks become spaces), cut to `limit` characters with `…`.
    static func oneLine(_ text: String, limit: Int = 200) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(max(0, limit - 1))) + "…"
    }

    /// `text` with every line after the first starting with `prefix`.
    static func indent(_ text: String, by prefix: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + prefix)
    }

    /// `text` as lines of at most `width` characters, broken at spaces where possible; the text's own
    /// line breaks are kept. `nil` width leaves lines as they are.
    static func wrap(_ text: String, width: Int?) -> [String] {
        let paragraphs = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let width, width >= 20 else { return paragraphs }
        var lines: [String] = []
        for paragraph in paragraphs {
            var rest = Substring(paragraph)
            while rest.count > width {
                let window = rest.prefix(width + 1)
                let cut = window.lastIndex(of: " ").flatMap { $0 > rest.startIndex ? $0 : nil }
                if let cut {
                    lines.append(String(rest[..<cut]))
                    rest = rest[rest.index(after: cut)...]
                } else {
                    let end = rest.index(rest.startIndex, offsetBy: width)
                    lines.append(String(rest[..<end]))
                    rest = rest[end...]
                }
            }
            lines.append(String(rest))
        }
        return lines
    }
}
