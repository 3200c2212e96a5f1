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

extension RenderedRequest {
    /// Adds a `Cookie` header with the cookies of `login` and `conversation` that apply to the
    /// request's URL — a conversation's cookie replacing a login cookie of the same name — after
    /// any `Cookie` header the configuration wrote.
    mutating func attachCookies(login: CookieJar?, conversation: CookieJar?) {
        let now = Date().timeIntervalSince1970
        let own = conversation?.cookies(for: url, now: now) ?? []
        let ownNames = Set(own.map(\.name))
        let shared = (login?.cookies(for: url, now: now) ?? []).filter { !ownNames.contains($0.name) }
        let sent = shared.map { ($0, "login") } + own.map { ($0, "conversation") }
        guard !sent.isEmpty else { return }
        let value = sent.map { "\($0.0.name)=\($0.0.value)" }.joined(separator: "; ")
        if let written = headers["Cookie"], !written.isEmpty {
            headers["Cookie"] = written + "; " + value
        } else {
            headers["Cookie"] = value
        }
        cookies = sent.map { (name: $0.0.name, from: $0.1) }
    }
}
