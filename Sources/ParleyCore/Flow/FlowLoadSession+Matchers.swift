/// Reading patterns: `/re/flags`, plain substrings, and the `{regex|contains|equals|any|all}` forms.
extension FlowLoadSession {
    static let matcherKeys = ["regex", "contains", "equals", "any", "all"]
    static let expectKeys = ["pattern"] + matcherKeys + ["capture", "within"]

    func expectation(_ node: YAMLNode) -> Expectation? {
        guard node.mapping != nil else {
            return matcher(node, for: "expect").map { Expectation(matcher: $0) }
        }
        guard let map = reader.mapping(node, for: "`expect`", keys: Self.expectKeys) else { return nil }
        let given = (["pattern"] + Self.matcherKeys).filter { map.has($0) }
        var ok = true
        var found: Matcher?
        if given.count > 1 {
            sink.error("`expect` takes one of `\(given[0])` and `\(given[1])`; combine patterns with `any:` or `all:`",
                       at: map.keyLocation(given[1]) ?? node.location)
            ok = false
        } else if let key = given.first, let value = map[key] {
            found = key == "pattern" ? matcher(value, for: "pattern") : matcherForm(key, value)
            if found == nil { ok = false }
        }
        var captures: [Capture] = []
        if let captureNode = map["capture"] {
            if let parsed = self.captures(captureNode) { captures = parsed } else { ok = false }
        }
        let within = map["within"].flatMap { reader.duration($0, for: "within") }
        if map.has("within"), within == nil { ok = false }
        guard ok else { return nil }
        if found == nil {
            guard !captures.isEmpty else {
                sink.error("`expect` needs a pattern: `pattern:`, `regex:`, `contains:`, `equals:`, `any:` or `all:`", at: node.location)
                return nil
            }
            // A bare capture asserts that every capture pattern matches.
            found = .all(captures.map { .regex($0.pattern) })
        }
        guard let matcher = found else { return nil }
        return Expectation(matcher: matcher, captures: captures, within: within)
    }

    /// A pattern written as a scalar or as one of the explicit mapping forms.
    func matcher(_ node: YAMLNode, for what: String) -> Matcher? {
        if node.scalar != nil, !node.isNull {
            guard let text = reader.string(node, for: what) else { return nil }
            if let (pattern, flags, offset) = regexLiteral(text) {
                return regex(pattern, flags: flags, node: node, textOffset: offset, fullText: text)
            }
            return template(node, for: what).map(Matcher.contains)
        }
        guard let pairs = node.mapping else {
            reader.mismatch(node, for: what, expected: "a pattern: /regex/flags, a text, or {regex|contains|equals|any|all: ...}")
            return nil
        }
        guard let map = reader.mapping(node, for: "a pattern", keys: Self.matcherKeys) else { return nil }
        let given = Self.matcherKeys.filter { map.has($0) }
        guard given.count == 1, let key = given.first, let value = map[key] else {
            if given.count > 1 {
                sink.error("a pattern takes one of `\(given[0])` and `\(given[1])`; nest them in `any:` or `all:`",
                           at: map.keyLocation(given[1]) ?? node.location)
            } else if !pairs.isEmpty {
                // Unknown keys were already reported by the mapping reader.
            } else {
                sink.error("an empty pattern; use `regex:`, `contains:`, `equals:`, `any:` or `all:`", at: node.location)
            }
            return nil
        }
        return matcherForm(key, value)
    }

    private func matcherForm(_ key: String, _ value: YAMLNode) -> Matcher? {
        switch key {
        case "regex":
            guard let text = reader.nonEmptyString(value, for: "regex") else { return nil }
            if let (pattern, flags, offset) = regexLiteral(text) {
                return regex(pattern, flags: flags, node: value, textOffset: offset, fullText: text)
            }
            return regex(text, flags: "", node: value, textOffset: 0, fullText: text)
        case "contains":
            return template(value, for: "contains", nonEmpty: true).map(Matcher.contains)
        case "equals":
            return template(value, for: "equals").map(Matcher.equals)
        default:
            guard let items = value.sequence else {
                reader.mismatch(value, for: key, expected: "a list of patterns")
                return nil
            }
            if items.isEmpty {
                sink.error("`\(key)` needs at least one pattern", at: value.location)
                return nil
            }
            let parsed = items.map { matcher($0, for: "\(key)[]") }
            guard parsed.allSatisfy({ $0 != nil }) else { return nil }
            let matchers = parsed.compactMap { $0 }
            return key == "any" ? .any(matchers) : .all(matchers)
        }
    }

    /// `/pattern/flags` → (pattern, flags, offset of the pattern in the text); nil for other text.
    func regexLiteral(_ text: String) -> (String, String, Int)? {
        guard text.count >= 2, text.first == "/", let last = text.lastIndex(of: "/"), last != text.startIndex else { return nil }
        let flags = text[text.index(after: last)...]
        guard flags.allSatisfy({ $0.isLetter }) else { return nil }
        return (String(text[text.index(after: text.startIndex)..<last]), String(flags), 1)
    }

    private func regex(_ pattern: String, flags: String, node: YAMLNode, textOffset: Int, fullText: String) -> Matcher? {
        regexPattern(pattern, flags: flags, node: node, textOffset: textOffset, fullText: fullText).map(Matcher.regex)
    }

    func regexPattern(_ pattern: String, flags: String, node: YAMLNode, textOffset: Int, fullText: String) -> RegexPattern? {
        if pattern.isEmpty {
            sink.error("empty regular expression", at: node.location)
            return nil
        }
        let base = columnOffset(of: node, text: fullText)
        let location = base.map {
            SourceLocation(file: node.location.file, line: node.location.line, column: node.location.column + $0 + textOffset)
        } ?? node.location
        guard let source = Template.parse(pattern, at: location, columnOffset: base == nil ? nil : 0, sink: sink) else { return nil }
        do {
            return try RegexPattern(source: source, flags: flags)
        } catch {
            if case .invalidRegex(let message, _) = error {
                sink.error(message, at: node.location)
            }
            return nil
        }
    }

    private func captures(_ node: YAMLNode) -> [Capture]? {
        guard let pairs = node.mapping else {
            reader.mismatch(node, for: "capture", expected: "a mapping of variable names to regular expressions, e.g. { ticket: /T-\\d+/ }")
            return nil
        }
        var result: [Capture] = []
        var ok = true
        for pair in pairs {
            guard let name = pair.key.string else { continue }
            guard isVariableName(name) else {
                sink.error("`\(name)` is not a valid variable name", at: pair.key.location)
                ok = false
                continue
            }
            guard let text = reader.nonEmptyString(pair.value, for: "capture.\(name)") else { ok = false; continue }
            let (pattern, flags, offset) = regexLiteral(text) ?? (text, "", 0)
            guard let regex = regexPattern(pattern, flags: flags, node: pair.value, textOffset: offset, fullText: text) else {
                ok = false
                continue
            }
            result.append(Capture(name: name, pattern: regex, location: pair.key.location))
        }
        return ok ? result : nil
    }
}
