import ParleyFlow
import ParleyJSON

/// Why a model's answer is not the suite `parley generate` asked for.
public struct GenerationFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The answer as received, for the user to see what came back.
    public var answer: String

    public init(_ message: String, answer: String) {
        self.message = message
        self.answer = answer
    }

    public var description: String { message }
}

/// A model's answer to ``GenerationPrompt``, read strictly, and the files it becomes.
public struct GeneratedSuite: Sendable {
    public struct GeneratedPersona: Sendable, Hashable {
        public var name: String
        public var background: String
        public var variables: [Persona.Variable]
        public var adversarial: Bool
        /// Criteria the agent must hold to whatever this persona tries, added to each of its flows'
        /// criteria: at least one for an adversarial persona (it refuses, it reveals nothing).
        public var mustHold: [String]
    }

    public struct GeneratedFlow: Sendable, Hashable {
        public var name: String
        public var description: String
        public var persona: String
        public var scenario: String
        public var opening: String
        /// A regular expression (without slashes); empty when no reply ends the simulation.
        public var until: String
        public var maxTurns: Int
        public var criteria: [String]
        public var expectTools: [String]
        public var forbidTools: [String]
    }

    public var personas: [GeneratedPersona]
    public var scenarios: [Scenario]
    public var flows: [GeneratedFlow]

    // MARK: - Reading

