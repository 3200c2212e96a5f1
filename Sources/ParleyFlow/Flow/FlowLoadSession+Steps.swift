/// Reading `steps:` lists, one step kind at a time, with `include` expanded in place.
extension FlowLoadSession {
    static let maxIncludeDepth = 16
    static let stepKinds = StepKind.allCases.map(\.rawValue)
    /// Step kinds by name: a lookup, where `init(rawValue:)` compares the name with every kind's.
    static let stepKindsByName = Dictionary(uniqueKeysWithValues: StepKind.allCases.map { ($0.rawValue, $0) })
    /// Step kinds that need no argument and may be written bare: `- end`.
    static let bareSteps: Set<String> = ["end", "recommend"]

    func stepList(_ node: YAMLNode, file: String, includeStack: [String]) -> [Step] {
        guard let items = node.sequence else {
            reader.mismatch(node, for: "steps", expected: "a list of steps")
            return []
        }
        var steps: [Step] = []
        steps.reserveCapacity(items.count)
        for item in items {
            step(item, file: file, includeStack: includeStack, into: &steps)
        }
        return steps
    }

    /// One list item, appended to `steps`; an `include` appends the included file's steps.
    private func step(_ item: YAMLNode, file: String, includeStack: [String], into steps: inout [Step]) {
        if let word = item.string, item.scalar?.style == .plain {
            if Self.bareSteps.contains(word) {
                parseStep(
                    kind: word, value: YAMLNode(scalar: YAMLScalar(value: ""), at: item.location),
                    at: item.location, file: file, includeStack: includeStack, into: &steps)
                return
            }
            let hint = Suggestion.nearest(to: word, in: Self.stepKinds).map { " (did you mean `- \($0): ...`?)" } ?? ""
            sink.error("a step is a mapping such as `- send: Hello`, not the text `\(word)`\(hint)", at: item.location)
            return
        }
        guard let pairs = item.mapping else {
            reader.mismatch(item, for: "a step", expected: "a mapping such as `send: Hello`")
            return
        }
        guard let first = pairs.first, let kind = first.key.string else {
            sink.error("a step needs a kind, such as `send:` or `expect:`", at: item.location)
            return
        }
        if pairs.count > 1 {
            let others = pairs.dropFirst().compactMap { $0.key.string }
            if others.allSatisfy({ Self.stepKinds.contains($0) }) {
                sink.error(
                    "one step per list item: `\(kind)` and `\(others[0])` are in the same item; start each step with "
                        + "`- `",
                    at: pairs[1].key.location)
            } else {
                let bad = pairs[1]
                let hint = Suggestion.hint(
                    for: bad.key.string ?? "", in: ["pattern", "capture", "within", "until", "max_turns", "pick"])
                sink.error(
                    "unexpected `\(bad.key.string ?? "?")` beside `\(kind)`; options of a step go inside it, e.g. "
                        + "`\(kind): { ... }`\(hint)",
                    at: bad.key.location)
            }
            return
        }
        parseStep(
            kind: kind, value: first.value, at: first.key.location, file: file, includeStack: includeStack, into: &steps
        )
    }

    private func parseStep(
        kind: String, value: YAMLNode, at location: SourceLocation, file: String, includeStack: [String],
        into steps: inout [Step]
    ) {
        guard let stepKind = Self.stepKindsByName[kind] else {
            sink.error("unknown step `\(kind)`\(Suggestion.hint(for: kind, in: Self.stepKinds))", at: location)
            return
        }
        let action: StepAction?
        switch stepKind {
        case .include:
            steps += include(value, at: location, file: file, includeStack: includeStack)
            return
        case .send:
            action = template(value, for: "send", nonEmpty: true).map(StepAction.send)
        case .expect:
            action = expectation(value).map(StepAction.expect)
        case .expectNot:
            action = negatedExpectation(value).map(StepAction.expectNot)
        case .wait:
            if let d = reader.duration(value, for: "wait") { action = .wait(d) } else { action = nil }
        case .set:
            action = assignments(value).map(StepAction.set)
        case .end:
            action = noArguments(value, for: "end") ? .end : nil
        case .recommend:
            action = recommendOptions(value).map(StepAction.recommend)
        case .simulate:
            action = simulateOptions(value).map(StepAction.simulate)
        case .event:
            action = eventText(value).map(StepAction.event)
        case .tag:
            action = tagChange(value).map(StepAction.tag)
        case .insights:
            action = insightsExpectation(value).map(StepAction.insights)
        case .expectTool:
            action = toolExpectation(value).map(StepAction.expectTool)
        case .expectNoTool:
            action = noToolExpectation(value).map(StepAction.expectNoTool)
        case .expectState:
            action = stateExpectation(value).map(StepAction.expectState)
        case .expectTools:
            action = toolSequenceExpectation(value).map(StepAction.expectTools)
        case .judge:
            action = judgeSpec(value, at: location).map(StepAction.judge)
        }
        if let action { steps.append(Step(action, at: location)) }
    }

