/// Where one flow run's conversation with the agent stands.
///
/// Every change goes through a transition method, so the interpreter cannot, say, send after an
/// `end` step or end a conversation twice: each method says what the move is allowed from.
enum ConversationState {
    /// Nothing has been sent; the first step that talks to the agent opens the conversation.
    case notOpened
    /// Opening was attempted or succeeded: the provider holds a conversation that must be ended.
    case open(any AgentConversation)
    /// An `end` step (or the clean-up after the steps) ended it on the provider.
    case endedByFlow(any AgentConversation)
    /// The agent ended it itself (a reply marked the conversation completed).
    case endedByAgent(any AgentConversation)

    /// The provider's conversation, whatever became of it; `nil` before opening.
    var conversation: (any AgentConversation)? {
        switch self {
        case .notOpened: nil
        case .open(let conversation), .endedByFlow(let conversation), .endedByAgent(let conversation): conversation
        }
    }

    var isOpened: Bool {
        if case .notOpened = self { return false }
        return true
    }

    /// True while messages can still be sent.
    var isOpen: Bool {
        if case .open = self { return true }
        return false
    }

    var isEndedByAgent: Bool {
        if case .endedByAgent = self { return true }
        return false
    }

    /// Why nothing more can be sent, once the conversation is over.
    var closedReason: String? {
        switch self {
        case .notOpened, .open: nil
        case .endedByAgent: "the agent ended the conversation"
        case .endedByFlow: "the conversation was ended by an earlier `end` step"
        }
    }

    /// `notOpened` → `open`.
    mutating func opened(_ conversation: any AgentConversation) {
        guard case .notOpened = self else { return }
        self = .open(conversation)
    }

    /// `open` → `endedByAgent`; a conversation the flow already ended stays so.
    mutating func agentEnded() {
        guard case .open(let conversation) = self else { return }
        self = .endedByAgent(conversation)
    }

    /// `open` → `endedByFlow`; returns the conversation to end on the provider, or `nil` when there
    /// is nothing to end (never opened, or already over).
    mutating func flowEnds() -> (any AgentConversation)? {
        guard case .open(let conversation) = self else { return nil }
        self = .endedByFlow(conversation)
        return conversation
    }
}
