import Foundation
import Synchronization
import ParleyDemoAgent

/// Amigo's server-side state: issued tokens and conversations.
///
/// The registry lock guards only the maps; each conversation has its own lock, so busy
/// conversations do not wait for each other. Locks are never held across an `await`, and the
/// registry lock may be taken before a conversation's, never after.
final class AmigoStore: Sendable {
    struct Token: Sendable {
        var userID: String
        var organization: String
        var expiresAt: Date
    }

    private struct Registry {
        var byID: [String: AmigoConversationBox] = [:]
        var ordered: [AmigoConversationBox] = []
        /// `user|service` → the unfinished conversation (one per user and service).
        var open: [String: String] = [:]
    }

    private let tokens = Mutex<[String: Token]>([:])
    private let registry = Mutex(Registry())

    // MARK: - Tokens

    func issue(_ token: String, _ info: Token) {
        tokens.withLock { tokens in
            // Drop expired tokens now and then so a long benchmark does not accumulate them.
            if tokens.count > 10_000 {
                let now = Date()
                tokens = tokens.filter { $0.value.expiresAt > now }
            }
            tokens[token] = info
        }
    }

    /// The token's holder, if the token exists and has not expired.
    func holder(of token: String, now: Date = Date()) -> Token? {
        tokens.withLock { $0[token] }.flatMap { $0.expiresAt > now ? $0 : nil }
    }

    /// Makes every issued token expire now.
    func expireTokens() {
        let now = Date()
        tokens.withLock { tokens in
            for key in tokens.keys { tokens[key]?.expiresAt = now }
        }
    }

    // MARK: - Conversations

    static func openKey(user: String, service: String) -> String { user + "|" + service }

    /// Adds a conversation unless its user already has an unfinished one for the service.
    func insert(_ box: AmigoConversationBox) -> Bool {
        let key = Self.openKey(user: box.userID, service: box.serviceID)
        return registry.withLock { registry in
            if let existing = registry.open[key], let other = registry.byID[existing], !other.isFinished {
                return false
            }
            registry.byID[box.id] = box
            registry.ordered.append(box)
            if !box.isFinished { registry.open[key] = box.id }
            return true
        }
    }

    /// Frees the user's slot for the service once a conversation is finished.
    func closed(_ box: AmigoConversationBox) {
        let key = Self.openKey(user: box.userID, service: box.serviceID)
        registry.withLock { registry in
            if registry.open[key] == box.id { registry.open[key] = nil }
        }
    }

    func conversation(_ id: String) -> AmigoConversationBox? {
        registry.withLock { $0.byID[id] }
    }

    /// Every conversation in creation order.
    var all: [AmigoConversationBox] {
        registry.withLock { $0.ordered }
    }
}
