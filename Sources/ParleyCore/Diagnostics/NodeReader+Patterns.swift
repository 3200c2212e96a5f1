/// Reading the pattern and template notation shared by flows and agent scripts.
///
/// `/re/flags` is a regular expression, any other text a case-insensitive substring; the mapping
/// forms `{regex: }`, `{contains: }`, `{equals: }`, `{any: [...]}`, `{all: [...]}` say it explicitly.
extension NodeReader {
    /// The keys of the explicit matcher forms, for "unknown key" suggestions.
    public static let matcherKeys = ["regex", "contains", "equals", "any", "all"]

    /// Text with `${...}` placeholders, located so that placeholder errors point at the right column.
    public func template(_ node: YAMLNode, for what: String) -> Template? {
        guard let text = string(node, for: what) else { return nil }
        return Template.parse(text, at: node.location, columnOffset: Self.columnOffset(of: node), sink: sink)
    }

    /// A pattern: `/re/flags`, plain text, or one of the explicit mapping forms.
    public func matcher(_ node: YAMLNode, for what: String) -> Matcher? {
        if node.scalar != nil, !node.isNull {
            guard let template = template(node, for: what) else { return nil }
            if Self.looksLikeRegex(template.raw) {
                return regex(node, for: what).map(Matcher.regex)
            }
            return .contains(template)
        }
        guard let pairs = node.mapping else {
            mismatch(node, for: what, expected: "a pattern (/regex/flags or text) or a mapping such as { any: [...] }")
            return nil
        }
        guard pairs.count == 1, let key = pairs[0].key.string else {
            error("`\(what)` must have exactly one of \(Self.matcherKeys.map { "`\($0)`" }.joined(separator: ", "))", at: node.location)
            return nil
        }
        let value = pairs[0].value
        switch key {
        case "regex":
            return regex(value, for: "regex").map(Matcher.regex)
        case "contains":
            return template(value, for: "contains").map(Matcher.contains)
        case "equals":
            return template(value, for: "equals").map(Matcher.equals)
        case "any", "all":
            guard let items = value.sequence, !items.isEmpty else {
                mismatch(value, for: key, expected: "a non-empty list of patterns")
                return nil
            }
            let matchers = items.map { matcher($0, for: "\(key)[]") }
            let found = matchers.compactMap { $0 }
            guard found.count == matchers.count else { return nil }
            return key == "any" ? .any(found) : .all(found)
        default:
            error("unknown key `\(key)` in `\(what)`\(Suggestion.hint(for: key, in: Self.matcherKeys))", at: pairs[0].key.location)
            return nil
        }
    }

    /// A regular expression written `/re/flags`; text without the slashes is taken as the expression itself.
    public func regex(_ node: YAMLNode, for what: String) -> RegexPattern? {
        guard let template = template(node, for: what) else { return nil }
        var source = template
        var flags = ""
        if Self.looksLikeRegex(template.raw), let parts = Self.splitRegex(template.raw) {
            // Re-parse the inner text so placeholder columns stay right (one column for the leading slash).
            let offset = Self.columnOffset(of: node).map { $0 + 1 }
            guard let inner = Template.parse(parts.body, at: node.location, columnOffset: offset, sink: sink) else { return nil }
            source = Template(segments: inner.segments, raw: parts.body, location: node.location)
            flags = parts.flags
        }
        do {
            return try RegexPattern(source: source, flags: flags)
        } catch {
            switch error {
            case .invalidRegex(let message, _): self.error(message, at: node.location)
            case .unknownVariable(let variable): self.error("unknown variable \(variable.reference)", at: variable.location)
            }
            return nil
        }
    }

    /// True for `/.../` followed only by letters, the notation of a regular expression.
    static func looksLikeRegex(_ text: String) -> Bool {
        splitRegex(text) != nil
    }

    static func splitRegex(_ text: String) -> (body: String, flags: String)? {
        guard text.count >= 2, text.first == "/", let close = text.lastIndex(of: "/"), close != text.startIndex else { return nil }
        let flags = text[text.index(after: close)...]
        guard flags.allSatisfy({ $0.isLetter }) else { return nil }
        return (String(text[text.index(after: text.startIndex)..<close]), String(flags))
    }

    /// How far the scalar's text starts after its node's column, when columns map one-to-one.
    static func columnOffset(of node: YAMLNode) -> Int? {
        guard let scalar = node.scalar, !scalar.value.contains("\n") else { return nil }
        switch scalar.style {
        case .plain: return 0
        case .singleQuoted: return scalar.value.contains("'") ? nil : 1
        case .doubleQuoted: return scalar.value.contains("\\") || scalar.value.contains("\"") ? nil : 1
        case .literal, .folded: return nil
        }
    }
}