    private func include(_ value: YAMLNode, at location: SourceLocation, file: String, includeStack: [String]) -> [Step]
    {
        var pathNode = value
        if value.mapping != nil {
            guard let map = reader.mapping(value, for: "`include`", keys: ["file"]), let node = map.require("file")
            else { return [] }
            pathNode = node
        }
        guard let relative = reader.nonEmptyString(pathNode, for: "include") else { return [] }
        let path = resolve(relative, relativeTo: file)
        if includeStack.contains(path) {
            sink.error(
                "`\(relative)` includes itself (\((includeStack + [path]).joined(separator: " → ")))",
                at: pathNode.location)
            return []
        }
        if includeStack.count >= Self.maxIncludeDepth {
            sink.error("includes nest deeper than \(Self.maxIncludeDepth) files", at: pathNode.location)
            return []
        }
        if let cached = includeCache[path] { return cached ?? [] }
        guard let bytes = readFile(path, at: pathNode.location), let parsed = parseYAML(bytes, file: path) else {
            includeCache[path] = .some(nil)
            return []
        }
        guard let root = parsed else {
            sink.error(
                "the included file is empty; it should hold a list of steps",
                at: SourceLocation(file: path, line: 1, column: 1))
            includeCache[path] = .some(nil)
            return []
        }
        var stepsNode = root
        if root.mapping != nil {
            guard let map = reader.mapping(root, for: "an included file", keys: ["description", "steps"]),
                let node = map.require("steps")
            else {
                includeCache[path] = .some(nil)
                return []
            }
            stepsNode = node
        }
        let steps = stepList(stepsNode, file: path, includeStack: includeStack + [path])
        includeCache[path] = steps
        return steps
    }

    // MARK: - Step arguments

    private func noArguments(_ node: YAMLNode, for what: String) -> Bool {
        if node.isNull || node.mapping?.isEmpty == true { return true }
        if let b = node.scalar, b.value == "true", b.style == .plain { return true }
        reader.mismatch(node, for: what, expected: "empty (`- \(what)` or `- \(what): {}`)")
        return false
    }

    private func assignments(_ node: YAMLNode) -> [(name: String, value: Template)]? {
        guard let pairs = node.mapping else {
            reader.mismatch(node, for: "set", expected: "a mapping of variable names to values")
            return nil
        }
        var result: [(String, Template)] = []
        for pair in pairs {
            guard let name = pair.key.string else { continue }
            guard isVariableName(name) else {
                sink.error(
                    "`\(name)` is not a valid variable name (letters, digits, `_` and `-`, starting with a letter)",
                    at: pair.key.location)
                continue
            }
            if ["persona", "scenario", "env"].contains(name) {
                sink.error("`\(name)` is reserved for `${\(name).…}`; choose another name", at: pair.key.location)
                continue
            }
            if let t = template(pair.value, for: "set.\(name)") { result.append((name, t)) }
        }
        return result
    }

    func isVariableName(_ name: String) -> Bool { VariableReference.isIdentifier(name) }

    private func pick(_ node: YAMLNode) -> PickStrategy? {
        guard let text = reader.string(node, for: "pick") else { return nil }
        switch text {
        case "first": return .first
        case "random": return .random
        default:
            if let i = Int(text), i >= 0 { return .index(i) }
            sink.error(
                "`pick` must be `first`, `random` or a candidate number (0 is the first), not `\(text)`",
                at: node.location)
            return nil
        }
    }

    private func recommendOptions(_ node: YAMLNode) -> RecommendOptions? {
        if node.isNull || node.mapping?.isEmpty == true { return RecommendOptions() }
        guard let map = reader.mapping(node, for: "`recommend`", keys: ["pick"]) else { return nil }
        var options = RecommendOptions()
        if let p = map["pick"] {
            guard let strategy = pick(p) else { return nil }
            options.pick = strategy
        }
        return options
    }

