import Foundation
import ParleyHTTP
import ParleyJSON
import ParleyFlow

/// When a failed call is tried again (docs/providers.md, "Retries").
///
/// Idempotent calls retry on 408, 429, 5xx and connection failures. A call that is not idempotent
/// (create, interact, send) is sent again only when the server refused it outright — 429 or 503
/// before any body — or the connection was never made, so a user message is never delivered twice.
struct RetryPolicy: Sendable {
    var maxAttempts = 4
    var baseDelay: Duration = .milliseconds(200)
    var maxDelay: Duration = .seconds(20)

    /// The pause before trying again after an HTTP status, or `nil` to stop.
    func delay(status: Int, headers: HTTPHeaders, idempotent: Bool, bodyBytes: Int, attempt: Int) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let retryable: Bool
        if idempotent {
            retryable = status == 408 || status == 429 || (500...599).contains(status)
        } else {
            retryable = status == 429 || status == 503
        }
        guard retryable else { return nil }
        if let after = Self.retryAfter(headers) { return min(after, maxDelay) }
        return backoff(attempt)
    }

    /// The pause before trying again after a transport failure, or `nil` to stop.
    ///
    /// `handsOutOnce` marks calls whose answer the server gives only once (Amelia's poll takes the
    /// messages it returns off the queue): once such an answer has started arriving, what it
    /// carried is gone with the connection, and asking again would silently skip it.
    func delay(error: HTTPError, idempotent: Bool, handsOutOnce: Bool = false, attempt: Int) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        switch error.code {
        case .connectFailed, .connectTimeout, .resolveFailed:
            // Nothing reached the server.
            return backoff(attempt)
        case .connectionDropped, .firstByteTimeout:
            if handsOutOnce && (error.status != nil || error.bytesReceived > 0) { return nil }
            return idempotent ? backoff(attempt) : nil
        default:
            return nil
        }
    }

    /// Exponential backoff with full jitter.
    func backoff(_ attempt: Int) -> Duration {
        let ceiling = min(maxDelay.seconds, baseDelay.seconds * pow(2, Double(attempt - 1)))
        return .milliseconds(Int64(Double.random(in: ceiling / 2...ceiling) * 1000))
    }

    /// `Retry-After` in seconds or as an HTTP date.
    static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let value = headers["retry-after"]?.trimmingSpaces else { return nil }
        if let seconds = Double(value), seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: value) {
            return .milliseconds(Int64(max(0, date.timeIntervalSinceNow) * 1000))
        }
        return nil
    }
}