    /// Reads an answer: exactly the schema's shape — every member present with its type, nothing
    /// else, names unique, each flow's persona and scenario among those given.
    public static func parse(_ text: String) throws(GenerationFailure) -> GeneratedSuite {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: text.trimmingSpaces)
        } catch {
            throw GenerationFailure("the answer is not JSON (\(error))", answer: text)
        }
        let reader = Reader(answer: text)
        let root = try reader.object(json, "the answer", keys: ["personas", "scenarios", "flows"])
        var personas: [GeneratedPersona] = []
        for item in try reader.array(root["personas"], "`personas`") {
            let fields = try reader.object(
                item, "a persona", keys: ["name", "background", "variables", "adversarial", "must_hold"])
            var variables: [Persona.Variable] = []
            for entry in try reader.array(fields["variables"], "a persona's `variables`") {
                let variable = try reader.object(entry, "a variable", keys: ["name", "value"])
                variables.append(
                    Persona.Variable(
                        name: try reader.text(variable["name"], "a variable's `name`"),
                        value: try reader.text(variable["value"], "a variable's `value`", allowEmpty: true)))
            }
            let persona = GeneratedPersona(
                name: try reader.text(fields["name"], "a persona's `name`"),
                background: try reader.text(fields["background"], "a persona's `background`", allowEmpty: true),
                variables: variables,
                adversarial: try reader.bool(fields["adversarial"], "a persona's `adversarial`"),
                mustHold: try reader.texts(fields["must_hold"], "a persona's `must_hold`"))
            // An attack without a criterion would be run and never graded: the suite would pass
            // whatever the agent gave away.
            if persona.adversarial, persona.mustHold.isEmpty {
                throw reader.fail(
                    "adversarial persona `\(persona.name)` has no `must_hold`: nothing says what the agent must hold to"
                )
            }
            personas.append(persona)
        }
        var scenarios: [Scenario] = []
        for item in try reader.array(root["scenarios"], "`scenarios`") {
            let fields = try reader.object(item, "a scenario", keys: ["name", "objective", "instructions"])
            scenarios.append(
                Scenario(
                    name: try reader.text(fields["name"], "a scenario's `name`"),
                    objective: try reader.text(fields["objective"], "a scenario's `objective`"),
                    instructions: try reader.text(
                        fields["instructions"], "a scenario's `instructions`", allowEmpty: true)))
        }
        var flows: [GeneratedFlow] = []
        let flowKeys = [
            "name", "description", "persona", "scenario", "opening", "until", "max_turns", "criteria", "expect_tools",
            "forbid_tools",
        ]
        for item in try reader.array(root["flows"], "`flows`") {
            let fields = try reader.object(item, "a flow", keys: flowKeys)
            guard let turns = fields["max_turns"]?.int else {
                throw GenerationFailure("a flow's `max_turns` is not a whole number", answer: text)
            }
            flows.append(
                GeneratedFlow(
                    name: try reader.text(fields["name"], "a flow's `name`"),
                    description: try reader.text(fields["description"], "a flow's `description`", allowEmpty: true),
                    persona: try reader.text(fields["persona"], "a flow's `persona`"),
                    scenario: try reader.text(fields["scenario"], "a flow's `scenario`"),
                    opening: try reader.text(fields["opening"], "a flow's `opening`"),
                    until: try reader.text(fields["until"], "a flow's `until`", allowEmpty: true),
                    maxTurns: turns,
                    criteria: try reader.texts(fields["criteria"], "a flow's `criteria`"),
                    expectTools: try reader.texts(fields["expect_tools"], "a flow's `expect_tools`"),
                    forbidTools: try reader.texts(fields["forbid_tools"], "a flow's `forbid_tools`")))
        }
        guard !flows.isEmpty else { throw GenerationFailure("the answer has no flows", answer: text) }
        try reader.unique(personas.map(\.name), "persona")
        try reader.unique(scenarios.compactMap(\.name), "scenario")
        try reader.unique(flows.map(\.name), "flow")
        for flow in flows {
            guard personas.contains(where: { $0.name == flow.persona }) else {
                throw GenerationFailure(
                    "flow `\(flow.name)` names persona `\(flow.persona)`, which is not given", answer: text)
            }
            guard scenarios.contains(where: { $0.name == flow.scenario }) else {
                throw GenerationFailure(
                    "flow `\(flow.name)` names scenario `\(flow.scenario)`, which is not given", answer: text)
            }
        }
        return GeneratedSuite(personas: personas, scenarios: scenarios, flows: flows)
    }

    /// Strict reading of the answer's members, every failure carrying the whole answer.
    struct Reader {
        let answer: String

        func fail(_ message: String) -> GenerationFailure { GenerationFailure(message, answer: answer) }

        func object(_ value: JSONValue?, _ what: String, keys: [String]) throws(GenerationFailure) -> JSONValue {
            guard let value, let members = value.object else {
                throw fail("\(what) is \(value?.kindDescription ?? "missing"), not an object")
            }
            if let extra = members.first(where: { !keys.contains($0.0) }) {
                throw fail("\(what) has an unexpected member `\(extra.0)`")
            }
            if let missing = keys.first(where: { value[$0] == nil }) {
                throw fail("\(what) has no `\(missing)`")
            }
            return value
        }

        func array(_ value: JSONValue?, _ what: String) throws(GenerationFailure) -> [JSONValue] {
            guard let items = value?.array else {
                throw fail("\(what) is \(value?.kindDescription ?? "missing"), not a list")
            }
            return items
        }

        func text(_ value: JSONValue?, _ what: String, allowEmpty: Bool = false) throws(GenerationFailure) -> String {
            guard let text = value?.string else {
                throw fail("\(what) is \(value?.kindDescription ?? "missing"), not text")
            }
            if !allowEmpty, text.isBlank { throw fail("\(what) is empty") }
            return text.trimmingSpaces
        }

        func texts(_ value: JSONValue?, _ what: String) throws(GenerationFailure) -> [String] {
            var result: [String] = []
            for item in try array(value, what) { result.append(try text(item, "an item of \(what)")) }
            return result
        }

        func bool(_ value: JSONValue?, _ what: String) throws(GenerationFailure) -> Bool {
            guard let flag = value?.bool else {
                throw fail("\(what) is \(value?.kindDescription ?? "missing"), not true or false")
            }
            return flag
        }

        func unique(_ names: [String], _ what: String) throws(GenerationFailure) {
            var seen: Set<String> = []
            for name in names where !seen.insert(Slug.make(name)).inserted {
                throw fail("two \(what)s are called `\(name)`")
            }
        }
    }
}