    private func simulateOptions(_ node: YAMLNode) -> SimulateOptions? {
        guard let map = reader.mapping(node, for: "`simulate`", keys: ["until", "max_turns", "on_max", "pick"]) else {
            return nil
        }
        var ok = true
        let until = map["until"].flatMap { matcher($0, for: "until") }
        if map.has("until"), until == nil { ok = false }
        var maxTurns = 10
        if let n = map["max_turns"] {
            if let value = reader.int(n, for: "max_turns", in: 1...100) { maxTurns = value } else { ok = false }
        }
        var passOnMax = false
        if let n = map["on_max"] {
            switch reader.string(n, for: "on_max") {
            case "pass": passOnMax = true
            case "fail": passOnMax = false
            case let other?:
                sink.error("`on_max` must be `fail` or `pass`, not `\(other)`", at: n.location)
                ok = false
            case nil: ok = false
            }
        }
        var strategy = PickStrategy.first
        if let p = map["pick"] {
            if let s = pick(p) { strategy = s } else { ok = false }
        }
        if until == nil, !passOnMax, map.has("until") == false {
            sink.error("`simulate` needs `until:` (a pattern that ends it) or `on_max: pass`", at: node.location)
            ok = false
        }
        return ok ? SimulateOptions(until: until, maxTurns: maxTurns, passOnMax: passOnMax, pick: strategy) : nil
    }

    private func eventText(_ node: YAMLNode) -> Template? {
        if node.mapping != nil {
            guard let map = reader.mapping(node, for: "`event`", keys: ["message"]), let text = map.require("message")
            else { return nil }
            return template(text, for: "message", nonEmpty: true)
        }
        return template(node, for: "event", nonEmpty: true)
    }

    private func tagChange(_ node: YAMLNode) -> TagChange? {
        guard let map = reader.mapping(node, for: "`tag`", keys: ["set", "remove"]) else { return nil }
        var change = TagChange(set: [], remove: [])
        var ok = true
        if let setNode = map["set"] {
            if let pairs = setNode.mapping {
                for pair in pairs {
                    guard let key = pair.key.string else { continue }
                    if let problem = ConversationTags.problem(withKey: key) {
                        sink.error(problem, at: pair.key.location)
                        ok = false
                    }
                    guard let value = template(pair.value, for: "tag.set.\(key)") else {
                        ok = false
                        continue
                    }
                    if value.isConstant, let problem = ConversationTags.problem(withValue: value.raw) {
                        sink.error(problem, at: pair.value.location)
                        ok = false
                    }
                    change.set.append((key, value))
                }
            } else {
                reader.mismatch(setNode, for: "set", expected: "a mapping of tag names to values")
                ok = false
            }
        }
        if let removeNode = map["remove"] {
            if let keys = tagRemovals(removeNode, setting: Set(change.set.map(\.key))) {
                change.remove = keys
            } else {
                ok = false
            }
        }
        if change.set.isEmpty, change.remove.isEmpty, ok {
            sink.error("`tag` needs `set:` or `remove:`", at: node.location)
            ok = false
        }
        if change.set.count > ConversationTags.maxTags {
            sink.error(
                "a conversation holds at most \(ConversationTags.maxTags) tags; this step sets \(change.set.count)",
                at: node.location)
            ok = false
        }
        return ok ? change : nil
    }

    /// `remove:` names, checked like the names `set:` takes; a name listed twice is removed once, and
    /// a name the same step also sets is refused (which of the two was meant?).
    private func tagRemovals(_ node: YAMLNode, setting: Set<String>) -> [String]? {
        let items: [YAMLNode]
        if let sequence = node.sequence {
            items = Array(sequence)
        } else if node.scalar != nil, !node.isNull {
            items = [node]
        } else {
            reader.mismatch(node, for: "remove", expected: "a tag name or a list of tag names")
            return nil
        }
        var names: [String] = []
        var ok = true
        for item in items {
            guard let name = reader.string(item, for: "remove[]") else {
                ok = false
                continue
            }
            if let problem = ConversationTags.problem(withKey: name) {
                sink.error(problem, at: item.location)
                ok = false
            } else if setting.contains(name) {
                sink.error("tag `\(name)` is both set and removed by this step; keep one", at: item.location)
                ok = false
            } else if names.contains(name) {
                sink.warning("tag `\(name)` is listed twice in `remove`; it is removed once", at: item.location)
            } else {
                names.append(name)
            }
        }
        return ok ? names : nil
    }

    private func insightsExpectation(_ node: YAMLNode) -> InsightsExpectation? {
        guard let map = reader.mapping(node, for: "`insights`", keys: ["state", "action", "objective"]) else {
            return nil
        }
        let result = InsightsExpectation(
            state: map["state"].flatMap { matcher($0, for: "state") },
            action: map["action"].flatMap { matcher($0, for: "action") },
            objective: map["objective"].flatMap { matcher($0, for: "objective") }
        )
        if result.state == nil, result.action == nil, result.objective == nil {
            if !map.has("state"), !map.has("action"), !map.has("objective") {
                sink.error("`insights` needs at least one of `state`, `action`, `objective`", at: node.location)
            }
            return nil
        }
        return result
    }
}
