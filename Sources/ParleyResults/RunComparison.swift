import Foundation
import ParleyFlow
import ParleyJSON
import ParleyRun

/// How a candidate run differs from a base run, flow by flow: new failures, fixes, flakiness,
/// pass-rate and reply-latency changes, and flows only one of them ran.
///
/// Flow runs are matched by flow name and persona (flow runs without a persona match each other),
/// so repetitions of one flow and persona are compared as a group.
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

        /// Defaults: any pass-rate drop, latency rises over 20% and over 50 ms.
        public init(passRateDrop: Double = 0, latencyIncrease: Double = 0.2, latencyFloorMs: Double = 50) {
            self.passRateDrop = passRateDrop
            self.latencyIncrease = latencyIncrease
            self.latencyFloorMs = latencyFloorMs
        }

        /// The defaults `parley diff` uses.
        public static let standard = Thresholds()
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
            passRate = records.isEmpty ? 0 : Double(passed) / Double(records.count)
        }
    }

    /// One flow and persona in both runs (or one of them).
    public struct FlowComparison: Sendable, Hashable {
        public var flow: String
        public var persona: String?
        public var file: String
        public var base: FlowStats?
        public var candidate: FlowStats?
        /// Every change worth reporting; empty when the flow is unchanged.
        public var changes: [Change]

        /// True when one of the changes is a regression.
        public var regressed: Bool { changes.contains { $0.kind.isRegression } }
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
            passRate = records.isEmpty ? 0 : Double(passed) / Double(records.count)
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

        /// A change; values as in `base` and `candidate`.
        public init(kind: Kind, percentile: String? = nil, base: Double? = nil, candidate: Double? = nil) {
            self.kind = kind
            self.percentile = percentile
            self.base = base
            self.candidate = candidate
        }
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
        flows.filter { !$0.regressed && $0.changes.contains { $0.kind.isImprovement } }
    }
}
