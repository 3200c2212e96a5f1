import Foundation
import ParleyFlow

/// A way to reach an agent: Amigo, Amelia, AgentHuman, a declarative HTTP agent, the demo agent...
///
/// A provider is shared by every conversation of a run; each flow run opens its own
/// ``AgentConversation`` and owns it until the run ends.
public protocol ConversationProvider: Sendable {
    /// The provider kind as written in `parley.yaml` (`amigo`, `amelia`, `local`, ...).
    var kind: String { get }
    /// What the provider can do; steps needing more are refused before anything runs.
    var capabilities: ProviderCapabilities { get }
    /// The largest reply a conversation accepts (`max_reply_size:` of the target).
    var replyLimit: ReplyLimit { get }
    /// Prepares a conversation; nothing is sent until ``AgentConversation/start(_:)``.
    func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation
}

extension ConversationProvider {
    public var replyLimit: ReplyLimit { .default }
}

/// One conversation with an agent, driven by one flow run at a time (implementations are usually actors).
///
/// Each method returns once the agent's complete reply has arrived, so the interpreter never sends
/// while a reply is pending. Methods for capabilities the provider lacks throw `.unsupported`.
public protocol AgentConversation: AnyObject, Sendable {
    /// Opens the conversation; returns the agent's first reply.
    func start(_ opening: ConversationOpening) async throws(ProviderError) -> AgentReply
    /// Sends a user message and returns the agent's complete reply.
    func send(_ text: String) async throws(ProviderError) -> AgentReply
    /// Inserts an external event mid-conversation and returns the agent's reply to it.
    func sendEvent(_ text: String) async throws(ProviderError) -> AgentReply
    /// Candidate next user messages for the latest agent reply.
    func recommendResponses(context: String) async throws(ProviderError) -> [String]
    /// Sets and removes conversation tags on the provider.
    func updateTags(set: [String: String], remove: [String]) async throws(ProviderError)
    /// The agent's current state.
    func insights() async throws(ProviderError) -> AgentInsights
    /// Ends the conversation on the provider (best effort when the agent already ended it).
    func end() async throws(ProviderError)
    /// Gives back what the conversation held (a pooled user, a session); called once when the flow
    /// run is over, whatever happened.
    func release() async
    /// True when ``release()`` gives back only what is local (a pooled user, a mailbox) and so
    /// cannot stall: the flow run then awaits it itself, rather than in a task of its own that it
    /// waits for within a bound. False unless a conversation says so.
    var releasesLocally: Bool { get }
    /// True when ``send(_:)``, ``sendEvent(_:)`` and ``end()`` end by the deadline of the call
    /// they run in on their own: every wait they make is bounded by ``CallDeadline`` (HTTP through
    /// the providers' shared client does this). The flow run then runs them in its own task rather
    /// than in one of their own that it walks away from at the deadline. False unless a
    /// conversation says so.
    var keepsCallDeadline: Bool { get }
    /// The conversation's id on the provider once known — also when the reply that brought it
    /// broke off afterwards, so the result can still name the conversation.
    var conversationID: String? { get async }
}

extension AgentConversation {
    public func sendEvent(_ text: String) async throws(ProviderError) -> AgentReply {
        throw ProviderError(.unsupported, "this provider cannot send external events")
    }

    public func recommendResponses(context: String) async throws(ProviderError) -> [String] {
        throw ProviderError(.unsupported, "this provider has no recommend-responses endpoint")
    }

    public func updateTags(set: [String: String], remove: [String]) async throws(ProviderError) {
        throw ProviderError(.unsupported, "this provider has no conversation tags")
    }

    public func insights() async throws(ProviderError) -> AgentInsights {
        throw ProviderError(.unsupported, "this provider exposes no agent state")
    }

    public func release() async {}

    public var releasesLocally: Bool { false }

    public var keepsCallDeadline: Bool { false }

    public var conversationID: String? { get async { nil } }
}

