import Foundation
import Synchronization

/// A test applied to an agent reply: a regular expression, a substring, an exact text, or a combination.
public indirect enum Matcher: Sendable {
    /// `/re/flags` or `{regex: ...}`.
    case regex(RegexPattern)
    /// A plain string or `{contains: ...}`: case-insensitive substring.
    case contains(Template)
    /// `{equals: ...}`: the whole reply, ignoring surrounding white space.
    case equals(Template)
    case any([Matcher])
    case all([Matcher])

    /// Whether `text` satisfies the matcher once placeholders are filled from `scope`. With a
    /// `deadline`, a regular expression still matching then is stopped: ``MatchError/overBudget``.
    public func matches(_ text: String, scope: VariableScope, deadline: ContinuousClock.Instant? = nil)
        throws(MatchError) -> Bool
    {
        switch self {
        case .regex(let pattern):
            return try pattern.compile(scope).firstMatch(in: text, deadline: deadline, pattern: pattern) != nil
        case .contains(let template):
            let needle = try render(template, scope)
            return Self.contains(needle, in: text)
        case .equals(let template):
            return text.trimmingSpaces == (try render(template, scope)).trimmingSpaces
        case .any(let matchers):
            for m in matchers where try m.matches(text, scope: scope, deadline: deadline) { return true }
            return false
        case .all(let matchers):
            for m in matchers where !(try m.matches(text, scope: scope, deadline: deadline)) { return false }
            return true
        }
    }

    /// Case- and diacritic-insensitive substring search. ASCII text (the common case) is searched byte by
    /// byte; anything else goes through Foundation, which knows Unicode case folding and diacritics.
    static func contains(_ needle: String, in text: String) -> Bool {
        if needle.isEmpty { return true }
        let n = Array(needle.utf8), t = Array(text.utf8)
        guard n.isASCII, t.isASCII else {
            return text.range(of: needle, options: [.caseInsensitive, .diacriticInsensitive]) != nil
        }
        return firstASCIIIndex(of: n, in: t, foldingCase: true) != nil
    }

    /// Where `needle` first occurs in `text`, both ASCII, with letters compared without case when
    /// `foldingCase`; `nil` when it does not. An empty needle occurs at 0.
    static func firstASCIIIndex(of needle: [UInt8], in text: [UInt8], foldingCase: Bool) -> Int? {
        guard needle.count <= text.count else { return nil }
        guard !needle.isEmpty else { return 0 }
        @inline(__always) func fold(_ byte: UInt8) -> UInt8 {
            foldingCase && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
        }
        let first = fold(needle[0])
        outer: for start in 0...(text.count - needle.count) where fold(text[start]) == first {
            for offset in 1..<needle.count where fold(text[start + offset]) != fold(needle[offset]) { continue outer }
            return start
        }
        return nil
    }

    private func render(_ template: Template, _ scope: VariableScope) throws(MatchError) -> String {
        do {
            return try template.render(scope)
        } catch {
            throw .unknownVariable(error)
        }
    }

    /// How the matcher reads in a message: `/order/i`, `"refund"`, `any of [/a/, "b"]`.
    public var summary: String {
        switch self {
        case .regex(let p): "/\(p.source.raw)/\(p.flags)"
        case .contains(let t): "\"\(t.raw)\""
        case .equals(let t): "exactly \"\(t.raw)\""
        case .any(let ms): "any of [" + ms.map(\.summary).joined(separator: ", ") + "]"
        case .all(let ms): "all of [" + ms.map(\.summary).joined(separator: ", ") + "]"
        }
    }

    /// Calls `body` with every template inside, for checking placeholders before a run.
    public func forEachTemplate(_ body: (Template) -> Void) {
        switch self {
        case .regex(let p): body(p.source)
        case .contains(let t), .equals(let t): body(t)
        case .any(let ms), .all(let ms): for m in ms { m.forEachTemplate(body) }
        }
    }

    /// Every template inside.
    public var templates: [Template] {
        var all: [Template] = []
        forEachTemplate { all.append($0) }
        return all
    }
}

/// Why a matcher could not be evaluated.
public enum MatchError: Error, Sendable {
    case unknownVariable(VariableError)
    case invalidRegex(String, SourceLocation)
    /// A regular expression was still matching at its deadline (catastrophic backtracking, as
    /// `/(a+)+$/` on a long text): the pattern as written and where.
    case overBudget(String, SourceLocation)
}

/// A regular expression as written in a flow, compiled once when it has no placeholders.
public struct RegexPattern: Sendable {
    public var source: Template
    public var flags: String
    private let constant: CompiledRegex?

    /// Flags a flow may use: i (ignore case), m (^ and $ at lines), s (dot matches newline), x (extended).
    public static let allowedFlags: Set<Character> = ["i", "m", "s", "x"]

    public init(source: Template, flags: String) throws(MatchError) {
        self.source = source
        self.flags = flags
        if source.isConstant {
            constant = try CompiledRegex.shared(pattern: source.raw, flags: flags, location: source.location)
        } else {
            constant = nil
            // Compile once with stand-in values so syntax errors surface when the flow is loaded.
            let probe = source.segments.map { segment -> String in
                if case .literal(let text) = segment { return text }
                return "x"
            }.joined()
            _ = try CompiledRegex.shared(pattern: probe, flags: flags, location: source.location)
        }
    }

    /// The expression with placeholders filled in (their values matched literally).
    public func compile(_ scope: VariableScope) throws(MatchError) -> CompiledRegex {
        if let constant { return constant }
        let pattern: String
        do {
            pattern = try source.render(scope, transform: NSRegularExpression.escapedPattern(for:))
        } catch {
            throw .unknownVariable(error)
        }
        return try CompiledRegex(pattern: pattern, flags: flags, location: source.location)
    }
}

