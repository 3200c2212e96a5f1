import ParleyJSON
import ParleyRun

/// Sends a judge's messages to a model and returns its raw answer: an OpenAI-compatible endpoint
/// in practice (the runtime adapts the chat client), anything in tests.
public protocol JudgeTransport: Sendable {
    func complete(_ messages: [JudgeMessage], settings: JudgeModelSettings) async throws(JudgeFailure)
        -> JudgeCompletion
}

/// A model's answer and what it cost.
public struct JudgeCompletion: Sendable {
    public var text: String
    public var promptTokens: Int
    public var completionTokens: Int

    public init(text: String, promptTokens: Int = 0, completionTokens: Int = 0) {
        self.text = text
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// A judge backed by a model: builds the prompt, answers from the cache when it can, otherwise asks
/// the model for structured verdicts, parses them strictly and caches them.
public struct ModelJudge: ConversationJudge {
    public let settings: JudgeModelSettings
    let transport: any JudgeTransport
    /// `nil` with `--no-cache`: every verdict is fresh (and not stored).
    let cache: VerdictCache?

    public init(settings: JudgeModelSettings, transport: any JudgeTransport, cache: VerdictCache?) {
        self.settings = settings
        self.transport = transport
        self.cache = cache
    }

    public var name: String { settings.name }
    public var model: String { settings.model }

    public func grade(_ request: JudgeRequest) async throws(JudgeFailure) -> JudgeAnswer {
        let messages = JudgePrompt.messages(request)
        let key = VerdictCache.key(settings: settings, messages: messages)
        if let cache, let verdicts = cache.read(key, criteria: request.criteria.count) {
            return JudgeAnswer(verdicts: verdicts, usage: JudgeUsage(cachedCalls: 1))
        }
        let completion = try await transport.complete(messages, settings: settings)
        let verdicts = try VerdictParser.parse(completion.text, criteria: request.criteria.count)
        cache?.write(key, answer: completion.text, model: settings.model)
        return JudgeAnswer(
            verdicts: verdicts,
            usage: JudgeUsage(
                calls: 1, promptTokens: completion.promptTokens, completionTokens: completion.completionTokens))
    }
}
