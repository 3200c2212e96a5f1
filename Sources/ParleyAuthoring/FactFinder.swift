import Foundation

/// The distinctive facts of a message — e-mail addresses, ids, amounts, dates, numbers, names — in the
/// order they appear: what a reply must keep saying to still be the same answer, and what a user
/// message gives that belongs to the person rather than to the conversation.
public struct FactFinder: Sendable {
    public enum Kind: String, Sendable, Hashable {
        case email, phone, identifier, amount, date, quantity, number, name
    }

    /// One fact: its text, kind and where it starts in the message (in characters).
    public struct Fact: Sendable, Hashable {
        public var text: String
        public var kind: Kind
        public var offset: Int
    }

    public init() {}

    // Tried in order; a later match overlapping an earlier one is dropped, so an e-mail address is not
    // also read as a name or a number.
    private static let patterns: [(Kind, String)] = [
        (.email, #"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"#),
        (.amount, #"[$€£¥]\s?\d[\d,]*(\.\d+)?|\b\d[\d,]*(\.\d+)?\s?(USD|EUR|GBP|dollars|euros|pounds)\b"#),
        (.date, #"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"#),
        (
            .date,
            #"\b(Jan(uary)?|Feb(ruary)?|Mar(ch)?|Apr(il)?|May|June?|July?|Aug(ust)?|Sep(t(ember)?)?|Oct(ober)?|"#
                + #"Nov(ember)?|Dec(ember)?)\.? \d{1,2}(st|nd|rd|th)?(,? \d{4})?\b"#
        ),
        (.phone, #"\+?\d[\d ().-]{7,}\d"#),
        (.identifier, #"#?\b[A-Za-z]{1,8}[-_#]?\d{2,}[A-Za-z0-9-]*\b|#\d{3,}\b"#),
        (
            .quantity,
            #"\b\d+(\.\d+)?\s+(business\s+|working\s+)?(days?|hours?|minutes?|weeks?|months?|years?|items?)\b"#
        ),
        (.number, #"\b\d{2,}(\.\d+)?\b"#),
    ]

    private static let compiled: [(Kind, NSRegularExpression)] = patterns.compactMap { kind, pattern in
        (try? NSRegularExpression(pattern: pattern)).map { (kind, $0) }
    }

    /// Capitalised words that are not names wherever they stand.
    static let notNames: Set<String> = [
        "I", "I'm", "I'll", "I've", "I'd", "OK", "Ok", "Okay", "Yes", "No", "Hi", "Hello", "Hey", "Thanks", "Thank",
        "Sorry", "Please", "Sure", "Great", "Done", "Welcome", "Of", "Is", "It", "The", "A", "An", "Here", "There",
        "Would", "Could", "Can", "Shall", "What", "When", "Where", "Why", "How", "Who", "Do", "Does", "Did", "Let",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Mr", "Mrs", "Ms", "Dr",
    ]

    /// Every fact of `text`, in order, each once.
    public func facts(in text: String) -> [Fact] {
        let ns = text as NSString
        var taken: [NSRange] = []
        var found: [(NSRange, Kind)] = []
        for (kind, regex) in Self.compiled {
            for match in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                let range = match.range
                if taken.contains(where: { NSIntersectionRange($0, range).length > 0 }) { continue }
                // A phone number needs enough digits; a bare year-like run of digits is a number.
                if kind == .phone, ns.substring(with: range).filter(\.isNumber).count < 9 { continue }
                taken.append(range)
                found.append((range, kind))
            }
        }
        for range in nameRanges(in: text) where !taken.contains(where: { NSIntersectionRange($0, range).length > 0 }) {
            found.append((range, .name))
        }
        found.sort { $0.0.location < $1.0.location }
        var seen: Set<String> = []
        var result: [Fact] = []
        for (range, kind) in found {
            let factText = ns.substring(with: range).trimmingCharacters(in: .whitespaces)
            guard !factText.isEmpty, seen.insert(factText.lowercased()).inserted else { continue }
            let offset = text.distance(
                from: text.startIndex, to: Range(range, in: text)?.lowerBound ?? text.startIndex)
            result.append(Fact(text: factText, kind: kind, offset: offset))
        }
        return result
    }

    /// Runs of capitalised words (joined by `&`) that do not start a sentence: `Juniper & Pine`, `Juno`.
    private func nameRanges(in text: String) -> [NSRange] {
        let ns = text as NSString
        guard let word = try? NSRegularExpression(pattern: #"[\p{L}][\p{L}'’-]*"#) else { return [] }
        var ranges: [NSRange] = []
        var current: NSRange?
        var previousEnd = 0
        for match in word.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let token = ns.substring(with: match.range)
            let gap = ns.substring(with: NSRange(location: previousEnd, length: match.range.location - previousEnd))
            let before = ns.substring(to: match.range.location).trimmingCharacters(in: .whitespaces)
            let sentenceStart =
                before.isEmpty || [".", "!", "?", ":", "\n", "\""].contains(before.last.map(String.init) ?? "")
            let capitalised =
                token.first?.isUppercase == true && !Self.notNames.contains(token)
                && token.dropFirst().contains(where: \.isLowercase)
            if capitalised, !sentenceStart {
                if let open = current,
                    gap.trimmingCharacters(in: .whitespaces).isEmpty || gap.trimmingCharacters(in: .whitespaces) == "&"
                {
                    current = NSRange(location: open.location, length: NSMaxRange(match.range) - open.location)
                } else {
                    if let open = current { ranges.append(open) }
                    current = match.range
                }
            } else if let open = current {
                ranges.append(open)
                current = nil
            }
            previousEnd = NSMaxRange(match.range)
        }
        if let open = current { ranges.append(open) }
        return ranges
    }

    static let stopWords: Set<String> = [
        "about", "after", "again", "anything", "because", "before", "being", "could", "don't", "every", "from",
        "have", "here", "just", "like", "more", "much", "need", "only", "other", "please", "really", "should",
        "some", "than", "thank", "thanks", "that", "their", "them", "then", "there", "these", "they", "this",
        "those", "today", "very", "want", "what", "when", "where", "which", "while", "will", "with", "would",
        "your", "you're", "you'll", "you've", "yours",
    ]

    /// The reply's most telling words when it states no fact: up to `limit` of its longest words that
    /// are not common ones, in the order they appear.
    public func keywords(in text: String, limit: Int = 3) -> [String] {
        let words = text.split { !$0.isLetter && $0 != "'" && $0 != "’" && $0 != "-" }.map(String.init)
        var seen: Set<String> = []
        let candidates = words.enumerated().filter { _, word in
            word.count >= 4 && !Self.stopWords.contains(word.lowercased()) && seen.insert(word.lowercased()).inserted
        }
        let chosen = candidates.sorted {
            $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset
        }
        .prefix(limit).sorted { $0.offset < $1.offset }
        return chosen.map(\.element)
    }
}
