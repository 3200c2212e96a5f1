import Foundation
import ParleyJSON
import ParleySandbox
import ParleyWebhooks
import Synchronization
import Testing

/// A webhook endpoint for the sandbox to deliver to: it records every POST and answers with the
/// statuses it is told to (then 200).
final class RecordingReceiver: Sendable {
    struct Delivery: Sendable {
        var secret: String?
        var body: JSONValue
    }

    /// What arrived, and the statuses still to answer with.
    final class Log: Sendable {
        let state: Mutex<(deliveries: [Delivery], answers: [Int])>
        init(answers: [Int]) { state = Mutex(([], answers)) }
    }

    let receiver: WebhookReceiver
    let url: String
    private let log: Log

    init(answers: [Int] = []) async throws {
        receiver = try await WebhookReceiver.start(WebhookReceiverSettings())
        let log = Log(answers: answers)
        self.log = log
        url = receiver.add(route: ["amelia"]) { request in
            let body = (try? JSONValue(parsing: request.body)) ?? .null
            let status = log.state.withLock { state -> Int in
                state.deliveries.append(Delivery(secret: request.header("X-Amelia-Webhook-Secret"), body: body))
                return state.answers.isEmpty ? 200 : state.answers.removeFirst()
            }
            return WebhookAnswer(status: status, message: "recorded")
        }
    }

    var deliveries: [Delivery] { log.state.withLock { $0.deliveries } }

    /// Delivered messages of one session, in arrival order.
    func messages(of session: String) -> [JSONValue] {
        deliveries.map(\.body).filter { $0["sessionId"]?.string == session }
    }

    /// Waits until the session has delivered a message of `type` (or `count` of them).
    func waitFor(_ type: String, count: Int = 1, in session: String, seconds: Double = 20) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            let seen = messages(of: session).filter { $0["ameliaMessageType"]?.string == type }.count
            if seen >= count { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("no \(type) delivered for \(session) within \(seconds) s")
    }

    func stop() async { await receiver.stop() }
}

