import Synchronization
import ParleyDemoAgent

/// The webchat bot's server-side state: sign-in sessions (cookies) and conversations.
final class WebchatStore: Sendable {
    /// Session cookies issued by sign-in, and whether each has expired.
    private let sessions = Mutex<[String: Bool]>([:])
    private let conversations = Mutex<[String: WebchatConversationBox]>([:])

    func issue(_ session: String) {
        sessions.withLock { $0[session] = false }
    }

    /// `nil` when the session cookie is valid, else why not.
    func problem(session: String?) -> String? {
        guard let session else { return "not signed in: no wc_session cookie" }
        switch sessions.withLock({ $0[session] }) {
        case false?: return nil
        case true?: return "session expired"
        case nil: return "unknown session"
        }
    }

    /// Expires every session: the next request with one gets 401.
    func expireSessions() {
        sessions.withLock { sessions in
            for key in sessions.keys { sessions[key] = true }
        }
    }

    func add(_ conversation: WebchatConversationBox) {
        conversations.withLock { $0[conversation.id] = conversation }
    }

    func conversation(_ id: String) -> WebchatConversationBox? {
        conversations.withLock { $0[id] }
    }

    var all: [WebchatConversationBox] {
        conversations.withLock { Array($0.values) }
    }
}

/// One webchat conversation: its id, the node it is pinned to (its `wc_route` cookie), and the demo agent.
final class WebchatConversationBox: Sendable {
    let id: String
    let route: String
    let state: Mutex<(demo: DemoConversation, opened: Bool, closed: Bool, userMessages: Int)>

    init(id: String, route: String, demo: DemoConversation) {
        self.id = id
        self.route = route
        self.state = Mutex((demo, false, false, 0))
    }
}
