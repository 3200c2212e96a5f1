import Foundation
import ParleyHTTP
import ParleyJSON
import ParleyFlow
import ParleyRun

/// How a provider talks HTTP: one shared client, its target's TLS and timeout settings, shared rate
/// limits, and the retry rules of docs/providers.md — so every provider behaves the same under failure.
/// A class: the conversations keep it, and an async function that uses it holds a pointer in its
/// frame rather than a copy of every field.
final class ProviderHTTP: Sendable {
    let client: HTTPClient
    /// The provider's name for messages: "Amigo", "Amelia"...
    let service: String
    let verifyTLS: Bool
    let connectTimeout: Duration
    let limits: RateLimits
    let retry: RetryPolicy
    /// The largest reply: a body (or a stream's line) too big to carry one is refused while arriving.
    let replyLimit: ReplyLimit

    init(
        client: HTTPClient, service: String, verifyTLS: Bool = true, connectTimeout: Duration = .seconds(10),
        limits: RateLimits = RateLimits(), retry: RetryPolicy = RetryPolicy(), replyLimit: ReplyLimit = .default
    ) {
        self.client = client
        self.service = service
        self.verifyTLS = verifyTLS
        self.connectTimeout = connectTimeout
        self.limits = limits
        self.retry = retry
        self.replyLimit = replyLimit
    }

    /// A request with this target's TLS, connect and size settings, and a deadline for the whole exchange.
    func request(
        _ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: HTTPBody? = nil,
        timeout: Duration
    ) -> HTTPRequest {
        var request = HTTPRequest(method: method, url: url, headers: headers, body: body)
        request.verifyTLS = verifyTLS
        request.timeouts.connect = connectTimeout
        request.timeouts.total = timeout
        request.maxResponseBytes = replyLimit.bodyBytes
        return request
    }

    /// Sends a request and reads the whole response; retries as the call's idempotency allows.
    /// `handsOutOnce`: the server gives this answer only once (see ``RetryPolicy``), so one cut
    /// off mid-body is reported rather than asked for again.
    func send(_ request: HTTPRequest, endpoint: String, idempotent: Bool, handsOutOnce: Bool = false)
        async throws(ProviderError) -> HTTPResponse
    {
        var attempt = 0
        while true {
            attempt += 1
            try await limits.acquire(endpoint)
            let response: HTTPResponse
            let submitted = try Self.bounded(request)
            do {
                response = try await client.execute(submitted)
            } catch {
                guard
                    let wait = retry.delay(
                        error: error, idempotent: idempotent, handsOutOnce: handsOutOnce, attempt: attempt)
                else {
                    throw providerError(error)
                }
                try await pause(wait)
                continue
            }
            limits.observe(endpoint, headers: response.headers)
            if let wait = retry.delay(
                status: response.status, headers: response.headers, idempotent: idempotent,
                bodyBytes: response.body.count, attempt: attempt)
            {
                try await pause(wait)
                continue
            }
            return response
        }
    }

    /// Opens a streaming response once its status and headers are in; a refused request (429/503
    /// before any body) is sent again, anything later is the caller's to handle.
    func stream(_ request: HTTPRequest, endpoint: String, idempotent: Bool) async throws(ProviderError)
        -> HTTPStreamingResponse
    {
        var attempt = 0
        while true {
            attempt += 1
            try await limits.acquire(endpoint)
            let response: HTTPStreamingResponse
            let submitted = try Self.bounded(request)
            do {
                response = try await client.stream(submitted)
            } catch {
                guard let wait = retry.delay(error: error, idempotent: idempotent, attempt: attempt) else {
                    throw providerError(error)
                }
                try await pause(wait)
                continue
            }
            limits.observe(endpoint, headers: response.headers)
            if let wait = retry.delay(
                status: response.status, headers: response.headers, idempotent: idempotent,
                bodyBytes: 0, attempt: attempt)
            {
                // Drain the refusal so the connection can be reused.
                _ = try? await response.collectBody()
                try await pause(wait)
                continue
            }
            return response
        }
    }

    private func pause(_ duration: Duration) async throws(ProviderError) {
        try await CallDeadline.sleep(for: duration)
    }

    /// `request` as it is submitted: its whole exchange ends by the deadline of the call it is
    /// made in, when the call keeps its deadline itself (``CallDeadline``); `.cancelled` once that
    /// has passed.
    private static func bounded(_ request: HTTPRequest) throws(ProviderError) -> HTTPRequest {
        guard let left = CallDeadline.remaining() else { return request }
        guard left > .zero else { throw ProviderError(.cancelled, "cancelled") }
        var request = request
        request.timeouts.total = min(request.timeouts.total ?? left, left)
        return request
    }

    /// A transport failure in the provider's words (the URL is already free of credentials).
    func providerError(_ error: HTTPError) -> ProviderError {
        switch error.code {
        case .connectFailed, .resolveFailed, .tls, .connectTimeout:
            return ProviderError(.unreachable, "cannot reach \(service) at \(error.url): \(error.message)")
        case .firstByteTimeout, .idleTimeout, .totalTimeout:
            return ProviderError(.timeout, "\(service) did not answer in time (\(error.message))")
        case .connectionDropped:
            return ProviderError(
                .connectionDropped, "\(service) dropped the connection in the middle of a reply (\(error.message))")
        case .cancelled:
            return ProviderError(.cancelled, "cancelled")
        case .tooLarge:
            return replyLimit.exceeded
        default:
            return ProviderError(.protocolViolation, "\(service): \(error.message)")
        }
    }

    /// An error for a non-success status, with what the server said (trimmed).
    func statusError(_ status: Int, body: [UInt8], doing what: String) -> ProviderError {
        let said = Self.errorText(body)
        let suffix = said.isEmpty ? "" : ": \(said)"
        switch status {
        case 401, 403:
            return ProviderError(
                .authRefused, "\(service) refused the credentials while \(what) (\(status))\(suffix)", status: status)
        case 429:
            return ProviderError(
                .rateLimited, "\(service) kept refusing with 429 Too Many Requests while \(what)\(suffix)",
                status: status)
        case 500...599:
            return ProviderError(.server, "\(service) failed while \(what) (\(status))\(suffix)", status: status)
        default:
            return ProviderError(.server, "\(service) answered \(status) while \(what)\(suffix)", status: status)
        }
    }

    /// The message in an error body: `detail`, `error`, `message`, or the start of the text.
    static func errorText(_ body: [UInt8]) -> String {
        if let json = try? JSONValue(parsing: body) {
            // Spring Boot bodies (Amelia) put the reason phrase in `error` and the reason in `message`.
            if json["status"] != nil, json["error"] != nil, let message = json["message"]?.scalarText, !message.isEmpty
            {
                return String(message.prefix(300))
            }
            for key in ["detail", "error", "message", "error_description"] {
                if let text = json[key]?.scalarText { return String(text.prefix(300)) }
                if let items = json[key]?.array {
                    return items.compactMap { $0["msg"]?.string ?? $0.scalarText }.joined(separator: "; ").prefix(300)
                        .description
                }
            }
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingSpaces
        return text.unicodeScalars.allSatisfy { $0.value >= 0x20 || $0 == "\n" } ? text : ""
    }

    /// Parses a JSON body, or explains that the server sent something else.
    func json(_ body: [UInt8], doing what: String) throws(ProviderError) -> JSONValue {
        do {
            return try JSONValue(parsing: body)
        } catch {
            let start = String(decoding: body.prefix(120), as: UTF8.self)
            throw ProviderError(
                .protocolViolation, "\(service) sent a body that is not JSON while \(what) (\(error)): \(start)")
        }
    }
}
