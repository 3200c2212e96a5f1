import Foundation
import ParleyRun
import ParleySandbox
import Testing

@testable import ParleyProviders

/// `reply: { webhook: … }`: the agent POSTs its replies to a URL Parley puts in the request —
/// here the sandbox's Amelia with `deliveryMode: WEBHOOK`, described through `provider: http`.
@Suite(.timeLimit(.minutes(1))) struct HTTPWebhookReplyTests {
    typealias Support = ProviderTestSupport

    static func amelia(_ base: String, webhook: String, secret: String = "${webhook_secret}") -> String {
        """
        targets:
          amelia-hook:
            provider: http
            base_url: \(base)/AmeliaRest/api/v1
            headers: { X-Amelia-Rest-Token: "${token}" }
            webhook: \(webhook)
            login:
              request:
                method: POST
                path: /auth/login
                json: { username: sandbox@parley.local, password: sandbox-password }
              extract: { token: $.token }
            start:
              request:
                method: POST
                path: /conversations/new
                json: { domain: support, deliveryMode: WEBHOOK, webhookUrl: "${webhook_url}", secret: "\(secret)" }
              extract: { conversation_id: $.sessionId }
              reply:
                webhook: &hook
                  id: $.messageId
                  skip:
                    - { path: $.selfEcho, equals: true }
                    - { path: $.ameliaMessageType, equals: OutboundBmlStatusMessage }
                  text: $.messageText
                  until:
                    path: $.ameliaMessageType
                    in: [OutboundAmeliaReadyMessage, OutboundConversationClosedMessage]
                  completed: { path: $.ameliaMessageType, equals: OutboundConversationClosedMessage }
                  events:
                    escalation: { path: $.ameliaMessageType, equals: OutboundEscalationStartedMessage }
            send:
              request:
                method: POST
                path: "/conversations/${conversation_id}/send"
                json: { messageText: "${message}" }
              reply: { webhook: *hook }
            end:
              request: { method: POST, path: "/conversations/${conversation_id}/close", json: {} }
        """
    }

    static let refund = """
        flow: hooked-refund
        turn_timeout: 30s
        steps:
          - expect: /how can I help/i
          - send: My blender arrived cracked.
          - expect: /order number/i
          - send: It's ORD-1042.
          - expect: /refund/i
          - end
        """

    @Test(arguments: [
        "{ secret: { header: X-Amelia-Webhook-Secret } }",
        "{ secret: { header: X-Amelia-Webhook-Secret, value: shared-hook-secret } }",
        "{ bind: 127.0.0.1, port: 0 }",
    ])
    func repliesArriveByWebhook(webhook: String) async throws {
        let faults = try SandboxFault.parse("duplicate")
        try await withSandbox(SandboxConfiguration(faults: faults)) { server in
            let secret = webhook.contains("secret") ? "${webhook_secret}" : ""
            let result = try await Support.run(
                Support.flow(Self.refund), target: Self.amelia(server.baseURL, webhook: webhook, secret: secret))
            #expect(result.outcome == .passed, "\(webhook): \(result.summary)")
            #expect(server.stats.requests(.ameliaPoll) == 0)
            #expect(server.stats.webhooks.refused == 0)
            for turn in result.turns where turn.role == .agent {
                let lines = turn.text.split(separator: "\n")
                #expect(Set(lines).count == lines.count, "a message delivered twice is read once: \(turn.text)")
            }
        }
    }

    @Test func deliveriesWithoutTheSharedSecretAreRefused() async throws {
        try await withSandbox { server in
            let target = Self.amelia(
                server.baseURL, webhook: "{ secret: { header: X-Amelia-Webhook-Secret, value: the-right-one } }",
                secret: "a-wrong-one")
            let flow = Self.refund.replacingOccurrences(of: "turn_timeout: 30s", with: "turn_timeout: 4s")
            let result = try await Support.run(Support.flow(flow), target: target)
            #expect(result.outcome == .error)
            #expect(result.failure?.errorKind == .timeout)
            #expect(result.failure?.message.contains("the-right-one") == false)
            #expect(server.stats.webhooks.refused > 0)

            // What the provider itself says when the turn runs out (the flow's own deadline, a moment
            // later, may say it first on a loaded machine).
            let resources = ProviderResources()
            let provider = try await makeProvider(target, resources: resources)
            let conversation = try await provider.makeConversation(
                ConversationContext(flowName: "refused", turnTimeout: .seconds(10)))
            do {
                _ = try await conversation.start(.agentFirst)
                Issue.record("a reply was read from deliveries that were all refused")
            } catch let error as ProviderError {
                #expect(error.kind == .timeout)
                #expect(error.message.contains("refused for a missing or wrong secret"), "\(error.message)")
                #expect(error.message.contains("0 deliveries read"), "\(error.message)")
                #expect(!error.message.contains("the-right-one"))
            }
            await conversation.release()
            await resources.shutdown()
        }
    }

    @Test func webhookVariablesAndSettingsAreChecked() {
        let unused = Support.diagnostics(
            """
            targets:
              t:
                provider: http
                webhook: { port: 0 }
                send:
                  request: { url: "http://x/${webhook_url}" }
                  reply: { json: { text: $.text } }
            """)
        #expect(unused.contains { $0.contains("no `start` or `send` uses") }, "\(unused)")
        let secretWithoutHeader = Support.diagnostics(
            """
            targets:
              t:
                provider: http
                send:
                  request: { url: "http://x/", json: { callback: "${webhook_url}", secret: "${webhook_secret}" } }
                  reply: { webhook: { text: $.text, until: { path: $.done, equals: true } } }
            """)
        #expect(
            secretWithoutHeader.contains { $0.contains("unknown variable ${webhook_secret}") }, "\(secretWithoutHeader)"
        )
        #expect(!secretWithoutHeader.contains { $0.contains("${webhook_url}") }, "\(secretWithoutHeader)")
        let reserved = Support.diagnostics(
            """
            targets:
              t:
                provider: http
                variables: { webhook_url: x }
                send:
                  request: { url: "http://x/" }
                  reply: { json: { text: $.text } }
            """)
        #expect(reserved.contains { $0.contains("`webhook_url` is reserved") }, "\(reserved)")
    }
}
