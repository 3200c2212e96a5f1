import Foundation
import ParleyHTTP
import ParleyJSON
@testable import ParleyProviders
import ParleyRun
import ParleySandbox
import ParleyWebhooks
import Testing

/// An Amelia target delivering by webhook to a receiver on a free loopback port.
func ameliaWebhookTarget(_ baseURL: String, webhook: String = "") -> String {
    Wire.amelia.target(baseURL).replacingOccurrences(
        of: "    poll_interval: 20ms\n", with: "    poll_interval: 20ms\n    delivery: webhook\n\(webhook)")
}

@Suite(.timeLimit(.minutes(2))) struct AmeliaWebhookTests {
    @Test(arguments: ["polling", "webhook"])
    func aFlowPassesTheSameOverPollingAndWebhooks(delivery: String) async throws {
        try await withSandbox(SandboxConfiguration(latency: .milliseconds(5), chunkDelay: .milliseconds(2))) { server in
            let target =
                delivery == "webhook" ? ameliaWebhookTarget(server.baseURL) : Wire.amelia.target(server.baseURL)
            let result = try await run(refundFlow, target: target)
            #expect(result.outcome == .passed, "\(result.summary)")
            #expect(result.turns.filter { $0.role == .agent }.count == 3)
            if delivery == "webhook" {
                #expect(server.stats.requests(.ameliaPoll) == 0, "nothing polled")
                #expect(server.stats.webhooks.delivered > 0)
                #expect(server.stats.webhooks.refused == 0)
            } else {
                #expect(server.stats.requests(.ameliaPoll) > 0)
                #expect(server.stats.webhooks.attempts == 0)
            }
        }
    }

    @Test func deliveriesWithAWrongOrMissingSecretAreRefusedAndNeverRead() async throws {
        try await withSandbox(SandboxConfiguration(latency: .milliseconds(300))) { server in
            let resources = ProviderResources()
            let provider = try #require(
                try await makeProvider(ameliaWebhookTarget(server.baseURL), resources: resources) as? AmeliaProvider)
            let route = try #require(provider.webhooks)
            let conversation = try await provider.makeConversation(ConversationContext(flowName: "forgery"))
            let greeting = try await conversation.start(.agentFirst)
            let session = try #require(greeting.ids["conversation_id"])

            // Someone else posts into the conversation while Amelia is thinking about the reply.
            let client = HTTPClient()
            let forged = JSONValue.object([
                ("messageId", "forged-1"), ("sessionId", .string(session)), ("sessionSequence", 3),
                ("ameliaMessageType", "OutboundTextMessage"), ("messageText", "Your refund is REJECTED."),
                ("sourceUserType", "Amelia"),
            ])
            for secret in ["not-the-secret", nil] as [String?] {
                var request = HTTPRequest(method: .post, url: route.url, body: .json(forged.bytes))
                if let secret { request.headers.add(name: "X-Amelia-Webhook-Secret", value: secret) }
                let answer = try await client.execute(request)
                #expect(answer.status == 401)
            }
            client.shutdown()

            let reply = try await conversation.send("My blender arrived cracked.")
            #expect(!reply.text.contains("REJECTED"), "a refused delivery never enters a reply")
            #expect(reply.text.contains("order number"))
            let refusals = reply.events.filter { $0.kind == "webhook-refused" }
            #expect(refusals.count == 1, "logged once for the conversation")
            #expect(refusals.first?.detail?.contains("refused 2 deliveries") == true)
            let next = try await conversation.send("ORD-1042")
            #expect(!next.events.contains { $0.kind == "webhook-refused" }, "and not again")
            try await conversation.end()
            await conversation.release()
            let stats = await resources.webhookStatsForTests()
            #expect(stats.unauthorized == 2)
            await resources.shutdown()
        }
    }

    @Test(arguments: ["duplicate:amelia.webhook", "reorder", "late=150ms@30%,reorder@30%,duplicate@30%"])
    func duplicatedLateAndReorderedDeliveriesStillMakeTheSameConversation(faults: String) async throws {
        let configuration = SandboxConfiguration(seed: 7, faults: try SandboxFault.parse(faults))
        try await withSandbox(configuration) { server in
            let result = try await run(refundFlow, target: ameliaWebhookTarget(server.baseURL))
            #expect(result.outcome == .passed, "\(faults): \(result.summary)")
            let replies = result.turns.filter { $0.role == .agent }.map(\.text)
            #expect(replies.count == 3)
            for reply in replies {
                let lines = reply.split(separator: "\n")
                #expect(Set(lines).count == lines.count, "no message read twice: \(reply)")
            }
        }
    }

    @Test func aConversationEndingWhileADeliveryIsInFlightLosesNothingElse() async throws {
        try await withSandbox(SandboxConfiguration(latency: .milliseconds(1500))) { server in
            let resources = ProviderResources()
            let provider = try await makeProvider(ameliaWebhookTarget(server.baseURL), resources: resources)
            let conversation = try await provider.makeConversation(
                ConversationContext(flowName: "cut-short", turnTimeout: .seconds(30)))
            _ = try await conversation.start(.agentFirst)
            // The turn is abandoned (as by the turn deadline) while Amelia is still to deliver the reply.
            let sendsBefore = server.stats.requests(.ameliaSend)
            let pending = Task { try await conversation.send("Where is my order?") }
            // Abandoned once Amelia has the message (not after a fixed time, which a loaded machine
            // can spend before the message is even sent), and long before the reply is due.
            let sent = ContinuousClock.now + .seconds(10)
            while server.stats.requests(.ameliaSend) == sendsBefore, ContinuousClock.now < sent {
                try await Task.sleep(for: .milliseconds(5))
            }
            pending.cancel()
            _ = try? await pending.value
            try await conversation.end()
            await conversation.release()
            // The reply is delivered after the end: acknowledged, dropped, never retried.
            let deadline = ContinuousClock.now + .seconds(10)
            while await resources.webhookStatsForTests().afterClose == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(await resources.webhookStatsForTests().afterClose > 0)
            #expect(server.stats.webhooks.refused == 0)
            #expect(server.stats.webhooks.abandoned == 0)
            await resources.shutdown()
        }
    }

    @Test func fiveHundredConcurrentConversationsOverWebhooksLoseNothing() async throws {
        try await withSandbox(SandboxConfiguration(latency: .milliseconds(20))) { server in
            let resources = ProviderResources()
            let provider = try await makeProvider(ameliaWebhookTarget(server.baseURL), resources: resources)
            let count = 500
            let replies = await withTaskGroup(of: (String, String)?.self) { group in
                for index in 0..<count {
                    group.addTask {
                        guard
                            let conversation = try? await provider.makeConversation(
                                ConversationContext(flowName: "load-\(index)", turnTimeout: .seconds(60))),
                            let first = try? await conversation.start(.userMessage("Where is my order?")),
                            let second = try? await conversation.send("ORD-\(1000 + index)")
                        else { return nil }
                        try? await conversation.end()
                        await conversation.release()
                        return (first.text, second.text)
                    }
                }
                var out: [Int: (String, String)] = [:]
                var index = 0
                for await reply in group {
                    if let reply { out[index] = reply }
                    index += 1
                }
                return Array(out.values)
            }
            #expect(replies.count == count, "every conversation finished")
            #expect(replies.allSatisfy { $0.0.contains("order number") })
            let statuses = Set(
                replies.compactMap { reply in
                    reply.1.range(of: #"ORD-\d+"#, options: .regularExpression).map { String(reply.1[$0]) }
                })
            #expect(statuses.count == count, "each conversation got the reply about its own order")
            let stats = await resources.webhookStatsForTests()
            #expect(stats.unauthorized == 0)
            // A POST whose answer does not come back in time (a loaded machine can take longer than the
            // sender's time-out) is sent again, as real senders do, and the receiver drops what it has
            // already taken: duplicates can only come from such redeliveries, and the replies above show
            // that nothing was lost or taken twice.
            #expect(stats.duplicates <= server.stats.webhooks.failed)
            #expect(server.stats.webhooks.abandoned == 0)
            #expect(server.stats.webhooks.refused == 0)
            await resources.shutdown()
        }
    }

    @Test func aReceiverPortInUseIsAnErrorBeforeAnythingRuns() async throws {
        let squatter = try await WebhookReceiver.start(WebhookReceiverSettings())
        try await withSandbox { server in
            let resources = ProviderResources()
            let target = ameliaWebhookTarget(server.baseURL, webhook: "    webhook: { port: \(squatter.port) }\n")
            do {
                _ = try await makeProvider(target, resources: resources)
                Issue.record("a receiver started on a port in use")
            } catch let error as ProviderError {
                #expect(error.kind == .configuration)
                #expect(error.message.contains("127.0.0.1:\(squatter.port)"))
                #expect(error.message.contains("already in use"))
                #expect(error.preventsRunning)
            }
            #expect(server.stats.totalRequests == 0, "nothing was sent")
            await resources.shutdown()
        }
        await squatter.stop()
    }

    @Test func webhookSettingsAreChecked() {
        let base = "http://127.0.0.1:1"
        let bad = parseTarget(
            ameliaWebhookTarget(base, webhook: "    webhook: { public_url: not a url, port: 70000 }\n"))
        #expect(bad.errors.contains { $0.contains("`webhook.public_url` is not a URL") })
        #expect(bad.errors.contains { $0.contains("`webhook.port` must be between 0 and 65535") })
        let orphan = parseTarget(Wire.amelia.target(base, extra: "") + "    webhook: { port: 0 }\n")
        #expect(orphan.errors.contains { $0.contains("`webhook` settings apply to `delivery: webhook`") })
        let mode = parseTarget(Wire.amelia.target(base) + "    delivery: carrier-pigeon\n")
        #expect(mode.errors.contains { $0.contains("`delivery` must be `polling`") })
        let good = parseTarget(
            ameliaWebhookTarget(
                base,
                webhook: "    webhook: { bind: 0.0.0.0, port: 8123, public_url: \"https://x.example/hooks\", "
                    + "reorder_window: 1s }\n"))
        #expect(good.errors.isEmpty, "\(good.errors)")
        let settings = (good.spec as? AmeliaProviderSpec)?.settings
        guard case .webhook(let webhook)? = settings?.delivery else {
            Issue.record("not a webhook delivery")
            return
        }
        #expect(webhook.receiver.host == "0.0.0.0")
        #expect(webhook.receiver.port == 8123)
        #expect(webhook.receiver.publicURL == "https://x.example/hooks")
        #expect(webhook.reorderWindow == .seconds(1))
    }
}

extension ProviderResources {
    /// The counts of the run's (one) webhook receiver.
    func webhookStatsForTests() async -> WebhookStats {
        let receiver = try? await webhookReceiver(WebhookReceiverSettings(), for: "t")
        return receiver?.stats ?? WebhookStats()
    }
}
