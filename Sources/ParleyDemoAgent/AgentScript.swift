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
    /// Dynamic behaviours, tried in order against each user message.
    public var behaviors: [AgentBehavior] = []
    /// How the recommender plays a customer.
    public var simulatedUser: SimulatedUser
    /// The file the script came from.
    public var file: String

    /// The start state (every loaded script has one).
    var startState: AgentState? { states[start] }
}
