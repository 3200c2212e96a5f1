/// The agent's current state, as an insights endpoint reports it.
public struct DemoInsights: Sendable, Hashable {
    public var stateName: String
    public var action: String
    public var objective: String
    /// What the agent remembers, by name.
    public var memory: [String: String]

    public init(stateName: String, action: String, objective: String, memory: [String: String] = [:]) {
        self.stateName = stateName
        self.action = action
        self.objective = objective
        self.memory = memory
    }
}
