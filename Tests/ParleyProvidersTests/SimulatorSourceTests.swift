import Foundation
import Testing
import ParleyFlow
import ParleyHTTP
import ParleyJSON
@testable import ParleyProviders
import ParleyRun
@testable import ParleyRuntime
import ParleySandbox
import Synchronization

/// Each simulator source against real HTTP on loopback (the sandbox on port 0).
@Suite struct SimulatorSourceTests {
    static let refundFlow = """
        flow: simulated-refund
        persona: { name: Dana Ortiz, variables: { order_id: ORD-1042 } }
        scenario: { objective: Get a full refund for a damaged order. }
        steps:
          - expect: /how can I help/i
          - simulate: { until: /refund has been issued/i, max_turns: 6 }
        """

    func load(_ text: String) throws -> Flow {
        let result = FlowLoader(environment: [:]).load(text: text, file: "sim.yaml")
        guard let flow = result.flows.first, !result.hasErrors else {
            throw FlowError(text: result.diagnostics.map(\.description).joined(separator: "\n"))
        }
        return flow
    }

    struct FlowError: Error { var text: String }

    func run(_ flow: Flow, provider: any ConversationProvider, simulator: any UserSimulator, seed: UInt64 = 0) async
        -> FlowRunResult
    {
        let interpreter = FlowInterpreter(provider: provider, simulator: simulator, environment: [:])
        return await interpreter.run(
            FlowRunRequest(flow: flow, persona: flow.personas.first, targetName: "test", seed: seed))
    }

    func amigo(_ server: SandboxServer, client: HTTPClient, users: Int = 8) -> AmigoProvider {
        let c = server.configuration.credentials
        return AmigoProvider(
            settings: AmigoSettings(
                baseURL: server.baseURL, organization: c.amigoOrganization, apiKey: c.amigoAPIKey,
                apiKeyID: c.amigoAPIKeyID,
                userIDs: Array(SandboxProviderSpec.syntheticUsers(first: c.amigoUserID).prefix(users)),
                serviceID: c.amigoServiceID),
            client: client)
    }

    func openAI(_ baseURL: String, key: String = "sk-parley-sandbox", client: HTTPClient) -> OpenAISimulator {
        OpenAISimulator(
            client: OpenAIChatClient(
                settings: OpenAISettings(
                    name: "test", baseURL: baseURL, apiKey: key,
                    model: "parley-simulated-user", stream: false), client: client),
            timeout: .seconds(10))
    }

    @Test func theTargetSourceReachesTheGoalAndRecordsEveryCandidate() async throws {
        let server = try await SandboxServer.start()
        let client = HTTPClient()
        defer { client.shutdown() }
        let result = await run(
            try load(Self.refundFlow), provider: amigo(server, client: client), simulator: TargetRecommendSimulator())
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        let simulated = result.turns.filter { $0.simulated == true }
        #expect(!simulated.isEmpty)
        #expect(simulated.allSatisfy { ($0.candidates?.count ?? 0) >= 3 && $0.candidates?.contains($0.text) == true })
        #expect(simulated.contains { $0.text.contains("ORD-1042") }, "the persona's order number is given when asked")
    }

    @Test func theOpenAISourceReachesTheGoal() async throws {
        let server = try await SandboxServer.start()
        let client = HTTPClient()
        defer { client.shutdown() }
        let result = await run(
            try load(Self.refundFlow), provider: LocalProvider(),
            simulator: openAI(server.baseURL + "/openai/v1", client: client))
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        #expect(result.turns.filter { $0.simulated == true }.allSatisfy { ($0.candidates?.count ?? 0) == 3 })
        #expect(server.stats.requests(.openAIChat) >= 2)
    }

