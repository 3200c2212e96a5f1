import ParleyFlow

/// A file `parley generate` writes, relative to its output folder.
public struct GeneratedFile: Sendable, Hashable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}

/// How generated flows are written for a target.
public struct SuiteLayout: Sendable {
    /// Add a `simulate` step after the opening (the target, or a simulator, can play the customer).
    public var simulate: Bool
    /// Add `expect_tool`/`expect_no_tool` checks (the target reports its tools).
    public var checksActions: Bool
    /// Comment lines at the top of every file, without `# `.
    public var header: [String]
    /// The schema folder, relative to the output folder (`../../schema`), for editors' first line.
    public var schemaDirectory: String?

    public init(simulate: Bool, checksActions: Bool, header: [String], schemaDirectory: String? = nil) {
        self.simulate = simulate
        self.checksActions = checksActions
        self.header = header
        self.schemaDirectory = schemaDirectory
    }
}

extension GeneratedSuite {
    /// One generated flow with the persona and scenario files it names.
    public struct FlowFiles: Sendable {
        public var flow: GeneratedFlow
        public var file: GeneratedFile
        public var persona: GeneratedFile
        public var scenario: GeneratedFile
        public var adversarial: Bool
    }

    /// Every flow as files: `<flow>.yaml`, `_personas/<persona>.yaml`, `_scenarios/<scenario>.yaml`.
    public func files(_ layout: SuiteLayout) -> [FlowFiles] {
        flows.compactMap { flow in
            guard let persona = personas.first(where: { $0.name == flow.persona }),
                let scenario = scenarios.first(where: { $0.name == flow.scenario })
            else { return nil }
            let personaFile = GeneratedFile(
                path: "_personas/\(Slug.make(persona.name)).yaml", text: personaText(persona, layout))
            let scenarioFile = GeneratedFile(
                path: "_scenarios/\(Slug.make(scenario.name ?? "")).yaml", text: scenarioText(scenario, layout))
            let flowFile = GeneratedFile(
                path: "\(Slug.make(flow.name)).yaml",
                text: flowText(
                    flow, of: persona, persona: personaFile.path, scenario: scenarioFile.path, layout))
            return FlowFiles(
                flow: flow, file: flowFile, persona: personaFile, scenario: scenarioFile,
                adversarial: persona.adversarial)
        }
    }

    private func lines(header layout: SuiteLayout, schema: String, depth: Int) -> [String] {
        var lines: [String] = []
        if let directory = layout.schemaDirectory {
            let prefix = String(repeating: "../", count: depth)
            lines.append("# yaml-language-server: $schema=\(prefix)\(directory)/\(schema)")
        }
        return lines + layout.header.map { "# " + $0 }
    }

    func personaText(_ persona: GeneratedPersona, _ layout: SuiteLayout) -> String {
        var lines = lines(header: layout, schema: "persona.schema.json", depth: 1)
        lines.append("name: \(YAMLText.scalar(persona.name))")
        if !persona.background.isEmpty { lines.append("background: \(YAMLText.quoted(persona.background))") }
        if !persona.variables.isEmpty {
            lines.append("variables:")
            for variable in persona.variables {
                lines.append("  \(YAMLText.key(variable.name)): \(YAMLText.quoted(variable.value))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func scenarioText(_ scenario: Scenario, _ layout: SuiteLayout) -> String {
        var lines = lines(header: layout, schema: "scenario.schema.json", depth: 1)
        lines.append("name: \(YAMLText.scalar(scenario.name ?? ""))")
        if let objective = scenario.objective { lines.append("objective: \(YAMLText.quoted(objective))") }
        if let instructions = scenario.instructions, !instructions.isEmpty {
            lines.append("instructions: \(YAMLText.quoted(instructions))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func flowText(
        _ flow: GeneratedFlow, of player: GeneratedPersona, persona: String, scenario: String,
        _ layout: SuiteLayout
    ) -> String {
        let adversarial = player.adversarial
        var lines = lines(header: layout, schema: "flow.schema.json", depth: 0)
        lines.append("flow: \(YAMLText.scalar(Slug.make(flow.name)))")
        if !flow.description.isEmpty { lines.append("description: \(YAMLText.quoted(flow.description))") }
        lines.append("tags: \(YAMLText.list(adversarial ? ["generated", "adversarial"] : ["generated"]))")
        lines.append("persona: \(YAMLText.scalar(persona))")
        lines.append("scenario: \(YAMLText.scalar(scenario))")
        lines.append("steps:")
        lines.append("  - send: \(YAMLText.quoted(flow.opening))")
        if layout.simulate {
            let turns = min(10, max(1, flow.maxTurns))
            if flow.until.isEmpty {
                // Nothing ends it early: the customer keeps trying for the whole budget, and that is fine.
                lines.append("  - simulate: { max_turns: \(turns), on_max: pass }")
            } else {
                lines.append("  - simulate: { until: \(YAMLText.quoted("/\(flow.until)/i")), max_turns: \(turns) }")
            }
        }
        if layout.checksActions {
            for tool in flow.expectTools {
                lines.append("  - expect_tool: { name: \(YAMLText.quoted(tool)), in: conversation }")
            }
            for tool in flow.forbidTools {
                lines.append("  - expect_no_tool: { name: \(YAMLText.quoted(tool)), in: conversation }")
            }
        }
        // What the persona's flows must all hold to comes first, then what this flow asks.
        var criteria: [String] = []
        for criterion in player.mustHold + flow.criteria where !criteria.contains(criterion) {
            criteria.append(criterion)
        }
        if !criteria.isEmpty {
            lines.append("judge:")
            lines.append("  criteria:")
            for criterion in criteria { lines.append("    - \(YAMLText.quoted(criterion))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
