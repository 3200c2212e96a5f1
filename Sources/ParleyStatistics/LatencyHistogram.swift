/// Latencies counted into buckets as they arrive, for percentiles of runs of any length in memory
/// that does not grow with the number of values.
///
/// Buckets are log-linear, as in HdrHistogram: each power of two is cut into 4,096 equal parts, so
/// two values share a bucket only when they are within 0.025% of each other. Each bucket keeps its
/// count and the smallest and largest value it saw, and only buckets that saw a value are stored
/// (latencies of one run cluster in a few hundred). A percentile is found by nearest rank, like
/// ``Percentiles/init(_:)``, and reported as a measured value: the smallest of its bucket when the
/// rank is the bucket's first, else the largest. It equals the exact nearest-rank percentile
/// whenever no two different values share a bucket, and is within 0.025% of it otherwise.
public struct LatencyHistogram: Sendable, Hashable {
    struct Bucket: Sendable, Hashable {
        var count: Int
        var min: Double
        var max: Double

        mutating func include(_ value: Double) {
            count += 1
            min = Swift.min(min, value)
            max = Swift.max(max, value)
        }
    }

    private var buckets: [Int: Bucket] = [:]
    /// How many values were counted.
    public private(set) var count = 0

    /// Parts each power of two is cut into.
    static let subBuckets = 4096

    public init() {}

    /// Counts `values`.
    public init(_ values: some Sequence<Double>) {
        for value in values { add(value) }
    }

    /// Counts one value; values that are not finite are left out.
    public mutating func add(_ value: Double) {
        guard value.isFinite else { return }
        let key = Self.bucket(of: value)
        count += 1
        // One look-up: the bucket is changed where it lies.
        if let index = buckets.index(forKey: key) {
            buckets.values[index].include(value)
        } else {
            buckets[key] = Bucket(count: 1, min: value, max: value)
        }
    }

    /// Adds another histogram's values.
    public mutating func add(_ other: LatencyHistogram) {
        for (key, theirs) in other.buckets {
            if let ours = buckets[key] {
                buckets[key] = Bucket(
                    count: ours.count + theirs.count, min: Swift.min(ours.min, theirs.min),
                    max: Swift.max(ours.max, theirs.max))
            } else {
                buckets[key] = theirs
            }
        }
        count += other.count
    }

    /// p50, p90 and p99 by nearest rank; `nil` when nothing was counted.
    public var percentiles: Percentiles? {
        guard count > 0 else { return nil }
        let sorted = buckets.sorted { $0.key < $1.key }.map(\.value)
        func value(_ q: Double) -> Double {
            let rank = Swift.min(Swift.max(Int((q * Double(count)).rounded(.up)), 1), count)
            var before = 0
            for bucket in sorted {
                if rank <= before + bucket.count { return rank == before + 1 ? bucket.min : bucket.max }
                before += bucket.count
            }
            return sorted[sorted.count - 1].max
        }
        return Percentiles(p50: value(0.5), p90: value(0.9), p99: value(0.99))
    }

    /// The bucket of a finite value: ordered like the values themselves.
    static func bucket(of value: Double) -> Int {
        guard value > 0 else { return value == 0 ? 0 : -bucket(of: -value) }
        // value = significand × 2^exponent with significand in [1, 2).
        let exponent = Int(value.exponent)
        let fraction = value.significand - 1
        let part = Swift.min(Int(fraction * Double(subBuckets)), subBuckets - 1)
        // Shifted so every positive value's bucket is above zero's (exponents reach -1074).
        return (exponent + 1100) * subBuckets + part + 1
    }
}
