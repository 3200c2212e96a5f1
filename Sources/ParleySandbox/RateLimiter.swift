import Foundation
import Synchronization

/// One-minute windows per key (organization + endpoint, or API key), as the providers document.
///
/// A key's window opens with its first request and lasts sixty seconds, so a burst is never split
/// by a wall-clock minute boundary (which would make limits, and tests of them, flaky).
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
        var start: TimeInterval
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
        let time = now.timeIntervalSince1970
        let (count, start) = windows.withLock { windows -> (Int, TimeInterval) in
            var window = windows[key] ?? Window(start: time, count: 0)
            if time >= window.start + 60 { window = Window(start: time, count: 0) }
            // A refused request does not use up the window, so a client that waits gets through.
            let allowed = !policy.enforced || window.count < limit
            if allowed { window.count += 1 }
            windows[key] = window
            return (allowed ? window.count : limit + 1, window.start)
        }
        let reset = Int((start + 60).rounded(.up))
        let allowed = !policy.enforced || count <= limit
        return Decision(
            allowed: allowed, limit: limit, remaining: max(0, limit - count),
            reset: reset, retryAfter: max(1, Int((start + 60 - time).rounded(.up))))
    }
}
