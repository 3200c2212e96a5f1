import ParleyFlow
import ParleyYAML

/// One state of an agent script.
public struct AgentState: Sendable {
    /// The state's name, as `goto` and insights use it.
    public var name: String
    /// What the agent is trying to achieve here (reported by insights).
    public var objective: String
    /// What the agent does here (reported by insights).
    public var action: String
    /// Said on entering the state; several entries are alternatives picked by the seed.
    public var say: [Template]
    /// Raised on entering the state.
    public var event: String?
    /// Called on entering the state, before its words.
    public var tool: AgentTool?
    /// Entering the state ends the conversation.
    public var ends: Bool
    /// Checked before the global routes.
    public var routes: [AgentRoute]
    /// Replaces the global fallback in this state.
    public var fallback: AgentRoute?
    /// Candidate user replies by goal name; `any` applies to every goal.
    public var recommend: [String: [Template]]
    /// Where the state is defined.
    public var location: SourceLocation
}
