import Foundation
import Testing
import ParleyHTTP
import ParleyJSON
@testable import ParleyProviders
import ParleyRun
import ParleySandbox

@Suite struct AgentHumanProviderTests {
    /// A deployment whose Send Message differs from the default in every part.
    static let otherShape = AgentHumanMessageRoute(
        method: "PUT", path: "chat/{session_id}/turns", textField: "input",
        replyPath: ["data", "reply", "content"])
    static let override = """
            send_message:
              method: PUT
              path: /api/v1/chat/${session_id}/turns
              text_field: input
              fields: { channel: text, session: "${session_id}" }
              reply_path: data.reply.content
        """

    @Test func theSendMessageOverrideReachesADeploymentOfAnotherShape() async throws {
        try await withSandbox(SandboxConfiguration(agentHumanMessageRoute: Self.otherShape)) { server in
            let result = try await run(refundFlow, target: Wire.agenthuman.target(server.baseURL, extra: Self.override))
            #expect(result.outcome == .passed, "\(result.summary)")
            let id = try #require(result.conversationIDs.first)
            #expect(server.stats.userMessages[id] == 3)
            #expect(result.turns.last?.ids?["message_id"] != nil, "the id beside the reply text is kept")
        }
    }

    @Test func aWrongReplyPathIsAClearExtractionError() async throws {
        try await withSandbox(SandboxConfiguration(agentHumanMessageRoute: Self.otherShape)) { server in
            let wrong = Self.override.replacingOccurrences(
                of: "reply_path: data.reply.content", with: "reply_path: data.reply.text")
            let result = try await run(refundFlow, target: Wire.agenthuman.target(server.baseURL, extra: wrong))
            #expect(result.outcome == .error, "\(result.summary)")
            #expect(result.failure?.errorKind == ErrorKind.protocolViolation)
            #expect(
                result.failure?.message
                    == "the reply text is not where `send_message.reply_path` says (`data.reply.text`): "
                    + "`data.reply` has no member `text` (it has message_id, content, created_at) — check "
                    + "`send_message` of the target "
                    + "against what the deployment answers")
        }
    }

    @Test func theDefaultShapeAgainstAnotherDeploymentPointsAtTheOverride() async throws {
        try await withSandbox(SandboxConfiguration(agentHumanMessageRoute: Self.otherShape)) { server in
            let result = try await run(refundFlow, target: Wire.agenthuman.target(server.baseURL))
            #expect(result.outcome == .error)
            #expect(
                result.failure?.message
                    == "AgentHuman answered 404 to Send Message (POST /api/v1/sessions/${session_id}/messages): "
                    + "Not found — the call is not published; check `send_message` of the target")
        }
    }

    @Test func theOverrideBuildsTheRequestItDescribes() throws {
        let parsed = parseTarget(Wire.agenthuman.target("http://127.0.0.1:9", extra: Self.override))
        let spec = try #require(parsed.spec as? AgentHumanProviderSpec, "\(parsed.errors)")
        let shape = spec.settings.sendMessage
        #expect(shape.method == .put)
        #expect(shape.url(base: "http://h", sessionID: "1001", agentID: "123") == "http://h/api/v1/chat/1001/turns")
        #expect(
            shape.body(text: "hi", sessionID: "1001", agentID: "123").serialized
                == #"{"channel":"text","session":"1001","input":"hi"}"#)
        let nested = try JSONPath(parsingShortForm: "message.text")
        var deep = shape
        deep.textField = nested
        #expect(
            deep.body(text: "hi", sessionID: "7", agentID: "1").serialized
                == #"{"channel":"text","session":"7","message":{"text":"hi"}}"#)
    }

    @Test func endingTheSessionSendsItsDurationAndTranscript() async throws {
        try await withSandbox { server in
            let flow = "steps:\n  - send: What's the weather on Mars?\n  - expect: /didn't catch that/\n  - end\n"
            let result = try await run(flow, target: Wire.agenthuman.target(server.baseURL))
            #expect(result.outcome == .passed, "\(result.summary)")
            #expect(server.stats.requests(.agentHumanEndSession) == 1)
            // Read the session back the way any client would.
            let body = try await agentHumanSessions(server, query: "?status=completed")
            let sessions = try #require(try JSONValue(parsing: body)["sessions"]?.array)
            #expect(sessions.count == 1)
            let transcript = try #require(sessions.first?["transcript"]?.string)
            #expect(transcript.hasPrefix("User: What's the weather on Mars?\nAgent: Sorry, I didn't catch that."))
            let duration = try #require(sessions.first?["duration"]?.int, "the duration is sent in whole seconds")
            #expect((0..<60).contains(duration))
        }
    }

    @Test func metadataNumbersReachTheAgentDigitForDigit() async throws {
        try await withSandbox { server in
            let metadata = """
                    metadata: { order: 12345678901234567890, n: 9007199254740993, ratio: 0.10, big: 0x7FFFFFFFFFFFFFFF }
                """
            let flow = "steps:\n  - send: What's the weather on Mars?\n  - end\n"
            let result = try await run(flow, target: Wire.agenthuman.target(server.baseURL, extra: metadata))
            #expect(result.outcome == .passed, "\(result.summary)")
            let body = try await agentHumanSessions(server)
            #expect(
                body.contains(
                    #""metadata":{"order":12345678901234567890,"n":9007199254740993,"ratio":0.10,"#
                        + #""big":9223372036854775807}"#), "\(body)")
        }
    }

    @Test func theAgentCannotSpeakFirst() async throws {
        try await withSandbox { server in
            let resources = ProviderResources()
            let provider = try await makeProvider(Wire.agenthuman.target(server.baseURL), resources: resources)
            #expect(provider.capabilities == [.userFirst])
            let conversation = try await provider.makeConversation(ConversationContext(flowName: "first"))
            await #expect(throws: ProviderError.self) { _ = try await conversation.start(.agentFirst) }
            #expect(server.stats.totalRequests == 0, "nothing is sent for an opening the protocol cannot do")
            await resources.shutdown()
        }
    }

    @Test func aRateLimitRefusalIsWaitedOutAndTheMessageDeliveredOnce() async throws {
        let fault = SandboxFault(.rateLimited(retryAfter: 1), endpoint: .agentHumanMessage, limit: 1)
        try await withSandbox(SandboxConfiguration(faults: [fault])) { server in
            let clock = ContinuousClock()
            let started = clock.now
            let result = try await run(refundFlow, target: Wire.agenthuman.target(server.baseURL))
            #expect(result.outcome == .passed, "\(result.summary)")
            #expect(clock.now - started >= .seconds(1), "Retry-After was honoured")
            let id = try #require(result.conversationIDs.first)
            #expect(server.stats.userMessages[id] == 3)
            #expect(server.stats.requests(.agentHumanMessage) == 4)
        }
    }

    @Test func aFailureEnvelopeInASuccessfulAnswerIsAnError() throws {
        let provider = AgentHumanProvider(
            settings: AgentHumanSettings(baseURL: "http://127.0.0.1:9", apiKey: "k", agentID: 1), client: HTTPClient())
        defer { provider.http.client.shutdown() }
        let response = HTTPResponse(
            status: 200, headers: [:], body: Array(#"{"success":false,"error":"Agent is offline"}"#.utf8),
            timing: HTTPTiming(started: .now))
        let error = #expect(throws: ProviderError.self) {
            try provider.successBody(response, doing: "sending a message")
        }
        #expect(error?.message == "AgentHuman reported a failure while sending a message: Agent is offline")
    }

    @Test func theDocumentedRateLimitIsSeededAndCanBeTurnedOff() throws {
        let documented = try #require(parseTarget(Wire.agenthuman.target("http://h")).spec as? AgentHumanProviderSpec)
        #expect(documented.settings.rateLimits == ["requests": 60])
        let off = try #require(
            parseTarget(Wire.agenthuman.target("http://h", extra: "    rate_limits: off")).spec
                as? AgentHumanProviderSpec)
        #expect(off.settings.rateLimits.isEmpty)
    }

    @Test func aMessageKeepsItsTurnDeadlineWithoutATaskOfItsOwn() async throws {
        // The second message (the first rides on the start) is answered only after 8 s.
        let faults = [SandboxFault(.slowFirstByte(.seconds(8)), endpoint: .agentHumanMessage, every: 2, limit: 1)]
        try await withOpenedConversation(.agenthuman, faults: faults) { _, conversation in
            await expectMessageEndsAtItsKeptDeadline(conversation)
            try await conversation.end()
        }
    }
}
