import ParleyFlow

/// A tool a state calls on entry: `tool: { id, version, input: {…}, result: {…} }`. Input and
/// result values are templates over remembered and derived values, so the same conversation
/// always makes the same call with the same result.
public struct AgentTool: Sendable {
    public var id: String
    public var version: String
    public var input: [(name: String, value: Template)]
    public var result: [(name: String, value: Template)]
    /// How long the call is reported to take, in seconds.
    public var duration: Double
    public var location: SourceLocation
}

/// A dynamic behaviour: when a user message matches, the agent selects it for the turn and says
/// its words before anything else (`behaviors: [{ name, when, say }]`).
public struct AgentBehavior: Sendable {
    public var name: String
    public var when: Matcher
    public var say: [Template]
    public var location: SourceLocation
}

/// Something the demo agent did during a turn, in order.
public enum DemoAction: Sendable, Hashable {
    /// A dynamic behaviour selected for the turn (and the one selected before it, if any).
    case behavior(name: String, previous: String?)
    /// A move between states.
    case transition(DemoTransition)
    /// A tool call, with its input and result rendered.
    case tool(DemoToolCall)
}

/// One tool call as made: values rendered, result as an ordered list of fields.
public struct DemoToolCall: Sendable, Hashable {
    public var id: String
    public var version: String
    public var input: [DemoField]
    public var result: [DemoField]
    public var duration: Double
}

/// A name and a rendered value.
public struct DemoField: Sendable, Hashable {
    public var name: String
    public var value: String

    /// Creates a field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
