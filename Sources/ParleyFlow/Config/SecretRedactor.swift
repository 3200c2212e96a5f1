import Foundation

/// Replaces secret values (credentials, values taken from the environment, tokens obtained during a
/// run) with `[redacted]`, in whichever form an output carries them.
///
/// Parley redacts values before it encodes them, so this mostly sees secrets as they are; but a value
/// can hold a secret already encoded — an agent echoing a JSON body, an error quoting a URL — and
/// the last pass over the bytes of a finished file sees encoded text. So each secret is matched
/// character by character, where every character may also appear JSON-escaped (`\"`, `\\`, `\n`,
/// `\u00e9`, `\/`), HTML- or XML-escaped (`&amp;`, `&quot;`, `&#39;`, `&#233;`, `&#xE9;`),
/// percent-encoded (`%22`, `+` for a space), escaped twice over (JSON inside JSON, HTML inside
/// JSON), or with a control character shown as a space or U+FFFD. Base64 forms are matched too: the
/// secret encoded whole, and the part of it that stays fixed inside any base64 text whatever comes
/// before it, as in an `Authorization: Basic` credential (`user:secret`) whose user is unknown.
public struct SecretRedactor: Sendable {
    /// What a secret is replaced with.
    public static let replacement = "[redacted]"

    /// One secret's ways of appearing, longest secret first.
    let patterns: [Pattern]

    /// A redactor for `secrets`; empty values are ignored.
    public init(secrets: Set<String>) {
        self.init(patterns: secrets.filter { !$0.isEmpty }.map(Pattern.init(secret:)))
    }

    init(patterns: [Pattern]) {
        // Longest first, so a secret containing another is replaced whole.
        self.patterns = patterns.sorted { $0.length > $1.length || ($0.length == $1.length && $0.secret < $1.secret) }
    }

    /// True when there is nothing to redact.
    public var isEmpty: Bool { patterns.isEmpty }

    /// The redactor for these secrets and another redactor's.
    public func adding(_ other: SecretRedactor) -> SecretRedactor {
        let known = Set(patterns.map(\.secret))
        return SecretRedactor(patterns: patterns + other.patterns.filter { !known.contains($0.secret) })
    }

    public func redact(_ data: Data) -> [UInt8] { redact([UInt8](data)) }

    public func redact(_ bytes: [UInt8]) -> [UInt8] {
        guard !patterns.isEmpty else { return bytes }
        var text = bytes
        for pattern in patterns {
            if let replaced = pattern.replacingMatches(in: text) { text = replaced }
        }
        return text
    }

    public func redact(_ string: String) -> String {
        guard !patterns.isEmpty else { return string }
        let bytes = Array(string.utf8)
        let redacted = redact(bytes)
        return redacted == bytes ? string : String(decoding: redacted, as: UTF8.self)
    }

    /// Whether `text` holds any secret in any form.
    public func finds(in text: [UInt8]) -> Bool {
        patterns.contains { $0.firstMatch(in: text, from: 0) != nil }
    }
}

/// The escapings a secret's characters are looked for in, each in the one form Parley's writers use;
/// applied to an already escaped character, they give the twice-escaped alternatives.
enum TextEncoding: CaseIterable {
    case json, markup, percent

    func encode(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            out += SecretRedactor.Pattern.canonical(scalar, self)
        }
        return out
    }
}

extension SecretRedactor {
    /// One secret, compiled: for each of its characters the byte sequences that may stand for it,
    /// and whole literals (base64 forms) that stand for all of it.
    struct Pattern: Sendable {
        let secret: String
        /// Characters of the secret, each with its alternative byte sequences.
        let units: [[[UInt8]]]
        /// Whole-secret literals matched as they are.
        let literals: [[UInt8]]
        /// Whether a byte can begin a match.
        let starts: [Bool]
        var length: Int { secret.utf8.count }

