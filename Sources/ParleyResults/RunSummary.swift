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
    /// Outcomes by persona, across flows (absent when no flow run had a persona).
    public var personas: [GroupSummary]?
    /// Outcomes by scenario, across flows (absent when no flow run had a named scenario).
    public var scenarios: [GroupSummary]?

    /// The outcomes of the flow runs that share a persona or a scenario.
    public struct GroupSummary: Sendable, Hashable {
        public var name: String
        public var runs: Int
        public var passed: Int
        public var failed: Int
        public var errors: Int
        public var passRate: Double
        /// The 95% Wilson interval of `passRate`.
        public var passRateInterval: WilsonInterval?
        /// The flows these runs belong to.
        public var flows: Int
    }

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
        /// The flow's outcomes differ between repetitions of one persona, scenario and table row (`--repeat`).
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

extension RunSummary {
    /// Summarises finished records; `planned` counts flow runs that were meant to run.
    public init(
        runId: String, startedAt: Date, finishedAt: Date, records: [ResultRecord], planned: Int? = nil,
        options: Options = Options()
    ) {
        self = RunTally(records).summary(
            runId: runId, startedAt: startedAt, finishedAt: finishedAt, planned: planned, options: options)
    }
}