/// An immutable compiled expression; NSRegularExpression is safe to share once built.
public final class CompiledRegex: @unchecked Sendable {
    let regex: NSRegularExpression
    /// Whether matching can take more than time proportional to the text (see ``RegexShape``):
    /// only then is a deadline worth its cost.
    let needsBudget: Bool
    /// The pattern's bytes when it is plain ASCII text without a metacharacter (`/order number/i`,
    /// the most common pattern in flows): in ASCII text it is found by a byte search, the match
    /// ICU would find, without bridging the text to ICU.
    private let literal: [UInt8]?
    private let caseInsensitive: Bool

    /// Expressions written in flows, by flags and pattern: suites repeat the same patterns across
    /// many files, and compiling one costs far more than looking it up. Only patterns as written
    /// are kept (never ones filled in during a run), so the cache grows with the suite, not the run.
    private static let written = Mutex<[WrittenKey: CompiledRegex]>([:])

    /// A written expression's pattern and flags, hashed as they are (no joined copy of the two).
    private struct WrittenKey: Hashable {
        var pattern: String
        var flags: String
    }

    /// The compiled form of an expression written in a flow, compiled once per process.
    static func shared(pattern: String, flags: String, location: SourceLocation) throws(MatchError) -> CompiledRegex {
        let key = WrittenKey(pattern: pattern, flags: flags)
        if let known = written.withLock({ $0[key] }) { return known }
        let compiled = try CompiledRegex(pattern: pattern, flags: flags, location: location)
        written.withLock { $0[key] = compiled }
        return compiled
    }

    init(pattern: String, flags: String, location: SourceLocation) throws(MatchError) {
        var options: NSRegularExpression.Options = []
        for flag in flags {
            switch flag {
            case "i": options.insert(.caseInsensitive)
            case "m": options.insert(.anchorsMatchLines)
            case "s": options.insert(.dotMatchesLineSeparators)
            case "x": options.insert(.allowCommentsAndWhitespace)
            default: throw .invalidRegex("unknown regular-expression flag `\(flag)`; use i, m, s or x", location)
            }
        }
        needsBudget = RegexShape.repeatsWithoutBound(pattern)
        caseInsensitive = options.contains(.caseInsensitive)
        literal = Self.literalBytes(pattern, extended: options.contains(.allowCommentsAndWhitespace))
        do {
            regex = try NSRegularExpression(pattern: pattern, options: options)
        } catch {
            throw .invalidRegex("invalid regular expression /\(pattern)/", location)
        }
    }

    /// The bytes of a pattern that matches only itself: printable ASCII, no metacharacter (`x`
    /// makes white space and `#` syntax too); `nil` for any other.
    static func literalBytes(_ pattern: String, extended: Bool) -> [UInt8]? {
        let bytes = Array(pattern.utf8)
        let metacharacters = Array(#"\^$.|?*+()[]{}"#.utf8)
        guard !bytes.isEmpty,
            bytes.allSatisfy({ byte in
                byte >= 0x20 && byte < 0x7F && !metacharacters.contains(byte)
                    && !(extended && (byte == UInt8(ascii: " ") || byte == UInt8(ascii: "#")))
            })
        else { return nil }
        return bytes
    }

    /// The first match's groups: index 0 is the whole match; nil entries did not participate.
    /// Unbounded in time: for patterns and texts Parley controls (the demo agent's own script).
    public func firstMatch(in text: String) -> [String?]? {
        if let literal {
            let bytes = Array(text.utf8)
            if bytes.isASCII {
                guard let start = Matcher.firstASCIIIndex(of: literal, in: bytes, foldingCase: caseInsensitive)
                else { return nil }
                return [String(decoding: bytes[start..<start + literal.count], as: UTF8.self)]
            }
        }
        let range = NSRange(text.startIndex..., in: text)
        guard let match = regex.firstMatch(in: text, options: [], range: range) else { return nil }
        return groups(of: match, in: text)
    }

    /// The first match's groups, giving up at `deadline` (`nil`: never).
    ///
    /// NSRegularExpression has no match limit, but with `.reportProgress` ICU calls back while a
    /// match runs — before each new start position, and every few thousand backtracking steps in
    /// between — and the callback can stop it; so a runaway pattern ends within milliseconds of its
    /// deadline. The clock is read on every 16th callback: progress reports come once per character
    /// of text, and reading the clock on each would add a quarter to their cost. A pattern without
    /// an unbounded repeat matches in time proportional to the text and goes without the budget,
    /// whose callbacks make a match several times slower (scripts/regex-budget.swift).
    public func firstMatch(in text: String, deadline: ContinuousClock.Instant?, pattern: RegexPattern)
        throws(MatchError) -> [String?]?
    {
        guard let deadline, needsBudget else { return firstMatch(in: text) }
        let range = NSRange(text.startIndex..., in: text)
        var found: NSTextCheckingResult?
        var calls = 0
        var stopped = false
        regex.enumerateMatches(in: text, options: [.reportProgress], range: range) { match, _, stop in
            if let match {
                found = match
                stop.pointee = true
                return
            }
            calls &+= 1
            if calls & 0xF == 0, ContinuousClock.now >= deadline {
                stopped = true
                stop.pointee = true
            }
        }
        if let found { return groups(of: found, in: text) }
        if stopped {
            throw .overBudget("/\(pattern.source.raw)/\(pattern.flags)", pattern.source.location)
        }
        return nil
    }

    private func groups(of match: NSTextCheckingResult, in text: String) -> [String?] {
        (0..<match.numberOfRanges).map { i in
            let r = match.range(at: i)
            guard r.location != NSNotFound, let swiftRange = Range(r, in: text) else { return nil }
            return String(text[swiftRange])
        }
    }
}
