import Foundation
import Testing
import ParleyJSON
@testable import ParleyProviders
import ParleyRun
import ParleySandbox

@Suite struct AmeliaProviderTests {
    @Test func anExpiredSessionIsRepairedByLoggingInAgainOnce() async throws {
        try await withSandbox { server in
            let resources = ProviderResources()
            let provider = try await makeProvider(Wire.amelia.target(server.baseURL), resources: resources)
            let conversation = try await provider.makeConversation(ConversationContext(flowName: "expiry"))
            let first = try await conversation.start(.userMessage("Where is my order?"))
            #expect(first.text.contains("order number"))
            #expect(server.stats.requests(.ameliaLogin) == 1)

            server.expireAmeliaSessions()
            let second = try await conversation.send("ORD-1042")
            #expect(second.text.contains("status of order ORD-1042"))
            #expect(server.stats.requests(.ameliaLogin) == 2, "one new login after the 410")
            #expect(second.events.first?.kind == "relogin")
            #expect(second.events.first?.detail?.contains("410") == true)
            let session = try #require(second.ids["conversation_id"])
            #expect(
                server.stats.userMessages[session] == 2,
                "the message refused with 410 was delivered once, after the login")
            #expect(server.stats.requests(.ameliaSend) == 3)

            try await conversation.end()
            #expect(server.stats.requests(.ameliaClose) == 1)
            await conversation.release()
            #expect(server.stats.requests(.ameliaLogout) == 1)
            await resources.shutdown()
        }
    }

    @Test func escalationAndClosingAreRecordedAsEvents() async throws {
        try await withSandbox { server in
            let flow = """
                steps:
                  - expect: /how can I help/i
                  - send: Can I talk to a human?
                  - expect: transferring you to a human agent
                  - send: Actually never mind, bye.
                  - expect: /goodbye/i
                  - end
                """
            let result = try await run(flow, target: Wire.amelia.target(server.baseURL))
            #expect(result.outcome == .passed, "\(result.summary)")
            let agentTurns = result.turns.filter { $0.role == .agent }
            #expect(agentTurns.count == 3)
            #expect(agentTurns[1].events?.map(\.kind) == ["escalation"])
            #expect(agentTurns[1].events?.first?.detail == "Transferring you to a human agent.")
            #expect(agentTurns[2].events?.map(\.kind) == ["closed"])
            #expect(agentTurns[2].conversationCompleted == true)
            #expect(result.steps.last?.detail == "the agent had already ended the conversation")
            #expect(server.stats.requests(.ameliaClose) == 0, "a conversation Amelia closed is not closed again")
            // The transcript keeps the events as written to disk.
            #expect(result.transcriptJSON.contains(#""kind":"escalation""#))
        }
    }

    @Test func anAgentFirstConversationReturnsTheGreetingAndAUserFirstOneRecordsIt() async throws {
        try await withSandbox { server in
            let greeting =
                "Hi, thanks for contacting Juniper & Pine! I'm Juno, your virtual assistant. How can I help you today?"
            let agentFirst = try await run(
                "steps:\n  - expect: { equals: \"\(greeting)\" }\n", target: Wire.amelia.target(server.baseURL))
            #expect(agentFirst.outcome == .passed, "\(agentFirst.summary)")
            #expect(agentFirst.opening == .agentFirst)

            let userFirst = try await run(
                "steps:\n  - send: hello\n  - expect: { equals: \"Hello! How can I help you today?\" }\n",
                target: Wire.amelia.target(server.baseURL))
            #expect(userFirst.outcome == .passed, "\(userFirst.summary)")
            let reply = try #require(userFirst.turns.last)
            #expect(reply.events?.first == ProviderEvent(kind: "greeting", detail: greeting))
        }
    }

    @Test func pollsKeepGoingThroughSlowRepliesAndSlowDownWhenNothingComes() async throws {
        // Replies come after 300 ms: polls back off from 20 ms, doubling, so they stay few.
        try await withSandbox(SandboxConfiguration(latency: .milliseconds(300))) { server in
            let result = try await run(refundFlow, target: Wire.amelia.target(server.baseURL))
            #expect(result.outcome == .passed, "\(result.summary)")
            let polls = server.stats.requests(.ameliaPoll)
            // Four replies (greeting and three answers) of ~300 ms each: a fixed 20 ms poll would take ~60.
            #expect(polls <= 4 * 8, "polled \(polls) times")
            #expect(result.turns.filter { $0.role == .agent }.allSatisfy { ($0.latencyMs ?? 0) >= 300 })
        }
    }

    @Test func pollFailuresAreRetriedButRepeatedOnesEndTheRun() async throws {
        try await withSandbox(
            SandboxConfiguration(faults: [SandboxFault(.internalError, endpoint: .ameliaPoll, every: 2, limit: 2)])
        ) { server in
            let result = try await run(refundFlow, target: Wire.amelia.target(server.baseURL))
            #expect(result.outcome == .passed, "a poll is safe to repeat after a 500: \(result.summary)")
            let id = try #require(result.conversationIDs.first)
            #expect(server.stats.userMessages[id] == 3)
        }
        try await withSandbox(SandboxConfiguration(faults: [SandboxFault(.internalError, endpoint: .ameliaPoll)])) {
            server in
            let result = try await run(refundFlow, target: Wire.amelia.target(server.baseURL))
            #expect(result.outcome == .error)
            #expect(
                result.failure?.message == "Amelia failed while waiting for the greeting (500): Internal Server Error")
            #expect(server.stats.requests(.ameliaPoll) == RetryPolicy().maxAttempts)
        }
    }

    @Test func aSystemErrorFromAmeliaEndsTheRunAsErrorWithItsMessage() async throws {
        try await withSandbox(
            SandboxConfiguration(faults: [SandboxFault(.systemError, endpoint: .ameliaSend, limit: 1)])
        ) { server in
            let result = try await run(refundFlow, target: Wire.amelia.target(server.baseURL))
            #expect(result.outcome == .error, "\(result.summary)")
            #expect(result.failure?.errorKind == .systemError)
            #expect(
                result.failure?.message == "Amelia reported a system error (OutboundSystemErrorMessage): "
                    + "An unexpected error occurred while processing your request.")
            #expect(result.failure?.location.line == 4)
            #expect(server.stats.totalUserMessages == 1, "the message reached Amelia once; it is not sent again")
        }
    }

    @Test func aBaseURLThatIsNotAnAmeliaGatewayIsExplained() async throws {
        try await withSandbox { server in
            let result = try await run(refundFlow, target: Wire.amelia.target(server.baseURL + "/elsewhere"))
            #expect(result.outcome == .error)
            #expect(result.failure?.errorKind == ErrorKind.configuration)
            #expect(
                result.failure?.message
                    == "Amelia's auth/login answered 404: `base_url` does not lead to an Amelia REST gateway "
                    + "(Parley calls /AmeliaRest/api/v1/… under it)")
        }
    }

    @Test func anUnknownDomainIsExplained() async throws {
        try await withSandbox { server in
            let yaml = Wire.amelia.target(server.baseURL).replacingOccurrences(
                of: "domain: support", with: "domain: sales")
            let result = try await run(refundFlow, target: yaml)
            #expect(result.outcome == .error)
            #expect(
                result.failure?.message
                    == "Amelia refused to start a conversation in domain `sales` (400): Unknown domain code: sales — "
                    + "check `domain`"
            )
        }
    }
}
