/// What the agent did in answer to one input.
public struct DemoTurn: Sendable, Hashable {
    /// The agent's messages, in order (a route's reply, then the next state's words).
    public var messages: [String]
    /// True when the agent ended the conversation with this turn.
    public var completed: Bool
    /// Events raised during the turn, such as an escalation.
    public var events: [DemoEvent]
    /// State changes during the turn, in order.
    public var transitions: [DemoTransition]
    /// Everything the agent did during the turn — behaviours, transitions, tool calls — in order.
    public var actions: [DemoAction] = []

    /// Creates a turn from its parts.
    public init(
        messages: [String] = [], completed: Bool = false, events: [DemoEvent] = [], transitions: [DemoTransition] = []
    ) {
        self.messages = messages
        self.completed = completed
        self.events = events
        self.transitions = transitions
    }

    /// The tool calls of the turn, in order.
    public var toolCalls: [DemoToolCall] {
        actions.compactMap {
            if case .tool(let call) = $0 { return call }
            return nil
        }
    }

    /// The messages as one text, separated by single spaces (for protocols with one message per turn).
    public var text: String { messages.joined(separator: " ") }
}

/// Something the agent raised besides text.
public struct DemoEvent: Sendable, Hashable {
    /// `escalation`, or whatever name the script gives.
    public var kind: String
    /// The state the agent was in when it was raised.
    public var state: String

    /// Creates an event raised in `state`.
    public init(kind: String, state: String) {
        self.kind = kind
        self.state = state
    }
}

/// One move from a state to another, and why.
public struct DemoTransition: Sendable, Hashable {
    /// The state left.
    public var from: String
    /// The state entered.
    public var to: String
    /// The pattern that chose the route, or `fallback`.
    public var reason: String

    /// Creates a transition from its parts.
    public init(from: String, to: String, reason: String) {
        self.from = from
        self.to = to
        self.reason = reason
    }
}
