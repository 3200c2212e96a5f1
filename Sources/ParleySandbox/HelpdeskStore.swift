import Foundation
import Synchronization

/// The helpdesk bot's server-side state: access tokens and conversations.
final class HelpdeskStore: Sendable {
    /// Tokens issued by `oauth/token`, and whether each has been expired.
    private let tokens = Mutex<[String: Bool]>([:])
    private let conversations = Mutex<[String: HelpdeskConversationBox]>([:])

    func issue(_ token: String) {
        tokens.withLock { $0[token] = false }
    }

    /// Whether the token was issued and has not expired.
    func isValid(_ token: String) -> Bool {
        tokens.withLock { $0[token] == false }
    }

    /// Expires every token issued so far: the next call with one gets 401.
    func expireTokens() {
        tokens.withLock { tokens in
            for key in tokens.keys { tokens[key] = true }
        }
    }

    func add(_ conversation: HelpdeskConversationBox) {
        conversations.withLock { $0[conversation.id] = conversation }
    }

    func conversation(_ id: String) -> HelpdeskConversationBox? {
        conversations.withLock { $0[id] }
    }

    var all: [HelpdeskConversationBox] {
        conversations.withLock { Array($0.values) }
    }
}
