import Foundation
import Synchronization
import ParleyClock
import ParleyHTTP
import ParleyJSON
import ParleyFlow
import ParleyRun

/// Per-endpoint request budgets shared by every conversation of a target.
///
/// Each endpoint has a token bucket seeded from the provider's documented limit (requests per
/// minute); `X-RateLimit-Remaining` / `-Reset` answers correct it, so Parley slows down before the
/// server has to refuse.
final class RateLimits: Sendable {
    private let buckets: Mutex<[String: Bucket]>
    private let perMinute: [String: Double]

    struct Bucket {
        var capacity: Double
        var tokens: Double
        var refillPerSecond: Double
        /// Integer instants: `ContinuousClock.Instant` is copied and compared through its type's
        /// witnesses, at every request and response.
        var updated: MonotonicInstant
        /// Set from headers: no request before this instant.
        var blockedUntil: MonotonicInstant?
    }

    /// - Parameter perMinute: limits by endpoint name; endpoints not listed are not limited.
    init(perMinute: [String: Double] = [:]) {
        self.perMinute = perMinute
        let now = MonotonicInstant.now
        buckets = Mutex(
            perMinute.mapValues { limit in
                Bucket(capacity: max(1, limit), tokens: max(1, limit), refillPerSecond: limit / 60, updated: now)
            })
    }

    /// Waits until the endpoint may be called, then takes one request from its budget.
    func acquire(_ endpoint: String) async throws(ProviderError) {
        while true {
            let wait: Duration? = buckets.withLock { buckets in
                guard var bucket = buckets[endpoint] else { return nil }
                let now = MonotonicInstant.now
                if let blocked = bucket.blockedUntil {
                    if now < blocked { return blocked - now }
                    bucket.blockedUntil = nil
                }
                let elapsed = (now - bucket.updated).seconds
                bucket.tokens = min(bucket.capacity, bucket.tokens + elapsed * bucket.refillPerSecond)
                bucket.updated = now
                if bucket.tokens >= 1 {
                    bucket.tokens -= 1
                    buckets[endpoint] = bucket
                    return nil
                }
                buckets[endpoint] = bucket
                let seconds = (1 - bucket.tokens) / max(bucket.refillPerSecond, 1e-6)
                return .milliseconds(Int64(seconds * 1000) + 1)
            }
            guard let wait else { return }
            try await CallDeadline.sleep(for: wait)
        }
    }

    /// Learns from `X-RateLimit-Limit`, `-Remaining` and `-Reset` (epoch seconds).
    ///
    /// The server's numbers win over the documented ones in both directions: it counts every
    /// client of the key, and it knows when a key was granted more (or less) than the documented rate.
    func observe(_ endpoint: String, headers: HTTPHeaders) {
        // One pass over the fields (every response carries them): three look-ups by name and
        // three `Double(_:)` cost 3,600 instructions a turn.
        var remainingText: String?
        var resetText: String?
        var limitText: String?
        for (name, value) in headers {
            switch name.utf8.count {
            case 21 where remainingText == nil && HTTPHeaders.namesMatch(name, "x-ratelimit-remaining"):
                remainingText = value
            case 17 where resetText == nil && HTTPHeaders.namesMatch(name, "x-ratelimit-reset"): resetText = value
            case 17 where limitText == nil && HTTPHeaders.namesMatch(name, "x-ratelimit-limit"): limitText = value
            default: break
            }
        }
        guard let remainingText, let remaining = JSONNumber.parseDouble(remainingText), remaining >= 0 else { return }
        let reset = resetText.flatMap(JSONNumber.parseDouble)
        let limit = limitText.flatMap(JSONNumber.parseDouble).flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        buckets.withLock { buckets in
            let now = MonotonicInstant.now
            var bucket =
                buckets[endpoint]
                ?? {
                    let capacity = limit ?? max(remaining, 1)
                    return Bucket(capacity: capacity, tokens: remaining, refillPerSecond: capacity / 60, updated: now)
                }()
            if let limit {
                bucket.capacity = max(1, limit)
                bucket.refillPerSecond = limit / 60
                bucket.tokens = min(bucket.capacity, remaining)
                bucket.updated = now
            } else {
                bucket.tokens = min(bucket.tokens, remaining)
            }
            if remaining < 1, let reset {
                let seconds = max(0, reset - Date().timeIntervalSince1970)
                bucket.blockedUntil = now + .milliseconds(Int64(seconds * 1000))
            }
            buckets[endpoint] = bucket
        }
    }
}
