/// Latency percentiles by the nearest-rank method: the p-th percentile is the smallest value with
/// at least p% of the values at or below it, so every percentile is a latency that was measured.
public struct Percentiles: Sendable, Hashable {
    public var p50: Double
    public var p90: Double
    public var p99: Double

    public init(p50: Double, p90: Double, p99: Double) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
    }

    /// The percentiles of `values`; `nil` when there are none.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        p50 = Self.nearestRank(sorted, 0.5)
        p90 = Self.nearestRank(sorted, 0.9)
        p99 = Self.nearestRank(sorted, 0.99)
    }

    /// The `q`-quantile (0…1) of already sorted, non-empty `sorted` values, by nearest rank.
    public static func nearestRank(_ sorted: [Double], _ q: Double) -> Double {
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
