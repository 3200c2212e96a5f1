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
    /// The run's secrets, kept out of what the cache stores: a judge's reasoning may quote the
    /// conversation, and with it a token the agent repeated.
    let secrets: SecretRegistry?

    public init(
        settings: JudgeModelSettings, transport: any JudgeTransport, cache: VerdictCache?,
        secrets: SecretRegistry? = nil
    ) {
        self.settings = settings
        self.transport = transport
        self.cache = cache
        self.secrets = secrets
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
        if let cache {
            cache.write(key, answer: Self.storedAnswer(verdicts, secrets: secrets), model: settings.model)
        }
        return JudgeAnswer(
            verdicts: verdicts,
            usage: JudgeUsage(
                calls: 1, promptTokens: completion.promptTokens, completionTokens: completion.completionTokens))
    }
}

extension ModelJudge {
    /// The answer as the cache keeps it: the parsed verdicts in the schema's shape, each reasoning
    /// with the run's secrets taken out. Redacting the raw answer instead could break its JSON when a
    /// secret is a word such as `pass`; this keeps the structure whatever the secrets are.
    static func storedAnswer(_ verdicts: [(verdict: Verdict, reasoning: String)], secrets: SecretRegistry?) -> String {
        let redactor = secrets?.redactor
        let list = verdicts.enumerated().map { index, item in
            JSONValue.object([
                ("criterion", .int(index + 1)), ("verdict", .string(item.verdict.rawValue)),
                ("reasoning", .string(redactor?.redact(item.reasoning) ?? item.reasoning)),
            ])
        }
        return JSONValue.object([("verdicts", .array(list))]).serialized
    }
}
