import Foundation
import ParleyFlow
import ParleyJSON
import ParleyRun
import ParleyStatistics

/// How a candidate run differs from a base run, flow by flow: new failures, fixes, flakiness,
/// pass-rate and reply-latency changes, and flows only one of them ran.
///
/// Flow runs are matched by flow name and persona (flow runs without a persona match each other),
/// a matrix run's scenario and a table's row, so repetitions of one flow and persona are compared as
/// a group.
public struct RunComparison: Sendable, Hashable {
    /// Counts of the run compared against.
    public var base: RunTotals
    /// Counts of the run judged.
    public var candidate: RunTotals
    /// The thresholds the changes were judged by.
    public var thresholds: Thresholds
    /// True when any flow regressed: what `parley diff` exits 1 on.
    public var regressed: Bool
    /// Every flow and persona of either run; regressions first, then improvements, then the rest.
    public var flows: [FlowComparison]

    /// What counts as a change worth reporting.
    public struct Thresholds: Sendable, Hashable {
        /// A pass-rate drop larger than this (0.1 = ten points) is a regression; 0 makes any drop one.
        public var passRateDrop: Double
        /// A p50 or p90 latency rise larger than this fraction (0.2 = 20%) is a regression…
        public var latencyIncrease: Double
        /// …provided it is also larger than this many milliseconds, so jitter on fast replies is not.
        public var latencyFloorMs: Double
        /// For flows that ran more than once: a pass-rate change counts only when Fisher's exact test
        /// gives it a one-sided p-value below this.
        public var alpha: Double

        /// Defaults: any significant pass-rate drop (α = 0.05), latency rises over 20% and over 50 ms.
        public init(
            passRateDrop: Double = 0, latencyIncrease: Double = 0.2, latencyFloorMs: Double = 50, alpha: Double = 0.05
        ) {
            self.passRateDrop = passRateDrop
            self.latencyIncrease = latencyIncrease
            self.latencyFloorMs = latencyFloorMs
            self.alpha = alpha
        }

        /// The defaults `parley diff` uses.
        public static let standard = Thresholds()

        /// The latency rule these thresholds describe.
        public var latencyRule: LatencyRule { LatencyRule(relative: latencyIncrease, floorMs: latencyFloorMs) }
    }

    /// Counts of one run.
    public struct RunTotals: Sendable, Hashable {
        /// The run's directory or id, as the user named it.
        public var name: String
        public var total: Int
        public var passed: Int
        public var failed: Int
        public var errors: Int
        public var passRate: Double

        /// Counts `records`.
        public init(name: String, records: [ResultRecord]) {
            self.name = name
            total = records.count
            passed = records.count { $0.outcome == .passed }
            failed = records.count { $0.outcome == .failed }
            errors = records.count { $0.outcome == .error }
            passRate = PassRate.of(passed: passed, runs: records.count)
        }
    }

    /// One flow and persona (and scenario and row) in both runs (or one of them).
    public struct FlowComparison: Sendable, Hashable {
        public var flow: String
        public var persona: String?
        /// A matrix run's scenario.
        public var scenario: String?
        /// A table's row.
        public var caseName: String?
        public var file: String
        public var base: FlowStats?
        public var candidate: FlowStats?
        /// Every change worth reporting; empty when the flow is unchanged.
        public var changes: [Change]

        /// True when one of the changes is a regression (and, for repeated flows, significant).
        public var regressed: Bool { changes.contains(where: \.isRegression) }
        /// True when one of the changes is a significant improvement.
        public var improved: Bool { changes.contains(where: \.isImprovement) }
        /// True when the pass rate changed, but not significantly (repeated flows only).
        public var changedNotSignificant: Bool { changes.contains { $0.significant == false } }
        /// True when nothing changed worth reporting.
        public var unchanged: Bool { changes.isEmpty }
    }

