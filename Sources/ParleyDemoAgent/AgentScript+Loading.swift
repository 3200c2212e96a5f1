import Foundation
import ParleyFlow
import ParleyYAML

extension AgentScript {
    static let topKeys = [
        "name", "start", "states", "routes", "events", "fallback", "derived", "behaviors", "simulated_user",
    ]
    static let stateKeys = ["objective", "action", "say", "event", "tool", "end", "routes", "fallback", "recommend"]
    static let toolKeys = ["id", "version", "input", "result", "duration"]
    static let behaviorKeys = ["name", "when", "say"]
    static let routeKeys = ["when", "capture", "requires", "say", "event", "goto"]
    static let fallbackKeys = ["say", "event", "goto"]
    static let derivedKeys = ["from", "one_of", "format"]
    static let simulatedUserKeys = ["goals", "default_goal", "defaults", "goodbye"]
    static let goalKeys = ["objective", "ask", "reached"]
    /// The `recommend` key whose candidates apply to every goal.
    static let anyGoal = "any"

    /// Reads an agent script from a file, reporting every problem to `sink`; `nil` when there are errors.
    public static func load(path: String, sink: DiagnosticSink) -> AgentScript? {
        guard let data = FileManager.default.contents(atPath: path) else {
            sink.error("cannot read agent script `\(path)`", at: SourceLocation(file: path, line: 1, column: 1))
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            sink.error("agent script is not UTF-8 text", at: SourceLocation(file: path, line: 1, column: 1))
            return nil
        }
        return parse(text: text, file: path, sink: sink)
    }

    /// Reads an agent script from text; `file` names it in diagnostics. `nil` when there are errors.
    public static func parse(text: String, file: String, sink: DiagnosticSink) -> AgentScript? {
        sink.register(file: file, text: text)
        let errorsBefore = sink.diagnostics.filter { $0.severity == .error }.count
        let root: YAMLNode
        do {
            guard let parsed = try YAMLParser.parse(text, file: file) else {
                sink.error(
                    "agent script is empty; it needs at least `start` and `states`",
                    at: SourceLocation(file: file, line: 1, column: 1))
                return nil
            }
            root = parsed
        } catch {
            sink.add(error)
            return nil
        }
        let script = AgentScriptReader(reader: NodeReader(sink: sink), file: file).read(root)
        let errorsAfter = sink.diagnostics.filter { $0.severity == .error }.count
        return errorsAfter == errorsBefore ? script : nil
    }
}

/// Reads one script's node tree into an ``AgentScript``, then checks the names it refers to.
struct AgentScriptReader {
    let reader: NodeReader
    let file: String
    /// Names the script refers to, with where; checked once everything is read.
    let references = ScriptReferences()

    func read(_ root: YAMLNode) -> AgentScript? {
        guard let top = reader.mapping(root, for: "the agent script", keys: AgentScript.topKeys) else { return nil }
        let name = top.nonEmptyString("name") ?? "Demo agent"
        let start = top.require("start").flatMap { reader.nonEmptyString($0, for: "start") }
        let startLocation = top["start"]?.location

        var states: [String: AgentState] = [:]
        var order: [String] = []
        if let statesNode = top.require("states") {
            if let pairs = statesNode.mapping {
                if pairs.isEmpty { reader.error("`states` must define at least one state", at: statesNode.location) }
                for pair in pairs {
                    guard let stateName = pair.key.string else { continue }
                    order.append(stateName)
                    if let state = readState(stateName, pair.value, at: pair.key.location) {
                        states[stateName] = state
                    }
                }
            } else {
                reader.mismatch(statesNode, for: "states", expected: "a mapping of state names to states")
            }
        }

        let routes = top["routes"].map { readRoutes($0, for: "routes") } ?? []
        let events = top["events"].map { readRoutes($0, for: "events") } ?? []
        let fallback =
            top["fallback"].flatMap { readFallback($0, for: "fallback") } ?? Self.defaultFallback(at: root.location)
        let derived = top["derived"].map(readDerived) ?? [:]
        let simulatedUser = top["simulated_user"].flatMap(readSimulatedUser) ?? SimulatedUser()

        let behaviors = top["behaviors"].map(readBehaviors) ?? []
        guard let start else { return nil }
        var script = AgentScript(
            name: name, start: start, states: states, stateOrder: order, routes: routes, eventRoutes: events,
            fallback: fallback, derived: derived, simulatedUser: simulatedUser, file: file
        )
        script.behaviors = behaviors
        references.states.append((start, startLocation ?? root.location))
        // Without readable states every state name would be reported; the missing states are enough.
        if order.isEmpty { references.states.removeAll() }
        AgentScriptChecker(script: script, reader: reader, references: references).check()
        return script
    }

