import Foundation

/// Reading the pattern and template notation shared by flows and agent scripts.
///
/// `/re/flags` is a regular expression, any other text a case-insensitive substring; the mapping
/// forms `{regex: }`, `{contains: }`, `{equals: }`, `{any: [...]}`, `{all: [...]}` say it explicitly.
extension NodeReader {
    /// The keys of the explicit matcher forms.
    public static let matcherKeys = ["regex", "contains", "equals", "any", "all"]

    /// Text with `${...}` placeholders, located so that placeholder errors point at the right column.
    public func template(_ node: YAMLNode, for what: String, nonEmpty: Bool = false) -> Template? {
        guard let text = nonEmpty ? nonEmptyString(node, for: what) : string(node, for: what) else { return nil }
        return Template.parse(text, at: node.location, columnOffset: columnOffset(of: node, text: text), sink: sink)
    }

    /// How far the scalar's text starts from the node's column, when the source line shows the text
    /// as written (single-line plain or quoted scalars without escapes); otherwise `nil`.
    public func columnOffset(of node: YAMLNode, text: String) -> Int? {
        guard let scalar = node.scalar, scalar.style != .literal, scalar.style != .folded,
            !text.containsByte(UInt8(ascii: "\n"))
        else { return nil }
        let location = node.location
        guard let bytes = sink.lineBytes(file: location.file, line: location.line) else { return nil }
        let quote = scalar.style == .plain ? 0 : 1
        let skipped = location.column - 1 + quote
        if bytes.prefix(skipped).isASCII {
            // The characters before the text are bytes (the common case), so compare bytes.
            return Self.bytes(bytes.dropFirst(skipped), startWith: text) ? quote : nil
        }
        return String(decoding: bytes, as: UTF8.self).dropFirst(skipped).hasPrefix(text) ? quote : nil
    }

