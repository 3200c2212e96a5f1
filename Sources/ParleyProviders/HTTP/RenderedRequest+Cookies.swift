import Foundation
import ParleyHTTP

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
