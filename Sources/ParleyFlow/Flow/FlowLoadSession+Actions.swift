/// Reading the assertions on what the agent did: `expect_tool`, `expect_no_tool`, `expect_state`,
/// `expect_tools`.
extension FlowLoadSession {
    func toolExpectation(_ node: YAMLNode) -> ToolExpectation? {
        guard isOptionMapping(node, options: ["name"]) else {
            return matcher(node, for: "expect_tool").map { ToolExpectation(name: $0) }
        }
        let keys = ["name", "args", "result", "in", "times", "min", "max"]
        guard let map = reader.mapping(node, for: "`expect_tool`", keys: keys) else { return nil }
        var ok = true
        let name = map.require("name").flatMap { matcher($0, for: "name") }
        if name == nil { ok = false }
        var arguments: [(key: String, matcher: Matcher)] = []
        if let argsNode = map["args"] {
            if let pairs = argsNode.mapping {
                for pair in pairs {
                    guard let key = pair.key.string else { continue }
                    if let m = matcher(pair.value, for: "args.\(key)") {
                        arguments.append((key, m))
                    } else {
                        ok = false
                    }
                }
            } else {
                reader.mismatch(argsNode, for: "args", expected: "a mapping of argument names to patterns")
                ok = false
            }
        }
        let result = map["result"].flatMap { matcher($0, for: "result") }
        if map.has("result"), result == nil { ok = false }
        let scope = actionScope(map)
        if map.has("in"), scope == nil { ok = false }
        var lower = 1
        var upper: Int?
        if let timesNode = map["times"] {
            if map.has("min") || map.has("max") {
                sink.error("`times` sets an exact count; use it without `min` and `max`", at: timesNode.location)
                ok = false
            }
            if let n = reader.int(timesNode, for: "times", in: 0...10_000) {
                lower = n
                upper = n
            } else {
                ok = false
            }
        }
        if let minNode = map["min"] {
            if let n = reader.int(minNode, for: "min", in: 0...10_000) { lower = n } else { ok = false }
        } else if map.has("max"), !map.has("times") {
            lower = 0
        }
        if let maxNode = map["max"] {
            if let n = reader.int(maxNode, for: "max", in: 0...10_000) {
                upper = n
                if n < lower {
                    sink.error("`max` (\(n)) is below `min` (\(lower))", at: maxNode.location)
                    ok = false
                }
            } else {
                ok = false
            }
        }
        guard ok, let name else { return nil }
        return ToolExpectation(
            name: name, arguments: arguments, result: result, scope: scope ?? .turn, min: lower, max: upper)
    }

    func noToolExpectation(_ node: YAMLNode) -> NoToolExpectation? {
        guard isOptionMapping(node, options: ["name"]) else {
            return matcher(node, for: "expect_no_tool").map { NoToolExpectation(name: $0) }
        }
        guard let map = reader.mapping(node, for: "`expect_no_tool`", keys: ["name", "in"]) else { return nil }
        let name = map.require("name").flatMap { matcher($0, for: "name") }
        let scope = actionScope(map)
        guard let name, !map.has("in") || scope != nil else { return nil }
        return NoToolExpectation(name: name, scope: scope ?? .turn)
    }

    func stateExpectation(_ node: YAMLNode) -> StateExpectation? {
        guard isOptionMapping(node, options: ["state"]) else {
            return matcher(node, for: "expect_state").map { StateExpectation(state: $0) }
        }
        guard let map = reader.mapping(node, for: "`expect_state`", keys: ["state", "in"]) else { return nil }
        let state = map.require("state").flatMap { matcher($0, for: "state") }
        let scope = actionScope(map)
        guard let state, !map.has("in") || scope != nil else { return nil }
        return StateExpectation(state: state, scope: scope ?? .turn)
    }

    func toolSequenceExpectation(_ node: YAMLNode) -> ToolSequenceExpectation? {
        var sequenceNode = node
        var map: MappingReader?
        if node.mapping != nil {
            guard let m = reader.mapping(node, for: "`expect_tools`", keys: ["sequence", "ordered", "in"]),
                let s = m.require("sequence")
            else { return nil }
            map = m
            sequenceNode = s
        }
        guard let items = sequenceNode.sequence else {
            reader.mismatch(sequenceNode, for: "sequence", expected: "a list of tool name patterns")
            return nil
        }
        guard !items.isEmpty else {
            sink.error("`sequence` needs at least one tool", at: sequenceNode.location)
            return nil
        }
        let matchers = items.compactMap { matcher($0, for: "sequence") }
        var ok = matchers.count == items.count
        var ordered = true
        if let orderedNode = map?["ordered"] {
            if let value = reader.bool(orderedNode, for: "ordered") { ordered = value } else { ok = false }
        }
        let scope = map.flatMap { actionScope($0) }
        if map?.has("in") == true, scope == nil { ok = false }
        return ok ? ToolSequenceExpectation(sequence: matchers, ordered: ordered, scope: scope ?? .turn) : nil
    }

    /// `in: turn` or `in: conversation`; `nil` (reported) for anything else or when absent.
    private func actionScope(_ map: MappingReader) -> ActionScope? {
        guard let node = map["in"], let text = reader.string(node, for: "in") else { return nil }
        guard let scope = ActionScope(rawValue: text) else {
            sink.error("`in` must be `turn` (the latest reply) or `conversation`, not `\(text)`", at: node.location)
            return nil
        }
        return scope
    }

    /// True when `node` is a mapping of options (it has one of `options`, or none of the pattern
    /// forms), false when it is a pattern written as a mapping (`{ regex: … }`, `{ any: … }`).
    private func isOptionMapping(_ node: YAMLNode, options: [String]) -> Bool {
        guard let pairs = node.mapping else { return false }
        let keys = pairs.compactMap { $0.key.string }
        if keys.contains(where: { options.contains($0) }) { return true }
        return !keys.contains(where: { NodeReader.matcherKeys.contains($0) })
    }
}