/// What a provider supports beyond sending messages.
public struct ProviderCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The agent can speak first.
    public static let agentFirst = ProviderCapabilities(rawValue: 1 << 0)
    /// A conversation can open with the user's message.
    public static let userFirst = ProviderCapabilities(rawValue: 1 << 1)
    /// External events (at the start and mid-conversation).
    public static let externalEvents = ProviderCapabilities(rawValue: 1 << 2)
    /// A recommend-responses endpoint (a simulator source).
    public static let recommend = ProviderCapabilities(rawValue: 1 << 3)
    /// Conversation tags on the provider.
    public static let tags = ProviderCapabilities(rawValue: 1 << 4)
    /// The agent's state (state name, action, objective).
    public static let insights = ProviderCapabilities(rawValue: 1 << 5)
    /// The agent's actions — its tool calls at least — come with its replies.
    public static let actions = ProviderCapabilities(rawValue: 1 << 6)
    /// Among the actions, the agent's moves between states (and its dynamic behaviours).
    public static let states = ProviderCapabilities(rawValue: 1 << 7)

    public static let basic: ProviderCapabilities = [.agentFirst, .userFirst]

    /// Names for messages: "external events", "tags"...
    public var names: [String] {
        var out: [String] = []
        if contains(.agentFirst) { out.append("agent-first start") }
        if contains(.userFirst) { out.append("user-first start") }
        if contains(.externalEvents) { out.append("external events") }
        if contains(.recommend) { out.append("recommend-responses") }
        if contains(.tags) { out.append("tags") }
        if contains(.insights) { out.append("insights") }
        if contains(.actions) { out.append("agent actions") }
        if contains(.states) { out.append("state transitions") }
        return out
    }
}

/// What a flow run knows when it opens a conversation.
public struct ConversationContext: Sendable {
    public var flowName: String
    public var persona: Persona?
    public var scenario: Scenario?
    public var tags: [String: String]
    /// Seed for anything random the provider does (the demo agent's choices), for reproducibility.
    public var seed: UInt64
    public var turnTimeout: Duration

    public init(
        flowName: String, persona: Persona? = nil, scenario: Scenario? = nil, tags: [String: String] = [:],
        seed: UInt64 = 0, turnTimeout: Duration = Flow.defaultTurnTimeout
    ) {
        self.flowName = flowName
        self.persona = persona
        self.scenario = scenario
        self.tags = tags
        self.seed = seed
        self.turnTimeout = turnTimeout
    }
}

/// How a conversation opens.
public enum ConversationOpening: Sendable, Hashable {
    /// No message: the agent speaks first.
    case agentFirst
    /// The user's first message opens the conversation.
    case userMessage(String)
    /// An external event opens the conversation (Amigo).
    case externalEvent(String)
}

/// The agent's complete reply to one user message (or its opening words).
public struct AgentReply: Sendable {
    /// Every agent message of the turn, in order.
    public var messages: [String]
    /// When the request that produced the reply was sent.
    public var sentAt: Date
    /// Time from sending to the first byte or chunk of the reply, when the protocol shows it.
    public var timeToFirstChunk: Duration?
    /// Time from sending to the complete reply.
    public var latency: Duration
    /// Provider ids worth keeping: conversation, message, interaction, session. A provider puts
    /// its conversation (or session) id under `conversation_id`.
    public var ids: [String: String]
    /// Notable provider events of the turn: escalation, closed, system error.
    public var events: [ProviderEvent]
    /// What the agent did while answering (tool calls, state transitions...), in order.
    public var actions: [AgentAction]
    /// True when the agent ended the conversation with this reply.
    public var conversationCompleted: Bool
    /// Tokens the agent's model reported for this reply (OpenAI-compatible endpoints), if any.
    public var usage: ModelUsage?

    public init(
        messages: [String], sentAt: Date, timeToFirstChunk: Duration? = nil, latency: Duration,
        ids: [String: String] = [:], events: [ProviderEvent] = [], actions: [AgentAction] = [],
        conversationCompleted: Bool = false
    ) {
        self.actions = actions
        self.messages = messages
        self.sentAt = sentAt
        self.timeToFirstChunk = timeToFirstChunk
        self.latency = latency
        self.ids = ids
        self.events = events
        self.conversationCompleted = conversationCompleted
    }

    /// All agent text of the turn, messages separated by newlines: what `expect` matches against
    /// (unless it picks one message with `message:`).
    public var text: String { messages.joined(separator: "\n") }
}

/// Something a provider reported besides text, kept in the transcript and assertable.
public struct ProviderEvent: Sendable, Hashable {
    /// A short kind: `escalation`, `closed`, `greeting` (said before a user-first reply), `relogin`,
    /// `recovered`, `raw` (a message type the provider does not interpret), `webhook-refused`
    /// (deliveries for the conversation refused for a missing or wrong secret).
    public var kind: String
    public var detail: String?

    public init(kind: String, detail: String? = nil) {
        self.kind = kind
        self.detail = detail
    }
}

/// The agent's state as a provider reports it (Amigo's interaction insights).
public struct AgentInsights: Sendable, Hashable {
    public var stateName: String?
    public var action: String?
    public var objective: String?

    public init(stateName: String?, action: String?, objective: String?) {
        self.stateName = stateName
        self.action = action
        self.objective = objective
    }
}