    @Test func anUnreachableSimulatorIsAnError() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        let result = await run(
            try load(Self.refundFlow), provider: LocalProvider(),
            simulator: openAI("http://127.0.0.1:9/v1", client: client))
        #expect(result.outcome == .error)
        #expect(result.failure?.errorKind == .unreachable)
        #expect(
            result.failure?.message.contains("cannot reach the OpenAI-compatible endpoint `test`") == true,
            "\(result.failure?.message ?? "")")
    }

    @Test func aSimulatorRefusingTheKeyIsAnErrorWithoutTheKey() async throws {
        let server = try await SandboxServer.start()
        let client = HTTPClient()
        defer { client.shutdown() }
        let result = await run(
            try load(Self.refundFlow), provider: LocalProvider(),
            simulator: openAI(server.baseURL + "/openai/v1", key: "sk-wrong-SECRET-KEY", client: client))
        await server.stop()
        #expect(result.outcome == .error)
        #expect(result.failure?.errorKind == .authRefused)
        #expect(result.failure?.message.contains("SECRET") == false)
    }

    @Test func anEmptyCandidateListIsAnErrorWithAClearMessage() async throws {
        let flow = try load(
            """
            flow: no-matching-reply
            replies:
              - when: /never said/
                say: nothing
            steps:
              - expect: /how can I help/i
              - recommend
            """)
        let result = await run(flow, provider: LocalProvider(), simulator: ScriptSimulator())
        #expect(result.outcome == .error)
        #expect(result.failure?.message == "the `script` simulator offered no candidate replies")
        #expect(result.failure?.location.line == 7)
    }

    @Test func recommendingForAnInteractionThatIsNoLongerTheLatestIsAnErrorNamingIt() async throws {
        let server = try await SandboxServer.start()
        let client = HTTPClient()
        defer { client.shutdown() }
        let provider = amigo(server, client: client, users: 1)
        let conversation = try await provider.makeConversation(ConversationContext(flowName: "t"))
        let greeting = try await conversation.start(.agentFirst)
        let conversationID = try #require(greeting.ids["conversation_id"])
        let staleInteraction = try #require(greeting.ids["interaction_id"])

        // Another client interacts with the same conversation, so Parley's interaction is stale.
        let c = server.configuration.credentials
        var signIn = HTTPRequest(
            method: .post, url: server.baseURL + "/v1/\(c.amigoOrganization)/user/signin_with_api_key")
        signIn.headers = ["x-api-key": c.amigoAPIKey, "x-api-key-id": c.amigoAPIKeyID, "x-user-id": c.amigoUserID]
        let token = try #require(try JSONValue(parsing: try await client.execute(signIn).body)["id_token"]?.string)
        var form = MultipartForm()
        form.addField(name: "initial_message_type", value: "user-message")
        form.addField(name: "recorded_message", value: "Where is my order?")
        var interact = HTTPRequest(
            method: .post,
            url: server.baseURL
                + "/v1/\(c.amigoOrganization)/conversation/\(conversationID)/interact"
                + "?request_format=text&response_format=text",
            body: .multipart(form))
        interact.headers = ["Authorization": "Bearer \(token)"]
        #expect(try await client.execute(interact).status == 200)

        do {
            _ = try await conversation.recommendResponses(context: SimulationContext.text(persona: nil, scenario: nil))
            Issue.record("recommend on a stale interaction must fail")
        } catch {
            #expect(error.status == 400)
            #expect(error.message.contains(staleInteraction))
            #expect(error.message.contains("latest completed interaction"))
        }
        try await conversation.end()
        await conversation.release()
        await server.stop()
    }

    @Test func anotherTargetSimulatesUsersThroughAMirroredConversation() async throws {
        let server = try await SandboxServer.start()
        let client = HTTPClient()
        defer { client.shutdown() }
        let simulator = MirroredTargetSimulator(targetName: "sandbox-amigo", provider: amigo(server, client: client))
        // The agent under test is the in-process demo agent; the simulated user comes from Amigo.
        let result = await run(try load(Self.refundFlow), provider: LocalProvider(), simulator: simulator)
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        let simulatedTurns = result.turns.filter { $0.simulated == true }.count
        #expect(simulatedTurns >= 2)
        // The shadow conversation got every user message (mirrored once each) and was finished.
        #expect(server.stats.userMessages.values.max() ?? 0 <= 1, "no user message mirrored twice")
        #expect(server.stats.requests(.amigoRecommend) == simulatedTurns)
        #expect(server.stats.requests(.amigoFinish) == 1)
        await server.stop()
    }

    /// A provider that records the context of every conversation it opens.
    final class RecordingProvider: ConversationProvider {
        let wrapped: any ConversationProvider
        let contexts = Mutex<[ConversationContext]>([])
        var kind: String { wrapped.kind }
        var capabilities: ProviderCapabilities { wrapped.capabilities }

        init(wrapped: any ConversationProvider) {
            self.wrapped = wrapped
        }

        func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
            contexts.withLock { $0.append(context) }
            return try await wrapped.makeConversation(context)
        }
    }

    @Test func theShadowConversationGetsTheFlowsTurnTimeout() async throws {
        let server = try await SandboxServer.start()
        let client = HTTPClient()
        defer { client.shutdown() }
        let recording = RecordingProvider(wrapped: amigo(server, client: client))
        let simulator = MirroredTargetSimulator(targetName: "sandbox-amigo", provider: recording)
        // A long turn timeout: the shadow's calls must not be cut at the 30 s default.
        let flow = try load(Self.refundFlow.replacingOccurrences(of: "steps:", with: "turn_timeout: 3m\nsteps:"))
        let result = await run(flow, provider: LocalProvider(), simulator: simulator)
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        #expect(recording.contexts.withLock { $0.map(\.turnTimeout) } == [.seconds(180)])
        await server.stop()
    }

    @Test func randomPicksAreReproducibleWithTheSameSeed() async throws {
        let server = try await SandboxServer.start()
        let client = HTTPClient()
        defer { client.shutdown() }
        let provider = amigo(server, client: client)
        let flow = try load(
            Self.refundFlow.replacingOccurrences(of: "max_turns: 6 }", with: "max_turns: 6, pick: random }"))
        func choices(_ seed: UInt64) async -> [String] {
            await run(flow, provider: provider, simulator: TargetRecommendSimulator(), seed: seed).turns.filter {
                $0.simulated == true
            }.map(\.text)
        }
        let first = await choices(11)
        #expect(!first.isEmpty)
        #expect(await choices(11) == first)
        var distinct = Set<[String]>()
        for seed: UInt64 in 1...6 { distinct.insert(await choices(seed)) }
        #expect(distinct.count > 1, "different seeds pick differently")
        await server.stop()
    }

    @Test func theStreamedChatClientAssemblesTheTextAndTimesTheFirstToken() async throws {
        let server = try await SandboxServer.start(
            SandboxConfiguration(latency: .milliseconds(30), chunkDelay: .milliseconds(5)))
        let client = HTTPClient()
        defer { client.shutdown() }
        let settings = OpenAISettings(
            name: "agent", baseURL: server.baseURL + "/openai/v1", apiKey: "sk-parley-sandbox",
            model: "parley-support-desk")
        let chat = OpenAIChatClient(settings: settings, client: client)
        let completion = try await chat.complete(
            [ChatMessage(role: "user", content: "I want to talk to a human")], stream: true, timeout: .seconds(10))
        await server.stop()
        #expect(completion.texts.first?.contains("transferring you to a human agent") == true)
        let firstToken = try #require(completion.timeToFirstToken)
        #expect(firstToken >= .milliseconds(30))
        #expect(firstToken < completion.latency)
    }
}
