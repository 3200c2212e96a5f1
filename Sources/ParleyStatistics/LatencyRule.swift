/// When a reply-latency percentile counts as changed between two runs.
///
/// A percentile changed when it moved by more than `relative` of the base value (0.2 = 20%) **and**
/// by more than `floorMs` milliseconds. The relative part ignores noise on slow replies; the floor
/// ignores jitter on fast ones, where 12 ms → 18 ms is +50% and means nothing. Latencies are not
/// tested for significance: a reply latency is one measurement of many turns, and the percentiles
/// already summarise them.
public struct LatencyRule: Sendable, Hashable {
    public var relative: Double
    public var floorMs: Double

    public init(relative: Double = 0.2, floorMs: Double = 50) {
        self.relative = relative
        self.floorMs = floorMs
    }

    /// Which way a percentile moved from `base` to `candidate`, or `nil` when it did not change.
    public func change(base: Double, candidate: Double) -> Direction? {
        let difference = abs(candidate - base)
        guard difference > max(0, floorMs), difference > base * max(0, relative) else { return nil }
        return candidate > base ? .slower : .faster
    }

    public enum Direction: String, Sendable, Hashable {
        case slower, faster
    }
}