    static func defaultFallback(at location: SourceLocation) -> AgentRoute {
        AgentRoute(
            when: nil, captures: [], requires: [],
            say: [Template(literal: "Sorry, I didn't catch that. Could you say it another way?", location: location)],
            event: nil, goto: nil, location: location)
    }

    // MARK: - States

    func readState(_ name: String, _ node: YAMLNode, at location: SourceLocation) -> AgentState? {
        guard let map = reader.mapping(node, for: "state `\(name)`", keys: AgentScript.stateKeys) else { return nil }
        let objective = map.require("objective").flatMap { reader.nonEmptyString($0, for: "objective") }
        let action = map.require("action").flatMap { reader.nonEmptyString($0, for: "action") }
        let say = map["say"].flatMap { readSay($0) } ?? []
        let event = map.nonEmptyString("event")
        let tool = map["tool"].flatMap(readTool)
        let ends = map.bool("end") ?? false
        let routes = map["routes"].map { readRoutes($0, for: "routes") } ?? []
        let fallback = map["fallback"].flatMap { readFallback($0, for: "fallback") }
        let recommend = map["recommend"].flatMap(readRecommend) ?? [:]
        if ends, let node = map["routes"], !routes.isEmpty {
            reader.error("state `\(name)` ends the conversation, so its `routes` are never used", at: node.location)
        }
        guard let objective, let action else { return nil }
        return AgentState(
            name: name, objective: objective, action: action, say: say, event: event, tool: tool, ends: ends,
            routes: routes, fallback: fallback, recommend: recommend, location: location)
    }

    /// `tool: { id, version, input: { name: template }, result: { name: template }, duration }`.
    func readTool(_ node: YAMLNode) -> AgentTool? {
        guard let map = reader.mapping(node, for: "`tool`", keys: AgentScript.toolKeys) else { return nil }
        let id = map.require("id").flatMap { reader.nonEmptyString($0, for: "id") }
        let version = map["version"].flatMap { reader.nonEmptyString($0, for: "version") } ?? "1"
        func fields(_ key: String) -> [(name: String, value: Template)] {
            guard let node = map[key] else { return [] }
            guard let pairs = node.mapping else {
                reader.mismatch(node, for: key, expected: "a mapping of names to values")
                return []
            }
            return pairs.compactMap { pair in
                guard let name = pair.key.string, let value = reader.template(pair.value, for: "\(key).\(name)")
                else { return nil }
                return (name, value)
            }
        }
        let duration = map.double("duration", in: 0...600) ?? 0.25
        guard let id else { return nil }
        return AgentTool(
            id: id, version: version, input: fields("input"), result: fields("result"), duration: duration,
            location: node.location)
    }

    /// `behaviors: [{ name, when, say }]`.
    func readBehaviors(_ node: YAMLNode) -> [AgentBehavior] {
        guard let items = node.sequence else {
            reader.mismatch(node, for: "behaviors", expected: "a list of behaviours")
            return []
        }
        return items.compactMap { item in
            guard let map = reader.mapping(item, for: "a behaviour", keys: AgentScript.behaviorKeys) else { return nil }
            let name = map.require("name").flatMap { reader.nonEmptyString($0, for: "name") }
            let when = map.require("when").flatMap { reader.matcher($0, for: "when") }
            let say = map["say"].flatMap { readSay($0) } ?? []
            guard let name, let when else { return nil }
            return AgentBehavior(name: name, when: when, say: say, location: item.location)
        }
    }