        init(secret: String) {
            self.secret = secret
            units = secret.unicodeScalars.map(Self.alternatives)
            literals = Base64Core.literals(of: Array(secret.utf8)).map { Array($0.utf8) }
            var starts = [Bool](repeating: false, count: 256)
            for alternative in units.first ?? [] {
                if let byte = alternative.first { starts[Int(byte)] = true }
            }
            for literal in literals {
                if let byte = literal.first { starts[Int(byte)] = true }
            }
            self.starts = starts
        }

        /// `text` with every match replaced, or `nil` when nothing matched (nothing is copied).
        func replacingMatches(in text: [UInt8]) -> [UInt8]? {
            guard var found = firstMatch(in: text, from: 0) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(text.count)
            var copied = 0
            let replacement = Array(SecretRedactor.replacement.utf8)
            while true {
                out += text[copied..<found.lowerBound]
                out += replacement
                copied = found.upperBound
                guard let next = firstMatch(in: text, from: copied) else { break }
                found = next
            }
            out += text[copied...]
            return out
        }

        /// The first match at or after `start`: its byte range (the longest at that position).
        func firstMatch(in text: [UInt8], from start: Int) -> Range<Int>? {
            guard !units.isEmpty else { return nil }
            return text.withUnsafeBufferPointer { buffer -> Range<Int>? in
                var position = start
                while position < buffer.count {
                    if starts[Int(buffer[position])], let end = matchEnd(buffer, at: position) {
                        return position..<end
                    }
                    position += 1
                }
                return nil
            }
        }

        /// Where a match starting at `position` ends, if one does. Every character may be written
        /// several ways, so the ends reachable after each character are followed as a set.
        private func matchEnd(_ text: UnsafeBufferPointer<UInt8>, at position: Int) -> Int? {
            var best: Int?
            for literal in literals where Self.has(literal, in: text, at: position) {
                best = max(best ?? 0, position + literal.count)
            }
            var ends = [position]
            var next: [Int] = []
            for unit in units {
                next.removeAll(keepingCapacity: true)
                for end in ends {
                    for alternative in unit where Self.has(alternative, in: text, at: end) {
                        let reached = end + alternative.count
                        if !next.contains(reached) { next.append(reached) }
                    }
                }
                if next.isEmpty { return best }
                swap(&ends, &next)
            }
            return max(best ?? 0, ends.max() ?? 0)
        }

        private static func has(_ needle: [UInt8], in text: UnsafeBufferPointer<UInt8>, at position: Int) -> Bool {
            guard position + needle.count <= text.count else { return false }
            for (offset, byte) in needle.enumerated() where text[position + offset] != byte { return false }
            return true
        }

        /// Every way one character of a secret may be written in Parley's outputs or a server's
        /// answer: as is, escaped once in any of the encodings, or escaped twice.
        static func alternatives(_ scalar: Unicode.Scalar) -> [[UInt8]] {
            var forms: [String] = [String(scalar)]
            forms += jsonForms(scalar) + markupForms(scalar) + percentForms(scalar)
            for inner in TextEncoding.allCases {
                let once = canonical(scalar, inner)
                for outer in TextEncoding.allCases { forms.append(outer.encode(once)) }
            }
            if scalar.value < 0x20 || scalar.value == 0x7F {
                // Terminal and excerpt output shows control characters as spaces; markup as U+FFFD.
                forms += [" ", "\u{FFFD}"]
            }
            var seen: Set<[UInt8]> = []
            return forms.map { Array($0.utf8) }.filter { seen.insert($0).inserted }
        }

        /// The one form each encoding writes `scalar` in (what Parley's own writers produce).
        static func canonical(_ scalar: Unicode.Scalar, _ encoding: TextEncoding) -> String {
            switch encoding {
            case .json:
                switch scalar {
                case "\"": return "\\\""
                case "\\": return "\\\\"
                case "\n": return "\\n"
                case "\r": return "\\r"
                case "\t": return "\\t"
                default: return scalar.value < 0x20 ? "\\u" + hex(scalar.value, width: 4, upper: false) : String(scalar)
                }
            case .markup:
                switch scalar {
                case "&": return "&amp;"
                case "<": return "&lt;"
                case ">": return "&gt;"
                case "\"": return "&quot;"
                case "'": return "&#39;"
                default: return String(scalar)
                }
            case .percent:
                if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-._~".unicodeScalars
                    .contains(scalar)
                {
                    return String(scalar)
                }
                return String(scalar).utf8.map { "%" + hex(UInt32($0), width: 2, upper: true) }.joined()
            }
        }

