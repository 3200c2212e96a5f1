import Foundation
import Synchronization
import ParleyDemoAgent

/// One Amigo conversation: fixed facts outside the lock, the changing state inside.
final class AmigoConversationBox: Sendable {
    let id: String
    let userID: String
    let serviceID: String
    let versionSet: String
    let createdAt: Date
    let state: Mutex<AmigoConversationState>

    init(
        id: String, userID: String, serviceID: String, versionSet: String, createdAt: Date,
        state: AmigoConversationState
    ) {
        self.id = id
        self.userID = userID
        self.serviceID = serviceID
        self.versionSet = versionSet
        self.createdAt = createdAt
        self.state = Mutex(state)
    }

    var isFinished: Bool { state.withLock { $0.finished } }
}

/// What changes in a conversation as it goes.
struct AmigoConversationState: Sendable {
    var demo: DemoConversation
    var finished = false
    /// Until this instant a stream is still being written: other calls get 409.
    var busyUntil: ContinuousClock.Instant
    var messages: [AmigoMessage] = []
    var interactions: [AmigoInteraction] = []
    var tags: [(key: String, value: String?)] = []
    var userMessagesReceived = 0

    init(demo: DemoConversation, busyUntil: ContinuousClock.Instant) {
        self.demo = demo
        self.busyUntil = busyUntil
    }

    /// The interaction recommend-responses may refer to: the last one, once its stream has ended.
    func latestCompletedInteraction(now: ContinuousClock.Instant) -> AmigoInteraction? {
        guard let last = interactions.last, last.completesAt <= now else { return nil }
        return last
    }
}

/// A message as the messages endpoint lists it.
struct AmigoMessage: Sendable {
    var id: String
    var interactionID: String
    var createdAt: Date
    var sender: String
    var text: String
    /// `user-message`, `agent-message` or `external-event`.
    var type: String
}

/// One agent turn, with the agent's state for insights.
struct AmigoInteraction: Sendable {
    var id: String
    var agentMessageID: String
    var completesAt: ContinuousClock.Instant
    var insights: DemoInsights
    var transitions: [DemoTransition]
}
