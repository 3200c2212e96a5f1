import Foundation
import ParleyFlow
import ParleyJudging
@testable import ParleyProviders
@testable import ParleyRuntime
import ParleyRun
import ParleySandbox
import Testing

/// Judges over real HTTP: the sandbox's `parley-judge` through the chat client, and every way a
/// judge can fail to grade — each an `error` of kind `judge`, never `failed`.
@Suite struct JudgeEndpointTests {
    let judgedFlow = """
        flow: judged
        steps:
          - send: Hi, my blender arrived cracked. It's order ORD-1042.
          - send: Yes, please refund it.
        judge:
          criteria:
            - The agent called `order-lookup` and `issue-refund`.
            - The agent says "replacement is on its way".
            - The agent was friendly.
            - { criterion: The agent was concise., inconclusive: pass }
        """

    /// Runs `flowText` against the local demo agent, judged by an OpenAI-compatible judge at `baseURL`.
    func judged(
        _ flowText: String, baseURL: String, model: String = SandboxServer.judgeModel, apiKey: String? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> FlowRunResult {
        var settings = OpenAISettings(
            name: "j", baseURL: baseURL, apiKey: apiKey ?? SandboxCredentials.default.openAIAPIKey, model: model,
            stream: false)
        settings.timeout = timeout
        settings.connectTimeout = .seconds(2)
        let resources = ProviderResources()
        let panel = try await RunSession.makeJudges(
            ["j": .openAI(settings)], defaultName: "j", resources: resources, judging: JudgeOptions(cache: nil))
        let flow = try loadFlow(flowText)
        let result = await FlowInterpreter(provider: LocalProvider(), environment: [:], judges: panel)
            .run(FlowRunRequest(flow: flow, persona: nil, targetName: "local"))
        await resources.shutdown()
        return result
    }

    @Test func theSandboxJudgeGivesEachVerdictOverHTTP() async throws {
        try await withSandbox { server in
            let result = try await judged(judgedFlow, baseURL: server.baseURL + "/openai/v1")
            let judgment = try #require(result.judgments?.first)
            #expect(judgment.model == "parley-judge")
            #expect(judgment.criteria.map(\.verdict) == [.pass, .fail, .inconclusive, .inconclusive])
            #expect(judgment.criteria.map(\.passed) == [true, false, false, true])
            #expect(result.outcome == .failed)
            #expect(result.failure?.errorKind == nil)
            #expect(result.failure?.message.hasPrefix("the judge's verdict is fail on \"The agent says") == true)
            #expect(result.failure?.location.line == 8)
            let usage = try #require(result.judgeUsage)
            #expect(usage.calls == 1 && usage.promptTokens > 0 && usage.completionTokens > 0)
            #expect(server.stats.requests(.openAIChat) == 1)
        }
    }

    @Test func anUnreachableJudgeIsAnError() async throws {
        let result = try await judged(judgedFlow, baseURL: "http://127.0.0.1:9/v1")
        #expect(result.outcome == .error, "\(result.summary)")
        #expect(result.failure?.errorKind == .judge)
        #expect(result.failure?.message.hasPrefix("judge `j` (parley-judge) could not grade:") == true)
        #expect(result.steps.last?.status == .error)
    }

    @Test func aJudgeAnswering4xxIsAnError() async throws {
        try await withSandbox { server in
            let refused = try await judged(judgedFlow, baseURL: server.baseURL + "/openai/v1", apiKey: "sk-wrong")
            #expect(refused.failure?.errorKind == .judge, "\(refused.summary)")
            #expect(refused.failure?.message.contains("401") == true)
            #expect(refused.failure?.message.contains("sk-wrong") == false)
            let unknown = try await judged(judgedFlow, baseURL: server.baseURL + "/openai/v1", model: "gpt-nope")
            #expect(unknown.outcome == .error)
            #expect(unknown.failure?.errorKind == .judge)
            #expect(unknown.failure?.message.contains("gpt-nope") == true)
        }
    }

    @Test func aJudgeAnswering5xxIsAnError() async throws {
        let faults = [SandboxFault(.internalError, endpoint: .openAIChat)]
        try await withSandbox(SandboxConfiguration(faults: faults)) { server in
            let result = try await judged(judgedFlow, baseURL: server.baseURL + "/openai/v1")
            #expect(result.outcome == .error, "\(result.summary)")
            #expect(result.failure?.errorKind == .judge)
            #expect(result.failure?.message.contains("(503)") == true, "\(result.summary)")
        }
    }

    @Test func aJudgeThatTakesTooLongIsAnError() async throws {
        try await withSandbox(SandboxConfiguration(latency: .seconds(3))) { server in
            let result = try await judged(
                judgedFlow, baseURL: server.baseURL + "/openai/v1", timeout: .milliseconds(300))
            #expect(result.outcome == .error, "\(result.summary)")
            #expect(result.failure?.errorKind == .judge)
            #expect(result.failure?.message.contains("timeout") == true)
        }
    }

    @Test func aJudgeAnsweringSomethingUnparsableIsAnErrorShowingTheAnswer() async throws {
        try await withSandbox { server in
            // The sandbox's agent model answers in prose, not verdicts.
            let result = try await judged(
                judgedFlow, baseURL: server.baseURL + "/openai/v1", model: "parley-support-desk")
            #expect(result.outcome == .error, "\(result.summary)")
            #expect(result.failure?.errorKind == .judge)
            let message = try #require(result.failure?.message)
            #expect(message.contains("the answer is not JSON"))
            #expect(message.contains("; the judge answered: "))
        }
    }

    @Test func judgesAskForStructuredOutput() async throws {
        try await withSandbox { server in
            let settings = OpenAISettings(
                name: "j", baseURL: server.baseURL + "/openai/v1", apiKey: SandboxCredentials.default.openAIAPIKey,
                model: "parley-judge", stream: false)
            let resources = ProviderResources()
            let client = OpenAIChatClient(settings: settings, client: resources.http)
            let prompt = [(role: "user", content: "TRANSCRIPT:\n(no turns)\n---\nCRITERIA:\n1. Says \"hi\"")]
            // The sandbox's judge, like a strict structured-output endpoint, refuses a plain request.
            await #expect(throws: ProviderError.self) {
                _ = try await client.complete(
                    prompt.map { ChatMessage(role: $0.role, content: $0.content) }, stream: false, timeout: .seconds(5))
            }
            let answer = try await client.structuredCompletion(
                prompt, schemaName: JudgePrompt.schemaName, schema: JudgePrompt.schema, seed: 42,
                timeout: .seconds(5))
            await resources.shutdown()
            #expect(answer.text.contains(#""verdict":"fail""#))
            #expect(answer.promptTokens > 0)
        }
    }
}
