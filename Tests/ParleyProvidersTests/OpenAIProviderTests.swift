import Testing
@testable import ParleyProviders
import ParleySandbox

/// `provider: openai` against the sandbox's chat-completions endpoint on loopback.
@Suite struct OpenAIProviderTests {
    static let greeting =
        "Hi, thanks for contacting Juniper & Pine! I'm Juno, your virtual assistant. How can I help you today?"

    static func target(_ base: String, stream: Bool, greeting: Bool = true) -> String {
        """
        targets:
          chat:
            provider: openai
            base_url: \(base)/openai/v1
            model: parley-support-desk
            api_key: sk-parley-sandbox
            stream: \(stream)
            system_prompt: You are Juno, the support assistant of Juniper & Pine.
        \(greeting ? "    greeting: \"\(Self.greeting)\"" : "")
        """
    }

    /// Several turns: the endpoint remembers nothing, so each depends on the history Parley keeps.
    static let refundFlow = """
        flow: refund
        steps:
          - expect: { all: [Juniper & Pine, /how can I help you today\\?/i] }
          - send: Hi, my blender arrived cracked.
          - expect: /order number/i
          - send: It's ORD-1042.
          - expect: { all: [/found order ORD-1042/, /go ahead with the refund/] }
          - send: "Yes"
          - expect: refund has been issued
        """

    @Test func aStreamedReplyRecordsTheTimeToTheFirstToken() async throws {
        let server = try await SandboxServer.start(
            SandboxConfiguration(latency: .milliseconds(40), chunkDelay: .milliseconds(10)))
        let result = try await ProviderTestSupport.run(
            try ProviderTestSupport.flow(Self.refundFlow), target: Self.target(server.baseURL, stream: true))
        let requests = server.stats.requests(.openAIChat)
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        #expect(result.provider == "openai")
        let replies = result.turns.filter { $0.role == .agent }
        #expect(replies.count == 4)
        #expect(replies.first?.text == Self.greeting, "the greeting is the agent's first reply, without a request")
        #expect(requests == 3)
        for reply in replies.dropFirst() {
            let first = try #require(reply.timeToFirstChunkMs)
            #expect(first >= 35, "the first token comes after the latency")
            #expect(try #require(reply.latencyMs) > first, "the rest streams in after it")
            #expect(reply.ids?["conversation_id"] == result.conversationId)
            #expect(reply.ids?["completion_id"]?.hasPrefix("chatcmpl-") == true)
        }
    }

    @Test func aReplyInOneAnswerHasNoFirstTokenTime() async throws {
        let server = try await SandboxServer.start()
        let result = try await ProviderTestSupport.run(
            try ProviderTestSupport.flow(Self.refundFlow), target: Self.target(server.baseURL, stream: false))
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        let replies = result.turns.filter { $0.role == .agent }.dropFirst()
        #expect(replies.count == 3)
        #expect(replies.allSatisfy { $0.timeToFirstChunkMs == nil && $0.latencyMs != nil })
    }

    @Test(arguments: [true, false])
    func theAgentsTokensAreRecordedStreamedOrNot(stream: Bool) async throws {
        let server = try await SandboxServer.start()
        let result = try await ProviderTestSupport.run(
            try ProviderTestSupport.flow(Self.refundFlow), target: Self.target(server.baseURL, stream: stream))
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        let usage = try #require(result.usage)
        #expect(usage.count == 1)
        #expect(usage.first?.role == .agent)
        #expect(usage.first?.model == "parley-support-desk")
        #expect(usage.first?.calls == 3, "one per completion; the greeting costs nothing")
        // The history grows with every turn, so the prompts add up to more than the answers.
        #expect((usage.first?.inputTokens ?? 0) > (usage.first?.outputTokens ?? 0))
        #expect((usage.first?.outputTokens ?? 0) > 0)
    }

    @Test func withoutStreamUsageAStreamedReplyReportsNoTokens() async throws {
        let server = try await SandboxServer.start()
        let target = Self.target(server.baseURL, stream: true) + "\n    stream_usage: false\n"
        let result = try await ProviderTestSupport.run(try ProviderTestSupport.flow(Self.refundFlow), target: target)
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        #expect(result.usage == nil)
    }

    @Test func withoutAGreetingTheAgentCannotSpeakFirst() throws {
        let spec = try ProviderTestSupport.spec(Self.target("http://127.0.0.1:9", stream: true, greeting: false)).spec
        #expect(spec.kind == "openai")
        #expect(spec.capabilities == [.userFirst, .actions], "tool calls, no states")
        let greeted = try ProviderTestSupport.spec(Self.target("http://127.0.0.1:9", stream: true)).spec
        #expect(greeted.capabilities == [.userFirst, .agentFirst, .actions])
    }

    @Test func aTargetTakesNoSimulatorKeys() {
        let yaml = Self.target("http://127.0.0.1:9", stream: true) + "\n    candidates: 3\n"
        #expect(
            ProviderTestSupport.diagnostics(yaml) == [
                "parley.yaml:10:5: error: unknown key `candidates` in target `chat`"
            ])
    }

    @Test func aWrongKeyIsAuthRefusedWithoutTheKey() async throws {
        let server = try await SandboxServer.start()
        let target = Self.target(server.baseURL, stream: true).replacingOccurrences(
            of: "sk-parley-sandbox", with: "sk-wrong-KEY-31337")
        let flow = try ProviderTestSupport.flow("steps:\n  - send: hello\n  - expect: hello\n")
        let result = try await ProviderTestSupport.run(flow, target: target)
        await server.stop()
        #expect(result.outcome == .error)
        #expect(result.failure?.errorKind == .authRefused)
        #expect(result.failure?.message.contains("sk-wrong-KEY-31337") == false)
    }
}
