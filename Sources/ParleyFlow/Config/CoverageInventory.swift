/// What an agent can do, for coverage: its states, tools and intents by name.
///
/// Declared under `coverage:` in parley.yaml, or read from the demo agent's own script for the
/// sandbox and `local` targets. Intents are matched against the dynamic behaviours the agent reports
/// selecting (Amigo selects a dynamic behaviour for what the user means).
public struct CoverageInventory: Sendable, Hashable {
    public var states: [String]
    public var tools: [String]
    public var intents: [String]
    /// Where the lists come from, for messages: `parley.yaml`, `the agent script of target \`sandbox\``.
    public var source: String

    public init(states: [String] = [], tools: [String] = [], intents: [String] = [], source: String) {
        self.states = states
        self.tools = tools
        self.intents = intents
        self.source = source
    }

    /// The kinds in report order, with their declared names.
    public var kinds: [(kind: CoverageKind, names: [String])] {
        [(.states, states), (.tools, tools), (.intents, intents)]
    }

    public var isEmpty: Bool { states.isEmpty && tools.isEmpty && intents.isEmpty }

    /// Both inventories' names, each once, in order (for runs against several agents).
    public func merged(with other: CoverageInventory) -> CoverageInventory {
        func union(_ a: [String], _ b: [String]) -> [String] { a + b.filter { !a.contains($0) } }
        return CoverageInventory(
            states: union(states, other.states), tools: union(tools, other.tools),
            intents: union(intents, other.intents), source: source + " and " + other.source)
    }

    static let keys = ["states", "tools", "intents"]
}

/// What coverage counts.
public enum CoverageKind: String, Sendable, Hashable, CaseIterable {
    case states, tools, intents
}
