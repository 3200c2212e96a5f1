import Foundation

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
        /// The alternative byte sequences of the secret's non-ASCII characters, in order. An ASCII
        /// character's are shared between secrets and looked up as a match goes (see
        /// ``asciiAlternatives``): a run may hold a token per user, each hundreds of characters long,
        /// and a table of them per secret took about 2 KB of each.
        let foreignUnits: [[[UInt8]]]
        /// Whole-secret literals matched as they are.
        let literals: [[UInt8]]
        /// The bytes every character-by-character match begins with: the secret's leading
        /// characters that have no other form (letters, digits), compared before anything else.
        let plainPrefix: [UInt8]
        /// How matches can begin: the first two bytes (`first << 8 | second`) of each form, or the
        /// first byte of a form one byte long.
        let starts: [Start]
        var length: Int { secret.utf8.count }

        struct Start: Hashable {
            /// The first two bytes, when the form has two fixed ones.
            var pair: UInt16?
            /// The form's first bytes as far as they are fixed (at least one, at most
            /// ``fixedBytes``).
            var head: [UInt8]
            /// Which literal the start belongs to; `nil`: the character-by-character form.
            var literal: Int?
        }

        init(secret: String) {
            self.secret = secret
            // Only the first characters' alternatives are needed here (the plain prefix and the
            // starts read at most eight), and the non-ASCII ones': a run builds a pattern for
            // every token it learns, each hundreds of characters long.
            let ascii = Self.asciiAlternatives
            var leading: [[[UInt8]]] = []
            var foreign: [[[UInt8]]] = []
            for scalar in secret.unicodeScalars {
                if scalar.isASCII {
                    if leading.count < Self.leadingUnits { leading.append(ascii[Int(scalar.value)]) }
                } else {
                    let unit = Self.computeAlternatives(scalar)
                    foreign.append(unit)
                    if leading.count < Self.leadingUnits { leading.append(unit) }
                }
            }
            foreignUnits = foreign
            literals = Base64Core.literals(of: Array(secret.utf8))
            plainPrefix = Array(leading.prefix { $0.count == 1 }.flatMap { $0[0] }.prefix(8))
            starts = Self.starts(units: leading, literals: literals)
        }

        /// How many of a secret's first characters ``plainPrefix`` and ``starts`` look at, at most:
        /// each character is at least one byte, and both read eight.
        private static let leadingUnits = 8

        /// How many of a form's fixed first bytes its ``Start`` keeps: the scan's stride is one
        /// less than the fewest of any form, up to 7.
        static let fixedBytes = 8

        private static func starts(units: [[[UInt8]]], literals: [[UInt8]]) -> [Start] {
            var starts: Set<Start> = []
            func pair(_ first: UInt8, _ second: UInt8) -> UInt16 { UInt16(first) << 8 | UInt16(second) }
            for (index, literal) in literals.enumerated() where literal.count >= 2 {
                // Only the first bytes are ever compared: hashing a token's whole encoding (hundreds
                // of bytes, for every form of every token learned) would cost more than the rest.
                starts.insert(
                    Start(pair: pair(literal[0], literal[1]), head: Array(literal.prefix(fixedBytes)), literal: index))
            }
            // The character-by-character form: its first bytes are fixed as far as the secret
            // begins with characters that have a single form (letters, digits).
            let plain = Array(units.prefix { $0.count == 1 }.flatMap { $0[0] }.prefix(fixedBytes))
            for alternative in units.first ?? [] {
                let head = units[0].count == 1 ? plain : Array(alternative.prefix(fixedBytes))
                if alternative.count >= 2 {
                    starts.insert(Start(pair: pair(alternative[0], alternative[1]), head: head))
                } else if units.count >= 2 {
                    for following in units[1] {
                        let head = units[0].count == 1 ? plain : [alternative[0], following[0]]
                        starts.insert(Start(pair: pair(alternative[0], following[0]), head: head))
                    }
                } else {
                    starts.insert(Start(pair: nil, head: alternative))
                }
            }
            // In a fixed order, the whole base64 encoding before its cores: a set's order changes
            // from one process to the next, and where a core matched first its padding was left.
            return starts.sorted {
                ($0.literal ?? -1, $0.pair ?? 0) < ($1.literal ?? -1, $1.pair ?? 0)
                    || (($0.literal ?? -1, $0.pair ?? 0) == ($1.literal ?? -1, $1.pair ?? 0)
                        && $0.head.lexicographicallyPrecedes($1.head))
            }
        }

        /// Where a match starting at `position` ends, if one does (the longest). Every character
        /// may be written several ways, so the ends reachable after each character are followed
        /// as a set, kept on the stack.
        func matchEnd(_ text: UnsafeBufferPointer<UInt8>, at position: Int) -> Int? {
            guard !secret.isEmpty, Self.has(plainPrefix, in: text, at: position) else { return nil }
            let capacity = 32
            let ascii = Self.asciiAlternatives
            return withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * capacity) { buffer -> Int? in
                var ends = buffer.baseAddress!
                var next = ends + capacity
                ends[0] = position
                var count = 1
                var foreign = foreignUnits.makeIterator()
                for scalar in secret.unicodeScalars {
                    guard let unit = scalar.isASCII ? ascii[Int(scalar.value)] : foreign.next() else { return nil }
                    var found = 0
                    for i in 0..<count {
                        for alternative in unit where Self.has(alternative, in: text, at: ends[i]) {
                            let reached = ends[i] + alternative.count
                            var seen = false
                            for j in 0..<found where next[j] == reached { seen = true }
                            if !seen, found < capacity {
                                next[found] = reached
                                found += 1
                            }
                        }
                    }
                    if found == 0 { return nil }
                    swap(&ends, &next)
                    count = found
                }
                var end = ends[0]
                for i in 1..<max(1, count) { end = max(end, ends[i]) }
                return end
            }
        }

        static func has(_ needle: [UInt8], in text: UnsafeBufferPointer<UInt8>, at position: Int) -> Bool {
            guard position + needle.count <= text.count else { return false }
            for (offset, byte) in needle.enumerated() where text[position + offset] != byte { return false }
            return true
        }

        /// ``computeAlternatives(_:)`` of each ASCII character, worked out once and shared, since a
        /// run may hold thousands of secrets.
        private static let asciiAlternatives: [[[UInt8]]] = (0..<128).map {
            computeAlternatives(Unicode.Scalar(UInt8($0)))
        }

        /// Every way one character of a secret may be written in Parley's outputs or a server's
        /// answer: as is, escaped once in any of the encodings, or escaped twice.
        private static func computeAlternatives(_ scalar: Unicode.Scalar) -> [[UInt8]] {
            // No encoder escapes an ASCII letter or digit (`\u0061`, `&#97;`, `%61` are legal but
            // never written), and leaving them out keeps `\`, `&` and `%` from starting a match
            // attempt for every secret.
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                return [Array(String(scalar).utf8)]
            }
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
                if scalar.isASCII,
                    scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || "-._~".unicodeScalars
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
    /// in both alphabets, and the cores of the three alignments. Worked on bytes: a run builds these
    /// for every token it learns, a sign-in per user.
    static func literals(of secret: [UInt8]) -> [[UInt8]] {
        let whole = encode(secret, offset: 0)
        var forms = [whole]
        let unpadded = Array(whole.prefix { $0 != UInt8(ascii: "=") })
        if unpadded.count != whole.count { forms.append(unpadded) }
        forms += cores(of: secret, aligned: whole)
        // The URL-safe alphabet differs in two characters: forms without either are their own.
        let urlSafe = forms.compactMap { form -> [UInt8]? in
            guard form.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/") }) else { return nil }
            return form.map {
                $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0
            }
        }
        // A handful of forms, each a few hundred bytes for a token: compared, not hashed.
        var kept: [[UInt8]] = []
        for form in forms + urlSafe where form.count >= minimumLength && !kept.contains(form) { kept.append(form) }
        return kept
    }

    /// The characters fixed by the secret alone, for a secret starting 0, 1 or 2 bytes into a group;
    /// `aligned` is the secret's own encoding, the first of the three.
    static func cores(of secret: [UInt8], aligned: [UInt8]) -> [[UInt8]] {
        var cores: [[UInt8]] = []
        for offset in 0..<3 {
            let encoded = offset == 0 ? aligned : encode(secret, offset: offset)
            let firstBit = offset * 8
            let endBit = (offset + secret.count) * 8
            // Character j holds bits 6j..<6j+6; keep those entirely inside the secret's bits.
            let first = (firstBit + 5) / 6
            let end = endBit / 6
            guard end - first >= minimumLength else { continue }
            cores.append(Array(encoded[first..<end]))
        }
        return cores
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard padded base64 of `offset` zero bytes followed by `bytes`.
    static func encode(_ bytes: [UInt8], offset: Int) -> [UInt8] {
        let count = offset + bytes.count
        let length = (count + 2) / 3 * 4
        return alphabet.withUnsafeBufferPointer { alphabet in
            bytes.withUnsafeBufferPointer { bytes in
                [UInt8](unsafeUninitializedCapacity: length) { out, written in
                    func byte(_ i: Int) -> UInt32 { i < offset ? 0 : UInt32(bytes[i - offset]) }
                    var i = 0
                    var o = 0
                    while i < count {
                        let remaining = count - i
                        let group =
                            byte(i) << 16 | (remaining > 1 ? byte(i + 1) << 8 : 0) | (remaining > 2 ? byte(i + 2) : 0)
                        out[o] = alphabet[Int(group >> 18 & 63)]
                        out[o + 1] = alphabet[Int(group >> 12 & 63)]
                        out[o + 2] = remaining > 1 ? alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "=")
                        out[o + 3] = remaining > 2 ? alphabet[Int(group & 63)] : UInt8(ascii: "=")
                        i += 3
                        o += 4
                    }
                    written = length
                }
            }
        }
    }
}
