/// Escaping for the two markup languages Parley writes, HTML and XML (JUnit).
enum Markup {
    /// Escapes text for element content and quoted attribute values of HTML and XML 1.0 alike;
    /// characters neither can carry (controls other than tab, newline and carriage return, DEL and
    /// the C1 controls, non-characters) become U+FFFD, so any agent reply yields a valid document.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || (0x7F...0x9F).contains(v) || (0xFDD0...0xFDEF).contains(v) || v & 0xFFFE == 0xFFFE {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
