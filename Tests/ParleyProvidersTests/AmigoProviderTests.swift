import Foundation
import Testing
@testable import ParleyProviders
import ParleyRun
import ParleySandbox

@Suite struct AmigoProviderTests {
    @Test func anExpiredTokenIsRenewedBySigningInAgainMidConversation() async throws {
        try await withSandbox { server in
            let resources = ProviderResources()
            let provider = try await makeProvider(Wire.amigo.target(server.baseURL), resources: resources)
            let conversation = try await provider.makeConversation(ConversationContext(flowName: "token"))
            let first = try await conversation.start(.userMessage("Where is my order?"))
            #expect(first.text.contains("order number"))
            #expect(server.stats.requests(.amigoSignIn) == 1)

            server.expireAmigoTokens()
            let second = try await conversation.send("ORD-1042")
            #expect(second.text.contains("status of order ORD-1042"))
            #expect(server.stats.requests(.amigoSignIn) == 2, "one new sign-in after the 401")
            let id = try #require(second.ids["conversation_id"])
            #expect(server.stats.userMessages[id] == 2, "the refused interact was not delivered, the repeated one once")
            try await conversation.end()
            await conversation.release()
            await resources.shutdown()
        }
    }

    @Test func aFlowRunsThroughATokenExpiryWithoutNoticing() async throws {
        // Tokens that live 6 s are renewed before they expire (halfway through, as short-lived tokens
        // are). Long enough that a busy machine's stall between renewal and use does not outlast one.
        try await withSandbox(SandboxConfiguration(amigoTokenLifetime: .seconds(6))) { server in
            let flow = """
                steps:
                  - send: Where is my order?
                  - expect: order number
                  - wait: 3500ms
                  - send: ORD-1042
                  - expect: status of order ORD-1042
                """
            let result = try await run(flow, target: Wire.amigo.target(server.baseURL))
            #expect(result.outcome == .passed, "\(result.summary)")
            #expect(server.stats.requests(.amigoSignIn) >= 2, "the token was renewed at least once")
        }
    }

    @Test(arguments: [
        SandboxFault.Kind.slowFirstByte(.seconds(8)),
        // A Retry-After pause of 8 s before the message would be sent again.
        .rateLimited(retryAfter: 8),
    ])
    func aMessageKeepsItsTurnDeadlineWithoutATaskOfItsOwn(_ fault: SandboxFault.Kind) async throws {
        let faults = [SandboxFault(fault, endpoint: .amigoInteract, limit: 1)]
        try await withOpenedConversation(.amigo, faults: faults) { _, conversation in
            await expectMessageEndsAtItsKeptDeadline(conversation)
            // The next message, given time, is answered.
            let next = await keptOutcome(limit: .seconds(30)) { () throws(ProviderError) in
                try await conversation.send("ORD-1042").text
            }
            #expect(next.contains("status of order ORD-1042"), "\(next)")
            try await conversation.end()
        }
    }

    @Test func endingKeepsItsDeadlineThroughARetryPause() async throws {
        // The finish is refused once with a Retry-After of 8 s; the end's deadline is 400 ms.
        let faults = [SandboxFault(.rateLimited(retryAfter: 8), endpoint: .amigoFinish, limit: 1)]
        try await withOpenedConversation(.amigo, faults: faults) { server, conversation in
            let started = ContinuousClock.now
            let outcome = await keptOutcome(limit: .milliseconds(400)) { () throws(ProviderError) in
                try await conversation.end()
                return "ended"
            }
            #expect(outcome == "timed out")
            let took = ContinuousClock.now - started
            #expect(took < .seconds(6), "the end stopped at its deadline, not after the server's pause (\(took))")
            #expect(
                server.stats.requests(.amigoFinish) == 1, "the refused finish was not sent again after the deadline")
        }
    }
}