    /// The flow runs of one flow and persona in one run.
    public struct FlowStats: Sendable, Hashable {
        public var runs: Int
        public var passed: Int
        public var failed: Int
        public var errors: Int
        public var passRate: Double
        /// The 95% Wilson interval of `passRate`.
        public var passRateInterval: WilsonInterval?
        /// Outcomes differ between the repetitions.
        public var flaky: Bool
        public var latencyMs: RunSummary.Percentiles?
        /// The first failure or error, for showing where and why.
        public var failure: FailureInfo?
        /// The transcript of that failure, relative to its run directory.
        public var failureTranscript: String?

        /// Summarises the runs of one flow and persona.
        public init(records: [ResultRecord]) {
            runs = records.count
            passed = records.count { $0.outcome == .passed }
            failed = records.count { $0.outcome == .failed }
            errors = records.count { $0.outcome == .error }
            passRate = PassRate.of(passed: passed, runs: records.count)
            passRateInterval = WilsonInterval(successes: passed, trials: records.count)
            flaky = Set(records.map(\.outcome)).count > 1
            latencyMs = RunSummary.Percentiles(records.flatMap(\.latenciesMs))
            let failing = records.sorted { $0.repetition < $1.repetition }.first { $0.outcome != .passed }
            failure = failing?.failure
            failureTranscript = failing?.transcript
        }

        /// Every run passed.
        public var allPassed: Bool { runs > 0 && passed == runs }
    }

    /// One difference between the two runs of a flow.
    public struct Change: Sendable, Hashable {
        /// What changed.
        public var kind: Kind
        /// For latency changes: `p50` or `p90`.
        public var percentile: String?
        /// The compared values (pass rates as fractions, latencies in milliseconds).
        public var base: Double?
        public var candidate: Double?
        /// For pass-rate changes of flows that ran more than once: the one-sided p-value of Fisher's
        /// exact test in the direction of the change.
        public var pValue: Double?
        /// Whether `pValue` is below α; absent for single runs and latency changes, which follow
        /// their own rules.
        public var significant: Bool?

        /// A change; values as in `base` and `candidate`.
        public init(
            kind: Kind, percentile: String? = nil, base: Double? = nil, candidate: Double? = nil,
            pValue: Double? = nil, significant: Bool? = nil
        ) {
            self.kind = kind
            self.percentile = percentile
            self.base = base
            self.candidate = candidate
            self.pValue = pValue
            self.significant = significant
        }

        /// A regression that counts: its kind is one, and it is not a change without significance.
        public var isRegression: Bool { kind.isRegression && significant != false }
        /// An improvement that counts.
        public var isImprovement: Bool { kind.isImprovement && significant != false }
    }

    /// The kinds of change, regressions and otherwise.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Every base run passed; a candidate run failed or ended in an error.
        case newFailure = "new-failure"
        /// Outcomes differ between the candidate's repetitions, and did not in the base.
        case newlyFlaky = "newly-flaky"
        case passRateDrop = "pass-rate-drop"
        case slower
        /// A base run failed or ended in an error; every candidate run passed.
        case fixed
        case noLongerFlaky = "no-longer-flaky"
        case passRateRise = "pass-rate-rise"
        case faster
        case onlyInBase = "only-in-base"
        case onlyInCandidate = "only-in-candidate"

        /// Whether this change makes `parley diff` fail.
        public var isRegression: Bool {
            switch self {
            case .newFailure, .newlyFlaky, .passRateDrop, .slower: true
            default: false
            }
        }

        /// Whether this change is for the better.
        public var isImprovement: Bool {
            switch self {
            case .fixed, .noLongerFlaky, .passRateRise, .faster: true
            default: false
            }
        }
    }

    /// A comparison of already compared flows; `regressed` follows from them.
    public init(base: RunTotals, candidate: RunTotals, thresholds: Thresholds, flows: [FlowComparison]) {
        self.base = base
        self.candidate = candidate
        self.thresholds = thresholds
        self.flows = flows
        self.regressed = flows.contains(where: \.regressed)
    }

    /// The flows that regressed.
    public var regressions: [FlowComparison] { flows.filter(\.regressed) }
    /// The flows that improved and did not regress.
    public var improvements: [FlowComparison] {
        flows.filter { !$0.regressed && $0.improved }
    }
}
