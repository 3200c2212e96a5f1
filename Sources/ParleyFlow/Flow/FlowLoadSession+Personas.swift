/// Reading `persona`, `personas` (inline or from files), `scenario` and `simulator`.
extension FlowLoadSession {
    static let personaKeys = ["name", "background", "variables", "replies"]
    static let scenarioKeys = ["name", "objective", "instructions"]

    func persona(_ node: YAMLNode, relativeTo file: String) -> Persona? {
        if node.scalar != nil, !node.isNull {
            guard let relative = reader.nonEmptyString(node, for: "persona") else { return nil }
            if DelimitedTable.isTablePath(relative) {
                sink.error(
                    "`\(relative)` is a table of personas: list it under `personas:` (one flow run per row)",
                    at: node.location)
                return nil
            }
            return personaFile(relative, at: node.location, relativeTo: file)
        }
        guard let map = reader.mapping(node, for: "a persona", keys: Self.personaKeys) else { return nil }
        guard let name = map.require("name").flatMap({ reader.nonEmptyString($0, for: "name") }) else { return nil }
        var persona = Persona(name: name, background: map.string("background"), location: node.location)
        if let vars = map["variables"] {
            guard let entries = reader.stringMap(vars, for: "variables") else { return nil }
            for entry in entries {
                if !isVariableName(entry.key) {
                    sink.error("`\(entry.key)` is not a valid variable name", at: entry.location)
                    return nil
                }
                if entry.key == "name" || entry.key == "background" {
                    sink.error(
                        "`\(entry.key)` is a persona field already; choose another variable name", at: entry.location)
                    return nil
                }
            }
            persona.variables = entries.map { Persona.Variable(name: $0.key, value: $0.value) }
        }
        if let replies = map["replies"] {
            guard let parsed = scriptedReplies(replies) else { return nil }
            persona.replies = parsed
        }
        return persona
    }

    /// `personas:`: a list of personas (inline, persona files or tables), or one table.
    func personaList(_ node: YAMLNode, relativeTo file: String) -> [Persona] {
        let items: [YAMLNode]
        if let text = node.string, DelimitedTable.isTablePath(text) {
            items = [node]
        } else if let sequence = node.sequence {
            items = Array(sequence)
        } else {
            reader.mismatch(
                node, for: "personas", expected: "a list of personas (mappings or file paths), or a .csv or .tsv table")
            return []
        }
        if items.isEmpty {
            sink.error("`personas` needs at least one persona", at: node.location)
            return []
        }
        var result: [Persona] = []
        var names: [String: SourceLocation] = [:]
        for item in items {
            var found: [Persona] = []
            if let text = item.string, item.scalar != nil, DelimitedTable.isTablePath(text) {
                found = personaTable(text, at: item.location, relativeTo: file) ?? []
            } else if let p = persona(item, relativeTo: file) {
                found = [p]
            }
            for p in found {
                // A persona from a table is located at its row; one written in the flow at its item.
                let at = p.location.file == item.location.file ? item.location : p.location
                if let first = names[p.slug] {
                    let place = first.file == at.file ? "line \(first.line)" : "\(first.file):\(first.line)"
                    sink.error("persona `\(p.name)` appears twice (first at \(place))", at: at)
                    continue
                }
                names[p.slug] = at
                result.append(p)
            }
        }
        return result
    }

    private func personaFile(_ relative: String, at location: SourceLocation, relativeTo file: String) -> Persona? {
        let path = resolve(relative, relativeTo: file)
        if let cached = personaCache[path] { return cached }
        var result: Persona?
        if let bytes = readFile(path, at: location), let parsed = parseYAML(bytes, file: path) {
            if let root = parsed {
                if root.mapping != nil {
                    result = persona(root, relativeTo: path)
                } else {
                    reader.mismatch(root, for: "a persona file", expected: "a mapping with `name`")
                }
            } else {
                sink.error("the persona file is empty", at: SourceLocation(file: path, line: 1, column: 1))
            }
        }
        personaCache[path] = .some(result)
        return result
    }

    func scriptedReplies(_ node: YAMLNode) -> [ScriptedReply]? {
        guard let items = node.sequence else {
            reader.mismatch(node, for: "replies", expected: "a list of `{ when: pattern, say: text }` entries")
            return nil
        }
        var result: [ScriptedReply] = []
        var ok = true
        for item in items {
            guard let map = reader.mapping(item, for: "a scripted reply", keys: ["when", "say"]) else {
                ok = false
                continue
            }
            let when = map["when"].flatMap { matcher($0, for: "when") }
            if map.has("when"), when == nil { ok = false }
            guard let sayNode = map.require("say") else {
                ok = false
                continue
            }
            let nodes = sayNode.asList
            let says = nodes.map { template($0, for: "say", nonEmpty: true) }
            guard !says.isEmpty, says.allSatisfy({ $0 != nil }) else {
                if nodes.isEmpty { sink.error("`say` needs at least one reply", at: sayNode.location) }
                ok = false
                continue
            }
            result.append(ScriptedReply(when: when, say: says.compactMap { $0 }, location: item.location))
        }
        return ok ? result : nil
    }

    func scenario(_ node: YAMLNode, relativeTo file: String? = nil) -> Scenario? {
        if let file, node.scalar != nil, !node.isNull {
            guard let relative = reader.nonEmptyString(node, for: "scenario") else { return nil }
            if DelimitedTable.isTablePath(relative) {
                sink.error(
                    "`\(relative)` is a table of scenarios: list it under `scenarios:` (one flow run per row)",
                    at: node.location)
                return nil
            }
            return scenarioFile(relative, at: node.location, relativeTo: file)
        }
        guard let map = reader.mapping(node, for: "a scenario", keys: Self.scenarioKeys) else { return nil }
        return Scenario(
            name: map.string("name"), objective: map.string("objective"), instructions: map.string("instructions"))
    }

    func simulatorChoice(_ node: YAMLNode) -> SimulatorChoice? {
        var valueNode = node
        if node.mapping != nil {
            guard let map = reader.mapping(node, for: "`simulator`", keys: ["from"]), let from = map.require("from")
            else { return nil }
            valueNode = from
        }
        guard let name = reader.nonEmptyString(valueNode, for: "simulator") else { return nil }
        return SimulatorChoice(name: name)
    }
}
