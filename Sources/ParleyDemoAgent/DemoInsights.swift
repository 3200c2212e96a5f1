/// The agent's current state, as an insights endpoint reports it.
public struct DemoInsights: Sendable, Hashable {
    /// The state the agent is in.
    public var stateName: String
    /// What the agent does in that state.
    public var action: String
    /// What the agent is trying to achieve in that state.
    public var objective: String
    /// What the agent remembers, by name.
    public var memory: [String: String]

    /// Creates insights from their parts.
    public init(stateName: String, action: String, objective: String, memory: [String: String] = [:]) {
        self.stateName = stateName
        self.action = action
        self.objective = objective
        self.memory = memory
    }
}
