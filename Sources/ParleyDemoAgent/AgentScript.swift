import ParleyCore

/// A scripted agent: states with objectives, routes chosen by patterns on what the user says,
/// replies, values it remembers, and hints for the simulated user.
///
/// The format is documented at the top of `examples/agents/support-desk.yaml`; load one with
/// ``AgentScript/load(path:sink:)`` or ``AgentScript/parse(text:file:sink:)``, or use the built-in
/// ``AgentScript/supportDesk``.
public struct AgentScript: Sendable {
    /// What the agent is called.
    public var name: String
    /// The state a conversation begins in.
    public var start: String
    /// Every state by name.
    public var states: [String: AgentState]
    /// State names in written order (for messages and listings).
    public var stateOrder: [String]
    /// Routes checked in every state after the state's own.
    public var routes: [AgentRoute]
    /// Routes for external events.
    public var eventRoutes: [AgentRoute]
    /// Taken when no route matches and the state has no fallback of its own.
    public var fallback: AgentRoute
    /// Values computed from remembered ones.
    public var derived: [String: DerivedValue]
    /// How the recommender plays a customer.
    public var simulatedUser: SimulatedUser
    /// The file the script came from.
    public var file: String

    /// The start state (every loaded script has one).
    var startState: AgentState? { states[start] }
}

/// One state of an agent script.
public struct AgentState: Sendable {
    public var name: String
    /// What the agent is trying to achieve here (reported by insights).
    public var objective: String
    /// What the agent does here (reported by insights).
    public var action: String
    /// Said on entering the state; several entries are alternatives picked by the seed.
    public var say: [Template]
    /// Raised on entering the state.
    public var event: String?
    /// Entering the state ends the conversation.
    public var ends: Bool
    /// Checked before the global routes.
    public var routes: [AgentRoute]
    /// Replaces the global fallback in this state.
    public var fallback: AgentRoute?
    /// Candidate user replies by goal name; `any` applies to every goal.
    public var recommend: [String: [Template]]
    public var location: SourceLocation
}

/// A way out of a state: when the message matches, remember, reply, raise an event, move on.
public struct AgentRoute: Sendable {
    /// `nil` takes every message.
    public var when: Matcher?
    /// Values to remember, each from group 1 (or the whole match) of its expression.
    public var captures: [AgentCapture]
    /// Remembered names the route needs before it applies.
    public var requires: [String]
    /// The reply; several entries are alternatives picked by the seed.
    public var say: [Template]
    public var event: String?
    public var goto: String?
    public var location: SourceLocation

    /// True when nothing can stop the route from being taken.
    var takesEverything: Bool { when == nil && captures.isEmpty && requires.isEmpty }
}

/// `capture: { order_id: /(ORD-\d+)/i }`.
public struct AgentCapture: Sendable {
    public var name: String
    public var pattern: RegexPattern
    public var location: SourceLocation
}

/// A value derived from a remembered one, always the same for the same input.
public struct DerivedValue: Sendable {
    public enum Rule: Sendable {
        /// One of the items, chosen by the input.
        case oneOf([String])
        /// Each `#` replaced by a digit chosen by the input.
        case format(String)
    }

    public var name: String
    /// The remembered value it is computed from.
    public var from: String
    public var rule: Rule
    public var location: SourceLocation
}

/// The recommender's knowledge: goals it recognises in a scenario and what the customer says.
public struct SimulatedUser: Sendable {
    /// Goals in written order; the first whose pattern matches the scenario wins.
    public var goals: [SimulatedGoal]
    /// The goal used when no goal's pattern matches.
    public var defaultGoal: String?
    /// Values a persona uses when it has none of its own (an order number...).
    public var defaults: [Persona.Variable]
    /// What the customer says once the goal is reached.
    public var goodbye: [Template]

    public init(goals: [SimulatedGoal] = [], defaultGoal: String? = nil, defaults: [Persona.Variable] = [], goodbye: [Template] = []) {
        self.goals = goals
        self.defaultGoal = defaultGoal
        self.defaults = defaults
        self.goodbye = goodbye
    }
}

/// Something a simulated customer wants: a refund, an order status, a human.
public struct SimulatedGoal: Sendable {
    public var name: String
    /// Recognises the goal in a scenario's objective (or, failing that, its other fields).
    public var objective: Matcher?
    /// How the customer states the need.
    public var ask: [Template]
    /// States in which the goal counts as reached.
    public var reached: [String]
}
