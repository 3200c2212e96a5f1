import HTTPTypes
import Hummingbird
import NIOCore

/// Builds responses: JSON bodies, empty bodies, and NDJSON streams paced by a schedule.
enum HTTPReply {
    static func json(_ status: HTTPResponse.Status, _ body: JSON, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body.text)))
    }

    static func empty(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        Response(status: status, headers: headers, body: ResponseBody())
    }

    /// A newline-delimited JSON stream: each line is written after its delay, so clients see
    /// chunks arrive over time. The stream ends (and the response completes) after the last line.
    static func ndjson(_ status: HTTPResponse.Status, _ lines: [TimedLine], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/x-ndjson"
        return Response(status: status, headers: fields, body: ResponseBody { writer in
            for line in lines {
                if line.delay > .zero { try await Task.sleep(for: line.delay) }
                try await writer.write(ByteBuffer(string: line.text))
            }
            try await writer.finish(nil)
        })
    }
}

/// One NDJSON line and the wait before it.
struct TimedLine: Sendable {
    var delay: Duration
    var text: String

    init(after delay: Duration = .zero, _ value: JSON) {
        self.delay = delay
        self.text = value.text + "\n"
    }
}

/// Reply pacing from the configuration: latency plus jitter before the first chunk, then a delay per chunk.
struct ReplyTiming: Sendable {
    var latency: Duration
    var jitter: Duration
    var chunkDelay: Duration

    /// The wait before a reply's first chunk: latency plus a random share of the jitter.
    func firstDelay() -> Duration {
        guard jitter > .zero else { return latency }
        let nanoseconds = jitter.components.seconds * 1_000_000_000 + jitter.components.attoseconds / 1_000_000_000
        return latency + .nanoseconds(Int64.random(in: 0...max(0, nanoseconds)))
    }

    /// How long a reply of `chunks` pieces takes to stream after its first delay.
    func streamDuration(chunks: Int) -> Duration {
        chunkDelay * max(0, chunks - 1)
    }
}

extension HTTPField.Name {
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
    static let ameliaToken = HTTPField.Name("X-Amelia-Rest-Token")!
    static let apiKey = HTTPField.Name("x-api-key")!
}

extension HTTPFields {
    /// The `X-RateLimit-*` headers of a decision.
    init(rateLimit decision: RateLimiter.Decision) {
        self.init()
        self[.rateLimitLimit] = String(decision.limit)
        self[.rateLimitRemaining] = String(decision.remaining)
        self[.rateLimitReset] = String(decision.reset)
        if !decision.allowed { self[.retryAfter] = String(decision.retryAfter) }
    }
}
