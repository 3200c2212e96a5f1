import Foundation
import ParleyRun
import ParleyFlow

/// `summary.json`: counts, per-flow pass rates and latency percentiles of a run.
public struct RunSummary: Sendable, Codable {
    public var runId: String
    public var startedAt: Date
    public var finishedAt: Date
    public var total: Int
    public var passed: Int
    public var failed: Int
    public var errors: Int
    /// Flow runs planned but not finished (stopped by Ctrl-C or `--fail-fast`).
    public var notRun: Int
    public var passRate: Double
    public var latencyMs: Percentiles?
    /// Judge calls and tokens of the whole run (absent when nothing was judged).
    public var judgeUsage: JudgeUsage?
    public var flows: [FlowSummary]

    public struct FlowSummary: Sendable, Codable {
        public var flow: String
        public var file: String
        public var runs: Int
        public var passed: Int
        public var failed: Int
        public var errors: Int
        public var passRate: Double
        /// The flow's outcomes differ between runs of the same persona (`--repeat`).
        public var flaky: Bool
        public var latencyMs: Percentiles?
    }

    public struct Percentiles: Sendable, Codable, Hashable {
        public var p50: Double
        public var p90: Double
        public var p99: Double

        public init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            func at(_ q: Double) -> Double {
                let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
                return sorted[min(max(rank, 0), sorted.count - 1)]
            }
            p50 = at(0.5)
            p90 = at(0.9)
            p99 = at(0.99)
        }
    }

    /// Summarises finished records; `planned` counts flow runs that were meant to run.
    public init(runId: String, startedAt: Date, finishedAt: Date, records: [ResultRecord], planned: Int? = nil) {
        self.runId = runId
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        total = records.count
        passed = records.count { $0.outcome == .passed }
        failed = records.count { $0.outcome == .failed }
        errors = records.count { $0.outcome == .error }
        notRun = max(0, (planned ?? records.count) - records.count)
        passRate = records.isEmpty ? 0 : Double(passed) / Double(records.count)
        latencyMs = Percentiles(records.flatMap(\.latenciesMs))
        judgeUsage = Self.judgeUsage(records)
        var order: [String] = []
        var byFlow: [String: [ResultRecord]] = [:]
        for record in records {
            if byFlow[record.flow] == nil { order.append(record.flow) }
            byFlow[record.flow, default: []].append(record)
        }
        flows = order.map { name in
            let runs = byFlow[name] ?? []
            let passed = runs.count { $0.outcome == .passed }
            let byPersona = Dictionary(grouping: runs) { $0.persona ?? "" }
            let flaky = byPersona.values.contains { Set($0.map(\.outcome)).count > 1 }
            return FlowSummary(
                flow: name, file: runs.first?.file ?? "", runs: runs.count, passed: passed,
                failed: runs.count { $0.outcome == .failed }, errors: runs.count { $0.outcome == .error },
                passRate: runs.isEmpty ? 0 : Double(passed) / Double(runs.count), flaky: flaky,
                latencyMs: Percentiles(runs.flatMap(\.latenciesMs)))
        }
    }

    /// The judge calls and tokens of `records` added up; `nil` when none was judged.
    public static func judgeUsage(_ records: [ResultRecord]) -> JudgeUsage? {
        let used = records.compactMap(\.judgeUsage)
        return used.isEmpty ? nil : used.reduce(JudgeUsage(), +)
    }

    /// 0 all passed · 1 an assertion failed · 3 errors without failures (nothing could be completed).
    public var exitCode: Int32 { exitCode(minPassRate: nil) }

    /// The exit code; with `minPassRate`, a run passes when every flow's pass rate reaches it
    /// (for `--repeat` runs of flaky agents), and otherwise fails as usual.
    public func exitCode(minPassRate: Double?) -> Int32 {
        if let minPassRate {
            let short = flows.filter { $0.passRate + 1e-9 < minPassRate }
            if short.isEmpty { return 0 }
            return short.contains { $0.failed > 0 } ? 1 : 3
        }
        if failed > 0 { return 1 }
        if errors > 0 { return 3 }
        return 0
    }
}
