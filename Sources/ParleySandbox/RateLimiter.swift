import Foundation
import Synchronization

/// Fixed one-minute windows per key (organization + endpoint, or API key), as the providers document.
final class RateLimiter: Sendable {
    struct Decision: Sendable {
        var allowed: Bool
        var limit: Int
        var remaining: Int
        /// Epoch seconds at which the window resets.
        var reset: Int
        /// Whole seconds until the reset, at least 1.
        var retryAfter: Int
    }

    private struct Window {
        var start: Int
        var count: Int
    }

    private let policy: SandboxRateLimits
    private let windows = Mutex<[String: Window]>([:])

    init(policy: SandboxRateLimits) {
        self.policy = policy
    }

    /// Counts one request under `key` and says whether it may proceed.
    func check(_ key: String, documentedPerMinute: Int, now: Date = Date()) -> Decision {
        let limit = policy.limit(documented: documentedPerMinute)
        let seconds = Int(now.timeIntervalSince1970)
        let windowStart = seconds - seconds % 60
        let count = windows.withLock { windows -> Int in
            var window = windows[key] ?? Window(start: windowStart, count: 0)
            if window.start != windowStart { window = Window(start: windowStart, count: 0) }
            // A refused request does not use up the window, so a client that waits gets through.
            if !policy.enforced || window.count < limit { window.count += 1 }
            else { windows[key] = window; return limit + 1 }
            windows[key] = window
            return window.count
        }
        let reset = windowStart + 60
        let allowed = !policy.enforced || count <= limit
        return Decision(allowed: allowed, limit: limit, remaining: max(0, limit - count),
                        reset: reset, retryAfter: max(1, reset - seconds))
    }
}
