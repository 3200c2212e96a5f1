import Foundation
import Testing
import ParleyFlow
import ParleyJSON
@testable import ParleyProviders
import ParleyRun
import ParleySandbox

/// Values providers obtain while a run goes on are secrets from the moment they arrive; a
/// conversation the server created is ended, and named, whatever became of the reply.
@Suite struct RuntimeSecretTests {
    /// Runs a flow against a YAML target, returning the result and the run's secrets.
    func run(
        _ flowText: String, target yaml: String, endTimeout: Duration = FlowInterpreter.defaultEndTimeout
    ) async throws -> (FlowRunResult, SecretRegistry) {
        let resources = ProviderResources()
        let provider = try await makeProvider(yaml, resources: resources)
        let interpreter = FlowInterpreter(
            provider: provider, environment: [:], secrets: resources.secrets, endTimeout: endTimeout)
        let result = await interpreter.run(FlowRunRequest(flow: try loadFlow(flowText), persona: nil, targetName: "t"))
        await resources.shutdown()
        return (result, resources.secrets)
    }

    static let oneTurn = "steps:\n  - send: Where is my order?\n  - expect: order number\n"

    @Test func amigoIdTokensAndAmeliaSessionTokensAreSecrets() async throws {
        try await withSandbox { server in
            let (amigo, amigoSecrets) = try await run(Self.oneTurn, target: Wire.amigo.target(server.baseURL))
            #expect(amigo.outcome == .passed, "\(amigo.summary)")
            // Besides the configured credentials, the sign-in's id token.
            let credentials = SandboxCredentials.default
            let learned = amigoSecrets.secrets.subtracting([credentials.amigoAPIKey, credentials.amigoAPIKeyID])
            #expect(learned.count == 1, "\(learned)")

            let (amelia, ameliaSecrets) = try await run(Self.oneTurn, target: Wire.amelia.target(server.baseURL))
            #expect(amelia.outcome == .passed, "\(amelia.summary)")
            let tokens = ameliaSecrets.secrets.subtracting([credentials.ameliaPassword])
            #expect(tokens.count == 1, "the login's token: \(tokens)")
        }
    }

    @Test func aLoginTokenAndCredentialNamedExtractionsAreSecretsAndLeaveNoTrace() async throws {
        try await withSandbox { server in
            let target = """
                targets:
                  t:
                    provider: http
                    base_url: \(server.baseURL)/api/v1
                    headers: { x-api-key: \(SandboxCredentials.default.agentHumanAPIKey) }
                    login:
                      request:
                        method: POST
                        path: /sessions
                        json: { agent_id: 123, session_type: agent_chat, metadata: { k: "tok-from-login-5150" } }
                      extract: { token: $.session.metadata.k }
                    start:
                      request:
                        method: POST
                        path: /sessions
                        json: { agent_id: 123, session_type: agent_chat, metadata: { k: "sess-extracted-8080" } }
                      extract: { conversation_id: $.session.session_id, session_token: $.session.metadata.k }
                    send:
                      request:
                        method: PUT
                        path: /sessions/${conversation_id}/end
                        json: { transcript: "${message} ${token} ${session_token}" }
                      reply: { json: { text: $.session.transcript } }
                """
            let (result, secrets) = try await run("steps:\n  - send: hello\n  - expect: never said\n", target: target)
            #expect(result.outcome == .failed, "\(result.summary)")
            #expect(secrets.secrets.isSuperset(of: ["tok-from-login-5150", "sess-extracted-8080"]))
            let transcript = result.transcriptJSON
            #expect(!transcript.contains("tok-from-login-5150"), "\(transcript)")
            #expect(!transcript.contains("sess-extracted-8080"), "\(transcript)")
            #expect(result.failure?.actual == "hello [redacted] [redacted]")
        }
    }

    /// The `secret` member of the first request to `path` the sandbox received.
    static func sentSecret(_ log: SandboxRequestLog, path: String) throws -> String {
        let request = try #require(log.all.first { $0.path.hasSuffix(path) }, "no request to \(path)")
        return try #require(try JSONValue(parsing: request.body)["secret"]?.string, "no secret sent")
    }

