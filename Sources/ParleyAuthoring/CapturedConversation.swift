import ParleyFlow
import ParleyRun

/// A real conversation to turn into a flow: who said what, in order, and what the agent did.
///
/// Comes from a Parley transcript or from a platform's conversation history (Amigo's messages).
public struct CapturedConversation: Sendable {
    public enum Role: String, Sendable {
        case user, agent, event
    }

    public struct Turn: Sendable {
        public var role: Role
        public var text: String
        /// What the agent did while producing this reply (agent turns of transcripts only).
        public var actions: [AgentAction]

        public init(role: Role, text: String, actions: [AgentAction] = []) {
            self.role = role
            self.text = text
            self.actions = actions
        }
    }

    public var turns: [Turn]
    /// Where it came from, for the flow's header and description.
    public var source: String
    /// A flow name to start from (`--name` replaces it).
    public var suggestedName: String
    /// The persona's name, when the source knows it.
    public var personaName: String?
    public var scenario: Scenario?

    public init(
        turns: [Turn], source: String, suggestedName: String, personaName: String? = nil, scenario: Scenario? = nil
    ) {
        self.turns = turns
        self.source = source
        self.suggestedName = suggestedName
        self.personaName = personaName
        self.scenario = scenario
    }

    /// A Parley flow run's transcript; `path` names it in the flow's header.
    public init(transcript result: FlowRunResult, path: String, scenario: Scenario? = nil) {
        var turns: [Turn] = []
        for turn in result.turns {
            switch turn.role {
            case .user: turns.append(Turn(role: .user, text: turn.text))
            case .agent: turns.append(Turn(role: .agent, text: turn.text, actions: turn.actions ?? []))
            case .event: turns.append(Turn(role: .event, text: turn.text))
            }
        }
        var source = "transcript \(path) (flow \(result.flow), target \(result.target)"
        if let id = result.conversationId { source += ", conversation \(id)" }
        self.init(
            turns: turns, source: source + ")", suggestedName: Slug.make(result.flow) + "-captured",
            personaName: result.persona, scenario: scenario)
    }

    /// Messages of a conversation's history, oldest first: `user-message`, `agent-message` and
    /// `external-event` become turns; consecutive agent messages of one interaction are one reply.
    public init(
        messages: [(type: String, interaction: String, text: String)], source: String, suggestedName: String
    ) {
        var turns: [Turn] = []
        var lastInteraction: String?
        for message in messages {
            switch message.type {
            case "user-message": turns.append(Turn(role: .user, text: message.text))
            case "external-event": turns.append(Turn(role: .event, text: message.text))
            case "agent-message":
                if let last = turns.last, last.role == .agent, lastInteraction == message.interaction {
                    turns[turns.count - 1].text += "\n" + message.text
                } else {
                    turns.append(Turn(role: .agent, text: message.text))
                }
            default: continue
            }
            lastInteraction = message.interaction
        }
        self.init(turns: turns, source: source, suggestedName: suggestedName)
    }

    /// True when the agent spoke before anyone else.
    public var agentFirst: Bool { turns.first?.role == .agent }
}
