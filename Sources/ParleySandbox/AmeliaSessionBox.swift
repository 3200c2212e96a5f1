import Synchronization
import ParleyDemoAgent

/// One Amelia conversation session.
final class AmeliaSessionBox: Sendable {
    let sessionID: String
    let conversationID: String
    let username: String
    let state: Mutex<AmeliaSessionState>

    init(sessionID: String, conversationID: String, username: String, state: AmeliaSessionState) {
        self.sessionID = sessionID
        self.conversationID = conversationID
        self.username = username
        self.state = Mutex(state)
    }
}

struct AmeliaSessionState: Sendable {
    var demo: DemoConversation
    /// Messages not yet polled, each with the instant it becomes visible, in order.
    var pending: [(availableAt: ContinuousClock.Instant, message: JSON)] = []
    var sequence = 0
    /// The agent ended the conversation (its closed message may still be pending).
    var agentClosed = false
    /// The client closed the session.
    var clientClosed = false
    var userMessagesReceived = 0

    init(demo: DemoConversation) {
        self.demo = demo
    }

    /// Takes the messages whose time has come.
    mutating func takeAvailable(now: ContinuousClock.Instant) -> [JSON] {
        guard let firstLater = pending.firstIndex(where: { $0.availableAt > now }) else {
            defer { pending.removeAll() }
            return pending.map(\.message)
        }
        let ready = pending[..<firstLater].map(\.message)
        pending.removeFirst(firstLater)
        return ready
    }
}
