import Foundation
import ParleyJSON
import ParleyRun

/// `run.json`: what a run was asked to do, so `--resume` can finish it exactly as it began.
public struct RunMetadata: Sendable, Hashable {
    public var runId: String
    public var createdAt: Date
    public var paths: [String]
    public var target: String?
    public var config: String?
    public var filters: [String]
    public var repeatCount: Int
    public var seed: UInt64
    public var shard: Shard?
    public var skipUnsupported: Bool
    /// How many flow runs the run planned (after filtering and sharding).
    public var planned: Int
    /// Flow runs at once (`--concurrency`, or parley.yaml's, or the default) as the run started.
    /// Absent in run directories written before it was recorded.
    public var concurrency: Int?
    /// `--fail-fast`.
    public var failFast: Bool?
    /// `--junit` and `--html`: the reports a resumed run writes again at its end.
    public var junit: String?
    public var html: String?
    /// `--min-pass-rate`.
    public var minPassRate: Double?
    /// `--k`, the k of pass@k and pass^k, when it was not `--repeat`.
    public var k: Int?
    /// `--gate`: what a minimum pass rate is compared with.
    public var gate: PassGate?
    /// `--baseline` and `--alpha`: the run the finished run is compared with, and how.
    public var baseline: String?
    public var alpha: Double?
    /// The git commit and CI job the run was made for, when known.
    public var environment: RunEnvironment?

    public init(
        runId: String, createdAt: Date = Date(), paths: [String], target: String?, config: String?, filters: [String],
        repeatCount: Int, seed: UInt64, shard: Shard?, skipUnsupported: Bool, planned: Int, concurrency: Int? = nil,
        failFast: Bool? = nil, junit: String? = nil, html: String? = nil, minPassRate: Double? = nil, k: Int? = nil,
        gate: PassGate? = nil, baseline: String? = nil, alpha: Double? = nil, environment: RunEnvironment? = nil
    ) {
        self.concurrency = concurrency
        self.failFast = failFast
        self.junit = junit
        self.html = html
        self.minPassRate = minPassRate
        self.k = k
        self.gate = gate
        self.baseline = baseline
        self.alpha = alpha
        self.environment = environment
        self.runId = runId
        self.createdAt = createdAt
        self.paths = paths
        self.target = target
        self.config = config
        self.filters = filters
        self.repeatCount = repeatCount
        self.seed = seed
        self.shard = shard
        self.skipUnsupported = skipUnsupported
        self.planned = planned
    }

    public static let fileName = "run.json"

    public func write(to directory: String) throws(RunDirectoryError) {
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        try RunWriter.writeAtomically(path: path, bytes: json.prettyBytes)
    }

    public static func read(from directory: String) throws(RunDirectoryError) -> RunMetadata {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunDirectoryError(path: path, message: "no such file; is \(directory) a Parley run directory?")
        }
        do {
            return try RunMetadata(json: try JSONValue(parsing: data))
        } catch {
            throw RunDirectoryError(path: path, message: "not a run description (\(error))")
        }
    }
}

/// `--shard I/N`: the I-th of N deterministic, balanced slices of a run's flow runs.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 1-based.
    public var index: Int
    public var count: Int

    public init?(parsing text: String) {
        let parts = text.split(separator: "/").map { Int(String($0).trimmingSpaces) }
        guard parts.count == 2, let index = parts[0], let count = parts[1], count >= 1, (1...count).contains(index)
        else { return nil }
        self.index = index
        self.count = count
    }

    /// Shard `index` of `count`, unchecked (for reading `run.json`, which a run wrote).
    init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// The flow runs of this shard: ids sorted, then every `count`-th from `index`, so shards are
    /// disjoint, cover everything, and differ in size by at most one whatever order flows load in.
    public func select(_ requests: [FlowRunRequest]) -> [FlowRunRequest] {
        let ids = requests.map(\.id).sorted()
        let mine = Set(ids.enumerated().filter { $0.offset % count == index - 1 }.map(\.element))
        return requests.filter { mine.contains($0.id) }
    }
}
