import Foundation
import ParleyRun
import ParleyFlow
import ParleyStatistics

/// `summary.json`: counts, per-flow pass rates with their statistics, latency percentiles, tokens
/// and cost of a run. Every figure a report shows is computed here once and stored, so the console,
/// the HTML report, JUnit, `diff` and the history agree.
public struct RunSummary: Sendable, Hashable {
    public typealias Percentiles = ParleyStatistics.Percentiles

    public var runId: String
    public var startedAt: Date
    public var finishedAt: Date
    public var total: Int
    public var passed: Int
    public var failed: Int
    public var errors: Int
    /// Flow runs planned but not finished (stopped by Ctrl-C, `--fail-fast` or the budget).
    public var notRun: Int
    public var passRate: Double
    /// The 95% Wilson interval of `passRate`.
    public var passRateInterval: WilsonInterval?
    /// The k of every flow's pass@k and pass^k (`--k`, default the repeat count).
    public var k: Int?
    /// What a flow's `min_pass_rate` is compared with; absent means the point estimate.
    public var gate: PassGate?
    public var latencyMs: Percentiles?
    /// Tokens and cost of the whole run; absent when no endpoint reported usage.
    public var usage: RunCost?
    /// Set when the budget stopped the run early.
    public var budget: BudgetStop?
    /// Judge calls and tokens of the whole run (absent when nothing was judged).
    public var judgeUsage: JudgeUsage?
    public var flows: [FlowSummary]

    public struct FlowSummary: Sendable, Hashable {
        public var flow: String
        public var file: String
        public var runs: Int
        public var passed: Int
        public var failed: Int
        public var errors: Int
        public var passRate: Double
        /// The 95% Wilson interval of `passRate`.
        public var passRateInterval: WilsonInterval?
        /// The chance that at least one of k attempts passes (k = the summary's `k`).
        public var passAtK: Double?
        /// The chance that all k attempts pass.
        public var passHatK: Double?
        /// The flow's outcomes differ between runs of the same persona (`--repeat`).
        public var flaky: Bool
        public var latencyMs: Percentiles?
        /// The share of runs that must pass (`min_pass_rate:` or `--min-pass-rate`), when set.
        public var minPassRate: Double?
        /// Whether the pass rate (or, with `--gate lower-bound`, its interval's lower bound) reaches
        /// `minPassRate`; absent when there is none.
        public var meetsMinPassRate: Bool?
        public var usage: RunCost?
    }

    /// How summaries are computed: the k of pass@k, the pass-rate thresholds and how they are judged.
    public struct Options: Sendable {
        public var k: Int?
        public var gate: PassGate
        /// `min_pass_rate:` by flow name.
        public var minPassRates: [String: Double]
        /// `--min-pass-rate`, for flows that declare none.
        public var defaultMinPassRate: Double?
        public var pricing: Pricing?

        public init(
            k: Int? = nil, gate: PassGate = .point, minPassRates: [String: Double] = [:],
            defaultMinPassRate: Double? = nil, pricing: Pricing? = nil
        ) {
            self.k = k
            self.gate = gate
            self.minPassRates = minPassRates
            self.defaultMinPassRate = defaultMinPassRate
            self.pricing = pricing
        }
    }

    /// Summarises finished records; `planned` counts flow runs that were meant to run.
    public init(
        runId: String, startedAt: Date, finishedAt: Date, records: [ResultRecord], planned: Int? = nil,
        options: Options = Options()
    ) {
        self.runId = runId
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        total = records.count
        passed = records.count { $0.outcome == .passed }
        failed = records.count { $0.outcome == .failed }
        errors = records.count { $0.outcome == .error }
        notRun = max(0, (planned ?? records.count) - records.count)
        passRate = PassRate.of(passed: passed, runs: total)
        passRateInterval = WilsonInterval(successes: passed, trials: total)
        k = options.k
        gate = options.gate == .point ? nil : options.gate
        latencyMs = Percentiles(records.flatMap(\.latenciesMs))
        usage = RunCost(records: records, pricing: options.pricing)
        judgeUsage = Self.judgeUsage(records)
        var order: [String] = []
        var byFlow: [String: [ResultRecord]] = [:]
        for record in records {
            if byFlow[record.flow] == nil { order.append(record.flow) }
            byFlow[record.flow, default: []].append(record)
        }
        flows = order.map { name in
            FlowSummary(flow: name, records: byFlow[name] ?? [], options: options)
        }
    }

    /// The judge calls and tokens of `records` added up; `nil` when none was judged.
    public static func judgeUsage(_ records: [ResultRecord]) -> JudgeUsage? {
        let used = records.compactMap(\.judgeUsage)
        return used.isEmpty ? nil : used.reduce(JudgeUsage(), +)
    }

    /// 0 all passed · 1 an assertion failed · 3 errors without failures (nothing could be completed).
    ///
    /// A flow with a `minPassRate` passes when it meets it, whatever its individual runs did; one
    /// that falls short counts as failed when any of its runs failed, else as errors.
    public var exitCode: Int32 {
        var failing = false
        var erring = false
        for flow in flows {
            if let meets = flow.meetsMinPassRate {
                if meets { continue }
                if flow.failed > 0 { failing = true } else { erring = true }
            } else {
                if flow.failed > 0 { failing = true }
                if flow.errors > 0 { erring = true }
            }
        }
        if failing { return 1 }
        if erring { return 3 }
        return 0
    }

    /// The options the summary was computed with, as far as it records them (k, the gate, each flow's
    /// minimum pass rate), so a merge or a re-graded run is summarised the way the run was.
    public var options: Options {
        var options = Options(k: k, gate: gate ?? .point)
        for flow in flows {
            if let rate = flow.minPassRate { options.minPassRates[flow.flow] = rate }
        }
        return options
    }

    /// Flows whose pass rate fell short of their `minPassRate`.
    public var flowsBelowMinPassRate: [FlowSummary] { flows.filter { $0.meetsMinPassRate == false } }
}

extension RunSummary.FlowSummary {
    /// The statistics of one flow's records.
    public init(flow name: String, records runs: [ResultRecord], options: RunSummary.Options) {
        let passed = runs.count { $0.outcome == .passed }
        let byPersona = Dictionary(grouping: runs) { $0.persona ?? "" }
        flow = name
        file = runs.first?.file ?? ""
        self.runs = runs.count
        self.passed = passed
        failed = runs.count { $0.outcome == .failed }
        errors = runs.count { $0.outcome == .error }
        passRate = PassRate.of(passed: passed, runs: runs.count)
        passRateInterval = WilsonInterval(successes: passed, trials: runs.count)
        if let k = options.k {
            passAtK = PassAtK.atLeastOne(passed: passed, runs: runs.count, k: k)
            passHatK = PassAtK.all(passed: passed, runs: runs.count, k: k)
        }
        flaky = byPersona.values.contains { Set($0.map(\.outcome)).count > 1 }
        latencyMs = RunSummary.Percentiles(runs.flatMap(\.latenciesMs))
        minPassRate = options.minPassRates[name] ?? options.defaultMinPassRate
        if let minPassRate {
            meetsMinPassRate = options.gate.meets(
                minPassRate, passRate: passRate, interval: passRateInterval, runs: runs.count)
        }
        usage = RunCost(records: runs, pricing: options.pricing)
    }
}