    /// `say: text` or `say: [alternative, ...]`.
    func readSay(_ node: YAMLNode) -> [Template]? {
        if let items = node.sequence {
            if items.isEmpty {
                reader.mismatch(node, for: "say", expected: "text or a non-empty list of alternatives")
                return nil
            }
            let templates = items.map { reader.template($0, for: "say[]") }
            return templates.contains { $0 == nil } ? nil : templates.compactMap { $0 }
        }
        if node.mapping != nil || node.isNull {
            reader.mismatch(node, for: "say", expected: "text or a list of alternatives")
            return nil
        }
        return reader.template(node, for: "say").map { [$0] }
    }

    func readRecommend(_ node: YAMLNode) -> [String: [Template]]? {
        guard let pairs = node.mapping else {
            reader.mismatch(node, for: "recommend", expected: "a mapping of goal names to candidate replies")
            return nil
        }
        var result: [String: [Template]] = [:]
        for pair in pairs {
            guard let goal = pair.key.string else { continue }
            if goal != AgentScript.anyGoal { references.goals.append((goal, pair.key.location)) }
            guard let items = pair.value.sequence else {
                reader.mismatch(pair.value, for: "recommend.\(goal)", expected: "a list of candidate replies")
                continue
            }
            result[goal] = items.compactMap { reader.template($0, for: "recommend.\(goal)[]") }
        }
        return result
    }

    // MARK: - Routes

    func readRoutes(_ node: YAMLNode, for what: String) -> [AgentRoute] {
        guard let items = node.sequence else {
            reader.mismatch(node, for: what, expected: "a list of routes")
            return []
        }
        let routes = items.compactMap(readRoute)
        // A route that takes every message hides the ones after it: almost certainly a mistake.
        if let catchAll = routes.firstIndex(where: \.takesEverything), catchAll + 1 < routes.count {
            let first = routes[catchAll].location
            reader.error(
                "this route is never taken: the route at line \(first.line) takes every message",
                at: routes[catchAll + 1].location)
        }
        return routes
    }

    func readRoute(_ node: YAMLNode) -> AgentRoute? {
        guard let map = reader.mapping(node, for: "a route", keys: AgentScript.routeKeys) else { return nil }
        let when = map["when"].flatMap { reader.matcher($0, for: "when") }
        let captures = map["capture"].map(readCaptures) ?? []
        let requires = map.stringList("requires") ?? []
        if let node = map["requires"] { references.remembered.append(contentsOf: requires.map { ($0, node.location) }) }
        let say = map["say"].flatMap { readSay($0) } ?? []
        let event = map.nonEmptyString("event")
        let goto = map.nonEmptyString("goto")
        if let goto, let node = map["goto"] { references.states.append((goto, node.location)) }
        if map.has("when") && when == nil { return nil }
        if say.isEmpty && goto == nil && event == nil {
            reader.error("a route must `say` something, raise an `event` or `goto` a state", at: node.location)
            return nil
        }
        return AgentRoute(
            when: when, captures: captures, requires: requires, say: say, event: event, goto: goto,
            location: node.location)
    }

    func readFallback(_ node: YAMLNode, for what: String) -> AgentRoute? {
        guard let map = reader.mapping(node, for: "`\(what)`", keys: AgentScript.fallbackKeys) else { return nil }
        let say = map["say"].flatMap { readSay($0) } ?? []
        let event = map.nonEmptyString("event")
        let goto = map.nonEmptyString("goto")
        if let goto, let node = map["goto"] { references.states.append((goto, node.location)) }
        if say.isEmpty && goto == nil {
            reader.error("`\(what)` must `say` something or `goto` a state", at: node.location)
            return nil
        }
        return AgentRoute(
            when: nil, captures: [], requires: [], say: say, event: event, goto: goto, location: node.location)
    }