    /// Whether `bytes` begin with the text's UTF-8, compared with `memcmp` (the generic comparison
    /// goes byte by byte through `String.UTF8View`'s iterator).
    static func bytes(_ bytes: ArraySlice<UInt8>, startWith text: String) -> Bool {
        let found = text.utf8.withContiguousStorageIfAvailable { prefix in
            guard !prefix.isEmpty else { return true }
            guard prefix.count <= bytes.count else { return false }
            return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, prefix.baseAddress!, prefix.count) == 0 }
        }
        return found ?? bytes.starts(with: text.utf8)
    }

    /// A pattern: `/re/flags`, plain text, or one of the explicit mapping forms.
    public func matcher(_ node: YAMLNode, for what: String) -> Matcher? {
        if node.scalar != nil, !node.isNull {
            guard let text = string(node, for: what) else { return nil }
            if let (pattern, flags) = Self.regexLiteral(text) {
                return regexPattern(pattern, flags: flags, node: node, textOffset: 1, fullText: text).map(Matcher.regex)
            }
            return template(node, for: what).map(Matcher.contains)
        }
        guard let pairs = node.mapping else {
            mismatch(
                node, for: what, expected: "a pattern: /regex/flags, a text, or {regex|contains|equals|any|all: ...}")
            return nil
        }
        guard let map = mapping(node, for: "a pattern", keys: Self.matcherKeys) else { return nil }
        let given = Self.matcherKeys.filter { map.has($0) }
        guard given.count == 1, let key = given.first, let value = map[key] else {
            if given.count > 1 {
                error(
                    "a pattern takes one of `\(given[0])` and `\(given[1])`; nest them in `any:` or `all:`",
                    at: map.keyLocation(given[1]) ?? node.location)
            } else if pairs.isEmpty {
                error("an empty pattern; use `regex:`, `contains:`, `equals:`, `any:` or `all:`", at: node.location)
            }
            // Otherwise the only keys were unknown ones, reported by the mapping reader.
            return nil
        }
        return matcherForm(key, value)
    }

    /// One explicit form: `regex`, `contains`, `equals`, `any` or `all`, with its value.
    public func matcherForm(_ key: String, _ value: YAMLNode) -> Matcher? {
        switch key {
        case "regex":
            return regex(value, for: "regex").map(Matcher.regex)
        case "contains":
            return template(value, for: "contains", nonEmpty: true).map(Matcher.contains)
        case "equals":
            return template(value, for: "equals").map(Matcher.equals)
        default:
            guard let items = value.sequence else {
                mismatch(value, for: key, expected: "a list of patterns")
                return nil
            }
            if items.isEmpty {
                error("`\(key)` needs at least one pattern", at: value.location)
                return nil
            }
            let parsed = items.map { matcher($0, for: "\(key)[]") }
            guard parsed.allSatisfy({ $0 != nil }) else { return nil }
            let matchers = parsed.compactMap { $0 }
            return key == "any" ? .any(matchers) : .all(matchers)
        }
    }

    /// A regular expression written `/re/flags`; text without the slashes is taken as the expression itself.
    public func regex(_ node: YAMLNode, for what: String) -> RegexPattern? {
        guard let text = nonEmptyString(node, for: what) else { return nil }
        if let (pattern, flags) = Self.regexLiteral(text) {
            return regexPattern(pattern, flags: flags, node: node, textOffset: 1, fullText: text)
        }
        return regexPattern(text, flags: "", node: node, textOffset: 0, fullText: text)
    }

    /// `/pattern/flags` → (pattern, flags); `nil` for other text.
    public static func regexLiteral(_ text: String) -> (String, String)? {
        // Most patterns are plain text: one byte tells.
        guard text.utf8.first == UInt8(ascii: "/") else { return nil }
        // ASCII text (nearly all) by byte: no ASCII character combines with the one before it, so
        // its bytes are its characters.
        let utf8 = text.utf8
        if utf8.isASCII {
            guard let last = utf8.lastIndex(of: UInt8(ascii: "/")), last != utf8.startIndex else { return nil }
            let flagsStart = utf8.index(after: last)
            guard utf8[flagsStart...].allSatisfy(\.isASCIILetter) else { return nil }
            return (String(text[utf8.index(after: utf8.startIndex)..<last]), String(text[flagsStart...]))
        }
        // A count of bytes, not characters: `first` and `lastIndex` below see combining marks.
        guard text.utf8.count >= 2, text.first == "/",
            let last = text.lastIndex(of: "/"), last != text.startIndex
        else {
            return nil
        }
        let flags = text[text.index(after: last)...]
        guard flags.allSatisfy({ $0.isLetter }) else { return nil }
        return (String(text[text.index(after: text.startIndex)..<last]), String(flags))
    }

    /// Compiles `pattern` (found `textOffset` characters into `fullText`, the node's text), reporting
    /// syntax errors and unknown flags at the node.
    private func regexPattern(_ pattern: String, flags: String, node: YAMLNode, textOffset: Int, fullText: String)
        -> RegexPattern?
    {
        if pattern.isEmpty {
            error("empty regular expression", at: node.location)
            return nil
        }
        let base = columnOffset(of: node, text: fullText)
        let nodeLocation = node.location
        var location = nodeLocation
        if let base { location.column += base + textOffset }
        guard let source = Template.parse(pattern, at: location, columnOffset: base == nil ? nil : 0, sink: sink) else {
            return nil
        }
        do {
            let compiled = try RegexPattern(source: source, flags: flags)
            if let group = RegexShape.nestedRepeat(in: pattern) {
                sink.warning(
                    "`\(group)` repeats a group that itself repeats: on a long reply that does not match, this "
                        + "pattern can take exponential time (it is stopped after its time budget, ending the flow "
                        + "run as an error); write it without the nesting, e.g. `(a+)+` as `a+`",
                    at: location)
            }
            return compiled
        } catch {
            switch error {
            case .invalidRegex(let message, _), .overBudget(let message, _): self.error(message, at: nodeLocation)
            case .unknownVariable(let variable):
                self.error("unknown variable \(variable.reference)", at: variable.location)
            }
            return nil
        }
    }
}
