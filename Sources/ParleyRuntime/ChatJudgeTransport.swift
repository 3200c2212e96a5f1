import ParleyJudging
import ParleyProviders
import ParleyRun

/// A judge's calls through the OpenAI-compatible chat client: structured output, never streamed,
/// with the judge's temperature and seed.
struct ChatJudgeTransport: JudgeTransport {
    let client: OpenAIChatClient
    let timeout: Duration

    func complete(_ messages: [JudgeMessage], settings: JudgeModelSettings) async throws(JudgeFailure)
        -> JudgeCompletion
    {
        do {
            let answer = try await client.structuredCompletion(
                messages.map { (role: $0.role, content: $0.content) }, schemaName: JudgePrompt.schemaName,
                schema: JudgePrompt.schema, seed: settings.seed, timeout: timeout)
            return JudgeCompletion(
                text: answer.text, promptTokens: answer.promptTokens, completionTokens: answer.completionTokens)
        } catch {
            throw JudgeFailure("\(error.message) (\(error.kind.rawValue))")
        }
    }
}

/// How a run's judges keep their verdicts.
public struct JudgeOptions: Sendable {
    /// Where verdicts are cached (`.parley/cache/judge`); `nil` (`--no-cache`) asks the judge every time.
    public var cache: VerdictCache?

    public init(cache: VerdictCache? = .standard()) {
        self.cache = cache
    }
}

extension OpenAISettings {
    /// The judge's pinned settings: temperature 0 and seed 0 unless parley.yaml says otherwise.
    var judgeModelSettings: JudgeModelSettings {
        JudgeModelSettings(
            name: name, model: model, endpoint: baseURL, temperature: temperature ?? 0, seed: seed ?? 0,
            maxTokens: maxTokens)
    }
}