    func readCaptures(_ node: YAMLNode) -> [AgentCapture] {
        guard let pairs = node.mapping else {
            reader.mismatch(node, for: "capture", expected: "a mapping of names to /regex/")
            return []
        }
        return pairs.compactMap { pair in
            guard let name = pair.key.string else { return nil }
            guard Self.isIdentifier(name) else {
                reader.error("`\(name)` is not a usable name; use letters, digits and `_`", at: pair.key.location)
                return nil
            }
            return reader.regex(pair.value, for: "capture.\(name)").map {
                AgentCapture(name: name, pattern: $0, location: pair.key.location)
            }
        }
    }

    // MARK: - Derived values and the simulated user

    func readDerived(_ node: YAMLNode) -> [String: DerivedValue] {
        guard let pairs = node.mapping else {
            reader.mismatch(node, for: "derived", expected: "a mapping of names to derived values")
            return [:]
        }
        var result: [String: DerivedValue] = [:]
        for pair in pairs {
            guard let name = pair.key.string,
                let map = reader.mapping(pair.value, for: "derived value `\(name)`", keys: AgentScript.derivedKeys)
            else { continue }
            let from = map.require("from").flatMap { reader.nonEmptyString($0, for: "from") }
            if let from, let node = map["from"] { references.remembered.append((from, node.location)) }
            var rule: DerivedValue.Rule?
            switch (map["one_of"], map["format"]) {
            case (let list?, nil):
                if let items = reader.stringList(list, for: "one_of", allowSingle: false) {
                    if items.isEmpty {
                        reader.mismatch(list, for: "one_of", expected: "a non-empty list")
                    } else {
                        rule = .oneOf(items)
                    }
                }
            case (nil, let format?):
                if let text = reader.nonEmptyString(format, for: "format") {
                    if text.contains("#") {
                        rule = .format(text)
                    } else {
                        reader.error(
                            "`format` must contain at least one `#` (each becomes a digit)", at: format.location)
                    }
                }
            default:
                reader.error(
                    "derived value `\(name)` needs exactly one of `one_of` or `format`", at: pair.value.location)
            }
            if let from, let rule {
                result[name] = DerivedValue(name: name, from: from, rule: rule, location: pair.key.location)
            }
        }
        return result
    }

    func readSimulatedUser(_ node: YAMLNode) -> SimulatedUser? {
        guard let map = reader.mapping(node, for: "`simulated_user`", keys: AgentScript.simulatedUserKeys) else {
            return nil
        }
        var goals: [SimulatedGoal] = []
        if let goalsNode = map["goals"] {
            if let pairs = goalsNode.mapping {
                for pair in pairs {
                    guard let name = pair.key.string,
                        let goal = reader.mapping(pair.value, for: "goal `\(name)`", keys: AgentScript.goalKeys)
                    else { continue }
                    let objective = goal["objective"].flatMap { reader.matcher($0, for: "objective") }
                    let ask = goal["ask"].map { templates($0, for: "ask") } ?? []
                    let reached = goal.stringList("reached") ?? []
                    if let node = goal["reached"] {
                        references.states.append(contentsOf: reached.map { ($0, node.location) })
                    }
                    goals.append(SimulatedGoal(name: name, objective: objective, ask: ask, reached: reached))
                }
            } else {
                reader.mismatch(goalsNode, for: "goals", expected: "a mapping of goal names to goals")
            }
        }
        let defaults =
            map["defaults"].flatMap { reader.stringMap($0, for: "defaults") }?
            .map { Persona.Variable(name: $0.key, value: $0.value) } ?? []
        let goodbye = map["goodbye"].map { templates($0, for: "goodbye") } ?? []
        if let goal = map.nonEmptyString("default_goal"), let node = map["default_goal"] {
            references.goals.append((goal, node.location))
        }
        return SimulatedUser(
            goals: goals, defaultGoal: map.nonEmptyString("default_goal"), defaults: defaults, goodbye: goodbye)
    }

    func templates(_ node: YAMLNode, for what: String) -> [Template] {
        guard let items = node.sequence else {
            reader.mismatch(node, for: what, expected: "a list of texts")
            return []
        }
        return items.compactMap { reader.template($0, for: "\(what)[]") }
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
}
