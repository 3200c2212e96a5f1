import Foundation
import ParleyFlow
import ParleyJSON
import ParleyHTTP
import ParleyRun
import Synchronization

public struct OpenAIProviderSpec: ProviderSpec {
    public let targetName: String
    public let settings: OpenAISettings
    public var kind: String { "openai" }
    public var capabilities: ProviderCapabilities { OpenAIProvider.capabilities(settings) }
    public var warnings: [String] {
        insecureWarnings(verifyTLS: settings.verifyTLS)
    }

    public init?(_ target: TargetConfig, values: ConfigValues) {
        guard let settings = OpenAISettings(target, values: values, what: "target", keys: OpenAISettings.targetKeys)
        else { return nil }
        self.targetName = target.name
        self.settings = settings
    }

    public func makeProvider(resources: ProviderResources) async throws(ProviderError) -> any ConversationProvider {
        if let key = settings.apiKey { resources.secrets.add(key) }
        return OpenAIProvider(client: OpenAIChatClient(settings: settings, client: resources.http))
    }
}

/// `provider: openai` — an agent behind any OpenAI-compatible chat-completions endpoint.
///
/// The endpoint is stateless, so Parley keeps each conversation's messages and sends them all with
/// every turn: `system_prompt` first, then the turns. Replies are streamed as server-sent events by
/// default, so the reply records the time to the first token.
///
/// Tool calls in a completion (`tool_calls`, streamed deltas assembled) are recorded as the reply's
/// actions; Parley does not run the tools, so the history keeps only the assistant's text.
///
/// A model has nothing to say before the user does, so the agent can speak first only when the
/// target sets `greeting:` — the words the application shows when a chat opens. That greeting is
/// the agent's first reply and goes to the model as its own first (assistant) message.
public final class OpenAIProvider: ConversationProvider {
    public let client: OpenAIChatClient

    public init(client: OpenAIChatClient) {
        self.client = client
    }

    public static func capabilities(_ settings: OpenAISettings) -> ProviderCapabilities {
        settings.greeting == nil ? [.userFirst, .actions] : [.userFirst, .agentFirst, .actions]
    }

    public var kind: String { "openai" }
    public var capabilities: ProviderCapabilities { Self.capabilities(client.settings) }
    public var replyLimit: ReplyLimit { client.settings.replyLimit }

    public func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
        OpenAIConversation(client: client, turnTimeout: context.turnTimeout)
    }
}

/// One chat: the message history, grown by each turn. A class with the history under a lock rather
/// than an actor, so that its calls run where the flow run does (docs/architecture.md).
final class OpenAIConversation: AgentConversation {
    private let client: OpenAIChatClient
    private let turnTimeout: Duration
    private let history: Mutex<[ChatMessage]>
    /// Chat completions have no conversation; this id tells Parley's transcripts apart.
    private let chatID = "chat-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)

    /// Nothing to give back.
    var releasesLocally: Bool { true }

    init(client: OpenAIChatClient, turnTimeout: Duration) {
        self.client = client
        self.turnTimeout = turnTimeout
        history = Mutex(client.settings.systemPrompt.map { [ChatMessage(role: "system", content: $0)] } ?? [])
    }

    private var ids: [String: String] { ["conversation_id": chatID] }

    func start(_ opening: ConversationOpening) async throws(ProviderError) -> AgentReply {
        switch opening {
        case .agentFirst:
            guard let greeting = client.settings.greeting else {
                throw ProviderError(
                    .unsupported, "\(client.http.service) has no `greeting`, so the agent cannot speak first")
            }
            history.withLock { $0.append(ChatMessage(role: "assistant", content: greeting)) }
            return AgentReply(
                messages: [greeting], sentAt: Date(), timeToFirstChunk: .zero, latency: .zero, ids: ids)
        case .userMessage(let text):
            return try await send(text)
        case .externalEvent:
            throw ProviderError(
                .unsupported, "\(client.http.service) cannot open a conversation with an external event")
        }
    }

    func send(_ text: String) async throws(ProviderError) -> AgentReply {
        let asked = history.withLock { history in
            history.append(ChatMessage(role: "user", content: text))
            return history
        }
        let completion: ChatCompletion
        do {
            completion = try await client.complete(
                asked, stream: client.settings.stream, timeout: turnTimeout + .seconds(5))
        } catch {
            // The agent never answered this message, so it is not part of the conversation.
            history.withLock { _ = $0.popLast() }
            throw error
        }
        let answer = completion.texts.first ?? ""
        history.withLock { $0.append(ChatMessage(role: "assistant", content: answer)) }
        var ids = self.ids
        if let id = completion.id { ids["completion_id"] = id }
        var reply = AgentReply(
            messages: [answer], sentAt: completion.sentAt, timeToFirstChunk: completion.timeToFirstToken,
            latency: completion.latency, ids: ids, actions: completion.toolCalls)
        reply.usage = completion.usage
        return reply
    }

    /// Nothing to end on the endpoint: the history is forgotten with the conversation.
    func end() async throws(ProviderError) {}
}
