import Foundation
import Synchronization
import ParleyDemoAgent

/// Amelia's server-side state: login tokens and polling sessions.
final class AmeliaStore: Sendable {
    struct Token: Sendable {
        var username: String
        var lastActivity: Date
        var expired = false
    }

    /// Why a token cannot be used.
    enum TokenProblem: Error {
        case unknown, expired
    }

    private let tokens = Mutex<[String: Token]>([:])
    private let sessions = Mutex<[String: AmeliaSessionBox]>([:])
    let lifetime: TimeInterval

    init(lifetime: TimeInterval) {
        self.lifetime = lifetime
    }

    func issue(_ token: String, username: String, now: Date) {
        tokens.withLock { $0[token] = Token(username: username, lastActivity: now) }
    }

    /// Checks a token and refreshes its idle timer; an idle token expires for good.
    func use(_ token: String, now: Date) -> Result<Token, TokenProblem> {
        tokens.withLock { tokens in
            guard var info = tokens[token] else { return .failure(.unknown) }
            if info.expired || now.timeIntervalSince(info.lastActivity) > lifetime {
                info.expired = true
                tokens[token] = info
                return .failure(.expired)
            }
            info.lastActivity = now
            tokens[token] = info
            return .success(info)
        }
    }

    func revoke(_ token: String) {
        tokens.withLock { $0[token] = nil }
    }

    /// Expires every token (and so every session): the next call gets 410 Gone.
    func expireAll() {
        tokens.withLock { tokens in
            for key in tokens.keys { tokens[key]?.expired = true }
        }
    }

    func add(_ session: AmeliaSessionBox) {
        sessions.withLock { $0[session.sessionID] = session }
    }

    func session(_ id: String) -> AmeliaSessionBox? {
        sessions.withLock { $0[id] }
    }

    var allSessions: [AmeliaSessionBox] {
        sessions.withLock { Array($0.values) }
    }
}
