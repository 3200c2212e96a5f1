import Synchronization

/// Which conversation a delivery belongs to, and whether it may be delivered at all.
///
/// A conversation's mailbox is found by a key — a session id the sender puts in each delivery, or
/// a token in the URL. A mailbox opened before its key is known (Amelia tells the session id only
/// when the conversation exists, and may deliver the greeting before that answer arrives) is
/// pending: a delivery with an unknown key is matched against the secrets of the pending
/// mailboxes, and the one whose secret it carries is bound to that key from then on.
///
/// Every comparison with a secret takes constant time, and all pending secrets are compared,
/// so how long a refusal takes says nothing about the secrets.
public final class WebhookDirectory: Sendable {
    private struct State {
        var bound: [String: WebhookMailbox] = [:]
        var pending: [ObjectIdentifier: WebhookMailbox] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// A mailbox whose key is not known yet (see ``bind(_:to:)``).
    public func open(secret: String?) -> WebhookMailbox {
        let mailbox = WebhookMailbox(secret: secret)
        state.withLock { $0.pending[ObjectIdentifier(mailbox)] = mailbox }
        return mailbox
    }

    /// A mailbox found by its own token (a URL that names the conversation).
    public func openByToken(secret: String?) -> WebhookMailbox {
        let mailbox = WebhookMailbox(secret: secret)
        state.withLock { $0.bound[mailbox.token] = mailbox }
        return mailbox
    }

    /// Deliveries with `key` go to `mailbox` from now on.
    public func bind(_ mailbox: WebhookMailbox, to key: String) {
        state.withLock { state in
            state.pending[ObjectIdentifier(mailbox)] = nil
            state.bound[key] = mailbox
        }
    }

    /// Whether a delivery for `key` carrying `secret` (the header's value, `nil` when absent) is accepted.
    public enum Decision: Sendable {
        /// Deliver to this mailbox.
        case accepted(WebhookMailbox)
        /// The secret is missing or wrong for this conversation.
        case refused(WebhookMailbox)
        /// No conversation has this key, and no pending conversation has this secret.
        case unknown
    }

    public func decide(key: String, secret given: String?) -> Decision {
        state.withLock { state in
            if let mailbox = state.bound[key] {
                guard let expected = mailbox.secret else { return .accepted(mailbox) }
                return WebhookSecret.matches(given, expected) ? .accepted(mailbox) : .refused(mailbox)
            }
            var match: WebhookMailbox?
            for mailbox in state.pending.values {
                guard let expected = mailbox.secret else { continue }
                if WebhookSecret.matches(given, expected) { match = mailbox }
            }
            guard let match else { return .unknown }
            state.pending[ObjectIdentifier(match)] = nil
            state.bound[key] = match
            return .accepted(match)
        }
    }

    /// Ends a conversation: its mailbox keeps its key, so late deliveries are still recognised
    /// (acknowledged, not kept), but a pending one is forgotten.
    public func close(_ mailbox: WebhookMailbox) {
        mailbox.close()
        state.withLock { $0.pending[ObjectIdentifier(mailbox)] = nil }
    }
}
