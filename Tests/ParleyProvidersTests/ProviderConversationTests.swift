import Foundation
import Testing
import ParleyJSON
@testable import ParleyProviders
import ParleyRun
import ParleySandbox

/// Whole conversations and refused credentials, the same for every protocol, over real HTTP.
@Suite struct ProviderConversationTests {
    @Test(arguments: Wire.allCases)
    func aFullConversationPassesAndEveryReplyNamesTheConversation(_ wire: Wire) async throws {
        try await withSandbox { server in
            let result = try await run(refundFlow, target: wire.target(server.baseURL))
            #expect(result.outcome == .passed, "\(result.summary)")
            #expect(result.turns.map(\.role) == [.user, .agent, .user, .agent, .user, .agent])
            #expect(result.turns.last?.text.contains("Your refund has been issued under ticket T-") == true)
            let ids = result.conversationIDs
            #expect(ids.count == 1, "one conversation id on every reply: \(ids)")
            let id = try #require(ids.first)
            #expect(result.conversationId == id)
            #expect(server.stats.userMessages[id] == 3, "each message delivered once")
            #expect(result.turns.filter { $0.role == .agent }.allSatisfy { ($0.latencyMs ?? -1) >= 0 })
        }
    }

    @Test(arguments: Wire.allCases)
    func refusedCredentialsEndTheRunAsAuthRefusedWithoutShowingTheSecret(_ wire: Wire) async throws {
        let fake = wire == .agenthuman ? "ah_live_FAKEsecret9Q7Z3" : "FAKE-secret-9Q7Z3"
        try await withSandbox { server in
            let yaml = wire.target(server.baseURL, secret: fake)
            #expect(
                parseTarget(yaml).secrets.contains(fake), "a credential read from the config is registered as a secret")
            let result = try await run(refundFlow, target: yaml)
            #expect(result.outcome == .error, "\(result.summary)")
            #expect(result.failure?.errorKind == ErrorKind.authRefused)
            let message = try #require(result.failure?.message)
            let expected =
                switch wire {
                case .amigo: "Amigo refused the API key"
                case .amelia:
                    "Amelia refused the login of `sandbox@parley.local` (500: Bad credentials) — check `username` "
                        + "and `password`"
                case .agenthuman:
                    "AgentHuman refused the API key while creating a session (401): Invalid or missing API key — "
                        + "check `api_key`"
                }
            #expect(message.contains(expected), "\(message)")
            #expect(!message.contains(fake))
            #expect(!result.transcriptJSON.contains(fake))
            #expect(result.steps.first?.status == .error)
            #expect(server.stats.totalUserMessages == 0)
        }
    }

    @Test(arguments: Wire.allCases)
    func theConversationAPIReportsAuthRefusedAsAKindCallersCanActOn(_ wire: Wire) async throws {
        try await withSandbox { server in
            let resources = ProviderResources()
            let provider = try await makeProvider(
                wire.target(server.baseURL, secret: "wrong-credential-4455"), resources: resources)
            let conversation = try await provider.makeConversation(ConversationContext(flowName: "direct"))
            do {
                _ = try await conversation.start(.userMessage("hello"))
                Issue.record("the start should have been refused")
            } catch let error as ProviderError {
                #expect(error.kind == .authRefused)
                #expect(error.preventsRunning)
                #expect(!error.message.contains("wrong-credential-4455"))
            } catch {
                Issue.record("unexpected error \(error)")
            }
            await conversation.release()
            await resources.shutdown()
        }
    }
}
