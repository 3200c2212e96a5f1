/// Reply pacing from the configuration: latency plus jitter before the first chunk, then a delay per chunk.
struct ReplyTiming: Sendable {
    var latency: Duration
    var jitter: Duration
    var chunkDelay: Duration

    /// The longest wait any knob may ask for; longer (or negative) values are clamped, never trapped on.
    static let longest = Duration.seconds(3600)

    init(latency: Duration, jitter: Duration, chunkDelay: Duration) {
        func clamp(_ value: Duration) -> Duration { min(max(value, .zero), Self.longest) }
        self.latency = clamp(latency)
        self.jitter = clamp(jitter)
        self.chunkDelay = clamp(chunkDelay)
    }

    /// The wait before a reply's first chunk: latency plus a random share of the jitter.
    func firstDelay() -> Duration {
        guard jitter > .zero else { return latency }
        let nanoseconds = Int64(jitter.seconds * 1e9)
        return latency + .nanoseconds(Int64.random(in: 0...max(0, nanoseconds)))
    }

    /// How long a reply of `chunks` pieces takes to stream after its first delay.
    func streamDuration(chunks: Int) -> Duration {
        chunkDelay * min(max(0, chunks - 1), 100_000)
    }
}