@Suite(.timeLimit(.minutes(1))) struct AmeliaWebhookSandboxTests {
    func newWebhookConversation(_ amelia: AmeliaTestClient, _ token: String, url: String, secret: String?)
        async throws -> String
    {
        let secretMember = secret.map { #","secret":"\#($0)""# } ?? ""
        let result = try await amelia.post(
            token, "conversations/new",
            #"{"domain":"support","deliveryMode":"WEBHOOK","webhookUrl":"\#(url)"\#(secretMember)}"#)
        try #require(result.status == 200, "new failed: \(result.text)")
        return try #require(result.object["sessionId"] as? String)
    }

    @Test func aWebhookConversationHasItsMessagesPostedInOrderWithItsSecret() async throws {
        let hook = try await RecordingReceiver()
        try await withSandbox(SandboxConfiguration(latency: .milliseconds(20))) { server, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let session = try await newWebhookConversation(amelia, token, url: hook.url, secret: "per-conversation-1")
            try await hook.waitFor("OutboundAmeliaReadyMessage", in: session)
            let poll = try await amelia.post(token, "conversations/\(session)/poll")
            #expect(poll.status == 400, "a WEBHOOK conversation cannot be polled")
            #expect(poll.text.contains("WEBHOOK"))

            let send = try await amelia.post(
                token, "conversations/\(session)/send", #"{"messageText":"refund please"}"#)
            #expect(send.status == 200)
            try await hook.waitFor("OutboundAmeliaReadyMessage", count: 2, in: session)
            let messages = hook.messages(of: session)
            #expect(hook.deliveries.allSatisfy { $0.secret == "per-conversation-1" })
            #expect(
                messages.compactMap { $0["sessionSequence"]?.int } == Array(1...messages.count),
                "delivered in order, one POST per message")
            let types = messages.compactMap { $0["ameliaMessageType"]?.string }
            #expect(types.contains("OutboundEchoMessage"))
            // The sender counts a delivery once its answer is in, a moment after the receiver has it.
            let deadline = ContinuousClock.now + .seconds(5)
            while server.stats.webhooks.delivered < messages.count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(server.stats.webhooks.delivered == messages.count)
            #expect(server.stats.requests(.ameliaWebhook) == messages.count)
        }
        await hook.stop()
    }

    @Test func aRefusedDeliveryIsRetriedUntilItIsAnswered2xx() async throws {
        let hook = try await RecordingReceiver(answers: [500, 401])
        try await withSandbox { server, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let session = try await newWebhookConversation(amelia, token, url: hook.url, secret: nil)
            try await hook.waitFor("OutboundAmeliaReadyMessage", in: session)
            let greetings = hook.messages(of: session).filter {
                $0["ameliaMessageType"]?.string == "OutboundTextMessage"
            }
            #expect(greetings.count == 3, "the first message was refused twice, then delivered")
            #expect(hook.deliveries.allSatisfy { $0.secret == nil }, "no secret, no header")
            let stats = server.stats.webhooks
            #expect(stats.refused == 2)
            #expect(stats.abandoned == 0)
        }
        await hook.stop()
    }

    @Test func faultsDeliverTwiceLateAndOutOfOrder() async throws {
        let hook = try await RecordingReceiver()
        let faults = try SandboxFault.parse("duplicate:amelia.webhook,reorder")
        // Every delivery is duplicated; every message is swapped with the next.
        try await withSandbox(SandboxConfiguration(faults: faults)) { _, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let session = try await newWebhookConversation(amelia, token, url: hook.url, secret: "s")
            try await hook.waitFor("OutboundTextMessage", count: 2, in: session)
            let sequences = hook.messages(of: session).compactMap { $0["sessionSequence"]?.int }
            #expect(sequences == [2, 2, 1, 1], "each message twice, the first after the second: \(sequences)")
        }
        let late = try await RecordingReceiver()
        try await withSandbox(
            SandboxConfiguration(faults: [
                SandboxFault(.lateDelivery(.seconds(2)), endpoint: .ameliaWebhook, limit: 1)
            ])
        ) { _, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let session = try await newWebhookConversation(amelia, token, url: late.url, secret: "s")
            try await late.waitFor("OutboundTextMessage", in: session)
            try await late.waitFor("OutboundAmeliaReadyMessage", in: session)
            let sequences = late.messages(of: session).compactMap { $0["sessionSequence"]?.int }
            #expect(sequences == [2, 1], "the first message arrives after the second: \(sequences)")
        }
        await hook.stop()
        await late.stop()
    }

    @Test func aWebhookConversationNeedsAnHTTPWebhookURL() async throws {
        try await withSandbox { _, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let missing = try await amelia.post(
                token, "conversations/new", #"{"domain":"support","deliveryMode":"WEBHOOK"}"#)
            #expect(missing.status == 400)
            #expect(missing.text.contains("webhookUrl is required"))
            let bad = try await amelia.post(
                token, "conversations/new", #"{"domain":"support","deliveryMode":"WEBHOOK","webhookUrl":"ftp://x"}"#)
            #expect(bad.status == 400)
            let mode = try await amelia.post(
                token, "conversations/new", #"{"domain":"support","deliveryMode":"CARRIER_PIGEON"}"#)
            #expect(mode.status == 400)
            #expect(mode.text.contains("POLLING or WEBHOOK"))
        }
    }

    @Test func deliveryFaultsAreNamedInFaultSpecifications() throws {
        let faults = try SandboxFault.parse("duplicate@10%,late=250ms,reorder:amelia.webhook")
        #expect(faults.map(\.kind) == [.duplicateDelivery, .lateDelivery(.milliseconds(250)), .reorderDelivery])
        #expect(faults.allSatisfy { $0.endpoint == .ameliaWebhook })
        #expect(faults[0].probability == 0.1)
        #expect(try SandboxFault.parse("late").first?.kind == .lateDelivery(.milliseconds(500)))
    }
}
