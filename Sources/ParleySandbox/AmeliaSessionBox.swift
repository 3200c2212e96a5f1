import Synchronization
import ParleyDemoAgent

/// One Amelia conversation session.
final class AmeliaSessionBox: Sendable {
    let sessionID: String
    let conversationID: String
    let username: String
    /// Where messages go when the session was created with `deliveryMode: WEBHOOK`; `nil` when they are polled.
    let webhook: AmeliaWebhookTarget?
    let state: Mutex<AmeliaSessionState>

    init(
        sessionID: String, conversationID: String, username: String, webhook: AmeliaWebhookTarget? = nil,
        state: AmeliaSessionState
    ) {
        self.sessionID = sessionID
        self.conversationID = conversationID
        self.username = username
        self.webhook = webhook
        self.state = Mutex(state)
    }
}

struct AmeliaSessionState: Sendable {
    var demo: DemoConversation
    /// Messages not yet polled (or delivered), each with the instant it becomes visible, in order.
    var pending: [(availableAt: ContinuousClock.Instant, message: JSON)] = []
    var sequence = 0
    /// The agent ended the conversation (its closed message may still be pending).
    var agentClosed = false
    /// The client closed the session.
    var clientClosed = false
    var userMessagesReceived = 0
    /// A webhook delivery loop is running for the session.
    var delivering = false

    init(demo: DemoConversation) {
        self.demo = demo
    }

    /// Takes the messages whose time has come, at most `limit` of them.
    mutating func takeAvailable(now: ContinuousClock.Instant, limit: Int = .max) -> [JSON] {
        let due = min(pending.firstIndex(where: { $0.availableAt > now }) ?? pending.count, limit)
        let ready = pending[..<due].map(\.message)
        pending.removeFirst(due)
        return ready
    }
}