        private static func jsonForms(_ scalar: Unicode.Scalar) -> [String] {
            var forms = [canonical(scalar, .json)]
            switch scalar {
            case "/": forms.append("\\/")
            case "\u{08}": forms.append("\\b")
            case "\u{0C}": forms.append("\\f")
            default: break
            }
            // Any character may be written \uXXXX (a surrogate pair beyond the BMP), in either case.
            for upper in [false, true] {
                if scalar.value > 0xFFFF {
                    let v = scalar.value - 0x10000
                    forms.append(
                        "\\u" + hex(0xD800 + (v >> 10), width: 4, upper: upper) + "\\u"
                            + hex(0xDC00 + (v & 0x3FF), width: 4, upper: upper))
                } else {
                    forms.append("\\u" + hex(scalar.value, width: 4, upper: upper))
                }
            }
            return forms
        }

        private static func markupForms(_ scalar: Unicode.Scalar) -> [String] {
            var forms = [canonical(scalar, .markup), "&#\(scalar.value);"]
            forms += ["&#x" + hex(scalar.value, width: 1, upper: false) + ";"]
            forms += ["&#x" + hex(scalar.value, width: 1, upper: true) + ";"]
            if scalar == "'" { forms.append("&apos;") }
            return forms
        }

        private static func percentForms(_ scalar: Unicode.Scalar) -> [String] {
            var forms = [canonical(scalar, .percent)]
            let bytes = Array(String(scalar).utf8)
            for upper in [false, true] {
                forms.append(bytes.map { "%" + hex(UInt32($0), width: 2, upper: upper) }.joined())
            }
            if scalar == " " { forms.append("+") }
            return forms
        }

        static func hex(_ value: UInt32, width: Int, upper: Bool) -> String {
            let digits = String(value, radix: 16, uppercase: upper)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
    }
}

/// Base64 forms of a secret.
///
/// Base64 turns each 3 bytes into 4 characters, so a secret inside a longer text (`user:secret`
/// in a Basic credential) is encoded differently depending on where it starts modulo 3; but for
/// each of the three alignments the characters made only of the secret's own bits are fixed. Those
/// cores are matched wherever they appear, so the credential is caught without knowing the user.
enum Base64Core {
    /// Cores shorter than this could match unrelated base64 (ids, hashes) by chance.
    static let minimumLength = 8

    /// The base64 literals that stand for `secret`: the whole encoding, with and without padding,
    /// in both alphabets, and the cores of the three alignments.
    static func literals(of secret: [UInt8]) -> [String] {
        let whole = Data(secret).base64EncodedString()
        var forms = [whole]
        let unpadded = String(whole.reversed().drop { $0 == "=" }.reversed())
        if unpadded != whole { forms.append(unpadded) }
        forms += cores(of: secret)
        let urlSafe = forms.map { String($0.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }) }
        var seen: Set<String> = []
        return (forms + urlSafe).filter { $0.count >= minimumLength && seen.insert($0).inserted }
    }

    /// The characters fixed by the secret alone, for a secret starting 0, 1 or 2 bytes into a group.
    static func cores(of secret: [UInt8]) -> [String] {
        var cores: [String] = []
        for offset in 0..<3 {
            let encoded = Array(Data([UInt8](repeating: 0, count: offset) + secret).base64EncodedString())
            let firstBit = offset * 8
            let endBit = (offset + secret.count) * 8
            // Character j holds bits 6j..<6j+6; keep those entirely inside the secret's bits.
            let first = (firstBit + 5) / 6
            let end = endBit / 6
            guard end - first >= minimumLength else { continue }
            cores.append(String(encoded[first..<end]))
        }
        return cores
    }
}
