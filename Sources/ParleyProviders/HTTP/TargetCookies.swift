import Foundation
import ParleyHTTP
import Synchronization

/// The cookies of a target's login, shared by every conversation: set by the login's answers
/// (the first login and every later one, which adds to them rather than starting over) and sent
/// with every request of every conversation, next to the conversation's own cookies.
final class TargetCookies: Sendable {
    private let jar = Mutex(CookieJar())

    /// Keeps the cookies a login answer set.
    func store(_ headers: HTTPHeaders, from url: String) {
        jar.withLock { $0.store(headers, from: url, now: Date().timeIntervalSince1970) }
    }

    var snapshot: CookieJar { jar.withLock { $0 } }
}
