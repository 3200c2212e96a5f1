/// Reading `expect` steps and their captures (the pattern notation itself is ``NodeReader``'s).
extension FlowLoadSession {
    static let expectKeys = ["pattern"] + NodeReader.matcherKeys + ["capture", "within", "message"]

    func expectation(_ node: YAMLNode) -> Expectation? {
        guard node.mapping != nil else {
            return matcher(node, for: "expect").map { Expectation(matcher: $0) }
        }
        guard let map = reader.mapping(node, for: "`expect`", keys: Self.expectKeys) else { return nil }
        let given = (["pattern"] + NodeReader.matcherKeys).filter { map.has($0) }
        var ok = true
        var found: Matcher?
        if given.count > 1 {
            sink.error(
                "`expect` takes one of `\(given[0])` and `\(given[1])`; combine patterns with `any:` or `all:`",
                at: map.keyLocation(given[1]) ?? node.location)
            ok = false
        } else if let key = given.first, let value = map[key] {
            found = key == "pattern" ? matcher(value, for: "pattern") : reader.matcherForm(key, value)
            if found == nil { ok = false }
        }
        var captures: [Capture] = []
        if let captureNode = map["capture"] {
            if let parsed = self.captures(captureNode) { captures = parsed } else { ok = false }
        }
        let within = map["within"].flatMap { reader.duration($0, for: "within") }
        if map.has("within"), within == nil { ok = false }
        var message = MessageSelector.all
        if let messageNode = map["message"] {
            if let selector = messageSelector(messageNode) { message = selector } else { ok = false }
        }
        guard ok else { return nil }
        if found == nil {
            guard !captures.isEmpty else {
                sink.error(
                    "`expect` needs a pattern: `pattern:`, `regex:`, `contains:`, `equals:`, `any:` or `all:`",
                    at: node.location)
                return nil
            }
            // A bare capture asserts that every capture pattern matches.
            found = .all(captures.map { .regex($0.pattern) })
        }
        guard let matcher = found else { return nil }
        return Expectation(matcher: matcher, captures: captures, within: within, message: message)
    }

    /// `expect_not: PATTERN`, or `expect_not: { pattern|regex|…: …, message: … }`.
    func negatedExpectation(_ node: YAMLNode) -> NegatedExpectation? {
        // The pattern forms (`{regex: …}`, `{any: […]}`) are mappings too: only `pattern` or
        // `message` makes this the options form.
        guard let map = node.mapping, map.contains(where: { $0.key.string == "pattern" || $0.key.string == "message" })
        else {
            return matcher(node, for: "expect_not").map { NegatedExpectation(matcher: $0) }
        }
        let keys = ["pattern"] + NodeReader.matcherKeys + ["message"]
        guard let options = reader.mapping(node, for: "`expect_not`", keys: keys) else { return nil }
        let given = (["pattern"] + NodeReader.matcherKeys).filter { options.has($0) }
        guard let key = given.first, let value = options[key] else {
            sink.error(
                "`expect_not` needs a pattern: `pattern:`, `regex:`, `contains:`, `equals:`, `any:` or `all:`",
                at: node.location)
            return nil
        }
        if given.count > 1 {
            sink.error(
                "`expect_not` takes one of `\(given[0])` and `\(given[1])`; combine patterns with `any:` or `all:`",
                at: options.keyLocation(given[1]) ?? node.location)
            return nil
        }
        let found = key == "pattern" ? matcher(value, for: "pattern") : reader.matcherForm(key, value)
        var message = MessageSelector.all
        if let messageNode = options["message"] {
            guard let selector = messageSelector(messageNode) else { return nil }
            message = selector
        }
        return found.map { NegatedExpectation(matcher: $0, message: message) }
    }

    /// `first`, `last`, `any`, `all`, or a message's number (1 is the first, -1 the last).
    private func messageSelector(_ node: YAMLNode) -> MessageSelector? {
        guard let text = reader.string(node, for: "message") else { return nil }
        switch text.lowercased() {
        case "first": return .first
        case "last": return .last
        case "any": return .any
        case "all": return .all
        default:
            if let number = Int(text), number != 0 { return .index(number) }
            sink.error(
                "`message` must be `first`, `last`, `any`, `all` or a message's number (1 for the first, -1 for "
                    + "the last), not `\(text)`\(Suggestion.hint(for: text, in: ["first", "last", "any", "all"]))",
                at: node.location)
            return nil
        }
    }

    private func captures(_ node: YAMLNode) -> [Capture]? {
        guard let pairs = node.mapping else {
            reader.mismatch(
                node, for: "capture",
                expected: "a mapping of variable names to regular expressions, e.g. { ticket: /T-\\d+/ }")
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
            guard let regex = reader.regex(pair.value, for: "capture.\(name)") else {
                ok = false
                continue
            }
            result.append(Capture(name: name, pattern: regex, location: pair.key.location))
        }
        return ok ? result : nil
    }
}

extension FlowLoadSession {
    func matcher(_ node: YAMLNode, for what: String) -> Matcher? { reader.matcher(node, for: what) }
    func template(_ node: YAMLNode, for what: String, nonEmpty: Bool = false) -> Template? {
        reader.template(node, for: what, nonEmpty: nonEmpty)
    }
}
