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