    @Test func webhookSecretsAreSecrets() async throws {
        // Amelia's own webhook delivery: a secret of its own for each conversation.
        let ameliaLog = SandboxRequestLog()
        try await withSandbox(SandboxConfiguration(requestLog: ameliaLog)) { server in
            let (result, secrets) = try await run(Self.oneTurn, target: ameliaWebhookTarget(server.baseURL))
            #expect(result.outcome == .passed, "\(result.summary)")
            let secret = try Self.sentSecret(ameliaLog, path: "/conversations/new")
            #expect(secrets.secrets.contains(secret), "the conversation's webhook secret")
        }
        // A `provider: http` target whose replies come by webhook, with a secret made per conversation.
        let httpLog = SandboxRequestLog()
        try await withSandbox(SandboxConfiguration(requestLog: httpLog)) { server in
            let target = HTTPWebhookReplyTests.amelia(
                server.baseURL, webhook: "{ secret: { header: X-Amelia-Webhook-Secret } }"
            ).replacingOccurrences(of: "amelia-hook:", with: "t:")
            let flow = "turn_timeout: 30s\nsteps:\n  - expect: /how can I help/i\n  - send: Where is my order?\n"
            let (result, secrets) = try await run(flow, target: target)
            #expect(result.outcome == .passed, "\(result.summary)")
            let secret = try Self.sentSecret(httpLog, path: "/conversations/new")
            #expect(secrets.secrets.contains(secret), "the reply webhook's secret")
        }
        // One written in the configuration, shared by every conversation.
        let shared = HTTPWebhookReplyTests.amelia(
            "http://127.0.0.1:1", webhook: "{ secret: { header: X-Amelia-Webhook-Secret, value: shared-hook-4242 } }")
        #expect(parseTarget(shared).secrets.contains("shared-hook-4242"))
    }

    @Test func cookieValuesAreSecrets() async throws {
        let log = SandboxRequestLog()
        try await withSandbox(SandboxConfiguration(requestLog: log)) { server in
            let target = HTTPCookieAndHeaderTests.webchat(server.baseURL).replacingOccurrences(
                of: "webchat:\n", with: "t:\n")
            let (result, secrets) = try await run(
                "steps:\n  - send: My blender arrived cracked.\n  - expect: /order number/i\n", target: target)
            #expect(result.outcome == .passed, "\(result.summary)")
            // Every cookie value sent back (the login's session, the conversation's route) is a secret.
            let sent = log.all.compactMap { $0.header("Cookie") }.flatMap { $0.split(separator: ";") }
                .compactMap { $0.split(separator: "=", maxSplits: 1).last.map { String($0).trimmingSpaces } }
            let values = Set(sent.filter { $0.count >= SecretRegistry.minimumLength })
            #expect(!values.isEmpty, "the webchat sets cookies")
            #expect(values.isSubset(of: secrets.secrets), "\(values.subtracting(secrets.secrets))")
        }
    }

    @Test func aConversationIdThatArrivedBeforeTheStreamBrokeIsKept() async throws {
        let drop = SandboxFault(.dropMidStream, endpoint: .amigoCreateConversation, limit: 1)
        try await withSandbox(SandboxConfiguration(faults: [drop])) { server in
            let (result, _) = try await run(Self.oneTurn, target: Wire.amigo.target(server.baseURL))
            #expect(result.outcome == .error, "\(result.summary)")
            let id = try #require(result.conversationId, "the conversation-created event arrived before the drop")
            #expect(!id.isEmpty)
            #expect(server.stats.requests(.amigoFinish) == 1, "and the conversation was finished")
        }
    }

    @Test(arguments: [Wire.amelia, .agenthuman])
    func aConversationCreatedAfterTheTurnTimeoutIsStillEnded(_ wire: Wire) async throws {
        // Creating answers after 7 s; the turn allows 4 s (time enough, on a busy machine, to log in
        // and send the request before it ends). The server creates it anyway.
        let endpoint: SandboxEndpoint = wire == .amelia ? .ameliaNewConversation : .agentHumanCreateSession
        let slow = SandboxFault(.slowFirstByte(.seconds(7)), endpoint: endpoint, limit: 1)
        try await withSandbox(SandboxConfiguration(faults: [slow])) { server in
            let flow = "turn_timeout: 4s\nsteps:\n  - send: Where is my order?\n  - expect: order number\n"
            let (result, _) = try await run(flow, target: wire.target(server.baseURL), endTimeout: .seconds(15))
            #expect(result.outcome == .error)
            #expect(result.failure?.errorKind == .timeout, "\(result.summary)")
            let ended = wire == .amelia ? SandboxEndpoint.ameliaClose : .agentHumanEndSession
            #expect(server.stats.requests(ended) == 1, "the late conversation was ended: \(result.notes)")
            #expect(result.conversationId != nil, "and named in the result")
        }
    }
}
