/// How a demo conversation opens.
public enum DemoOpening: Sendable, Hashable {
    /// The agent speaks first: the start state's greeting.
    case agentFirst
    /// The user's message opens the conversation; the agent answers it without a greeting.
    case userMessage(String)
    /// An external event opens the conversation (a push notification, a page view...).
    case externalEvent(String)
}
