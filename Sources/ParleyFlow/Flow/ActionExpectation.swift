/// Where an action assertion looks: the latest agent reply, or every turn so far.
public enum ActionScope: String, Sendable, Hashable {
    /// The actions of the latest agent reply (the default).
    case turn
    /// The actions of every agent turn so far.
    case conversation

    /// How the scope reads in a message.
    public var phrase: String {
        switch self {
        case .turn: "in the latest reply"
        case .conversation: "in the conversation so far"
        }
    }
}

/// An `expect_tool` step: tool calls matching a name, arguments and result, counted in a scope.
public struct ToolExpectation: Sendable {
    /// The tool's name (or id).
    public var name: Matcher
    /// Patterns on top-level arguments, by argument name, in written order.
    public var arguments: [(key: String, matcher: Matcher)]
    /// A pattern on the tool's result text.
    public var result: Matcher?
    public var scope: ActionScope
    /// How many matching calls there must be: `times` sets both bounds; default at least one.
    public var min: Int
    public var max: Int?

    public init(
        name: Matcher, arguments: [(key: String, matcher: Matcher)] = [], result: Matcher? = nil,
        scope: ActionScope = .turn, min: Int = 1, max: Int? = nil
    ) {
        self.name = name
        self.arguments = arguments
        self.result = result
        self.scope = scope
        self.min = min
        self.max = max
    }

    /// `a call of tool /order-lookup/ with order_number "ORD-1"`, for messages.
    public var summary: String {
        var text = "a call of tool \(name.summary)"
        if !arguments.isEmpty {
            text += " with " + arguments.map { "\($0.key) \($0.matcher.summary)" }.joined(separator: ", ")
        }
        if let result { text += " whose result matches \(result.summary)" }
        return text
    }

    /// `at least once`, `exactly 2 times`, `at most 3 times`...
    public var countPhrase: String {
        func times(_ n: Int) -> String { n == 1 ? "once" : "\(n) times" }
        switch (min, max) {
        case (let lo, let hi?) where lo == hi: return "exactly \(times(lo))"
        case (0, let hi?): return "at most \(times(hi))"
        case (let lo, let hi?): return "between \(lo) and \(hi) times"
        case (let lo, nil): return "at least \(times(lo))"
        }
    }
}

/// An `expect_no_tool` step: no tool call whose name matches, in a scope.
public struct NoToolExpectation: Sendable {
    public var name: Matcher
    public var scope: ActionScope

    public init(name: Matcher, scope: ActionScope = .turn) {
        self.name = name
        self.scope = scope
    }
}

/// An `expect_state` step: the agent moved into a state whose name matches, in a scope.
public struct StateExpectation: Sendable {
    public var state: Matcher
    public var scope: ActionScope

    public init(state: Matcher, scope: ActionScope = .turn) {
        self.state = state
        self.scope = scope
    }
}

/// An `expect_tools` step: several tools called, in the given order when `ordered`.
public struct ToolSequenceExpectation: Sendable {
    public var sequence: [Matcher]
    /// True: the calls appear in this order (other calls may come between them).
    public var ordered: Bool
    public var scope: ActionScope

    public init(sequence: [Matcher], ordered: Bool = true, scope: ActionScope = .turn) {
        self.sequence = sequence
        self.ordered = ordered
        self.scope = scope
    }
}
