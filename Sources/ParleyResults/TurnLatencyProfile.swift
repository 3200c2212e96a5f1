/// Reply-latency percentiles by position in the conversation: the first agent reply of every flow run,
/// the second, and so on — where a slow opening or a reply that degrades with history shows.
public struct TurnLatencyProfile: Sendable, Hashable {
    /// One reply position and its latencies across all flow runs that got that far.
    public struct Position: Sendable, Hashable {
        /// 1-based reply number; the last position also holds every later reply when `isTail`.
        public var reply: Int
        /// True when this position gathers reply `reply` and every later one.
        public var isTail: Bool
        /// How many replies the percentiles are taken over.
        public var count: Int
        public var percentiles: RunSummary.Percentiles

        /// `3`, or `12+` for the tail.
        public var label: String { isTail ? "\(reply)+" : "\(reply)" }
    }

    /// Reply positions in order, those no flow run reached left out.
    public var positions: [Position]

    /// Gathers the latencies of `records`; replies past `maxPositions` are pooled in a last `N+` position,
    /// so one very long conversation does not stretch the chart.
    public init(records: [ResultRecord], maxPositions: Int = 30) {
        let limit = max(1, maxPositions)
        var buckets: [[Double]] = []
        for record in records {
            for (index, latency) in record.latenciesMs.enumerated() where latency.isFinite {
                let bucket = min(index, limit - 1)
                while buckets.count <= bucket { buckets.append([]) }
                buckets[bucket].append(latency)
            }
        }
        positions = buckets.enumerated().compactMap { index, values in
            guard let percentiles = RunSummary.Percentiles(values) else { return nil }
            let isTail = index == limit - 1 && records.contains { $0.latenciesMs.count > limit }
            return Position(reply: index + 1, isTail: isTail, count: values.count, percentiles: percentiles)
        }
    }
}
