import Foundation
import ParleyResults
import ParleyStatistics

/// Which runs a history report looks at.
public struct HistoryQuery: Sendable, Hashable {
    /// Only this flow's runs.
    public var flow: String?
    /// Only flow runs against this target.
    public var target: String?
    /// Only runs started at or after this time.
    public var since: Date?
    /// At most this many runs, the latest.
    public var last: Int

    public init(flow: String? = nil, target: String? = nil, since: Date? = nil, last: Int = 30) {
        self.flow = flow
        self.target = target
        self.since = since
        self.last = max(1, last)
    }
}

/// What the history says over a span of runs: the pass rate of each run, the flows that flipped
/// between passing and failing most often, the flows failing now and the run where that began,
/// and how reply latency moved. `parley history` prints it, `--json` writes it, `--html` draws it.
public struct HistoryReport: Sendable {
    public var query: HistoryQuery
    /// The history's location (never a password).
    public var location: String
    /// The runs, oldest first, counted over the flow runs the query selects.
    public var runs: [RunPoint]
    /// Flows that flipped at least once, most flips first.
    public var flips: [FlowFlips]
    /// Flows whose latest run failed, with the run their failing streak began in; longest first.
    public var failing: [FailingFlow]
    /// Reply latency in the first and the latest run.
    public var latency: LatencyTrend?

    /// One run.
    public struct RunPoint: Sendable, Hashable {
        public var id: String
        public var startedAt: Date
        public var targets: String
        public var gitCommit: String?
        public var gitBranch: String?
        public var ciJob: String?
        public var shard: String?
        public var total: Int
        public var passed: Int
        public var failed: Int
        public var errors: Int
        public var passRate: Double
        public var passRateInterval: WilsonInterval?
        public var latencyMs: Percentiles?
        public var inputTokens: Int?
        public var outputTokens: Int?
        public var cost: Double?

        /// How the run is named in lists: its id, and the commit when known.
        public var reference: RunReference {
            RunReference(id: id, startedAt: startedAt, gitCommit: gitCommit)
        }
    }

    /// A run, briefly.
    public struct RunReference: Sendable, Hashable {
        public var id: String
        public var startedAt: Date
        public var gitCommit: String?
    }

    /// How often a flow's result changed between consecutive runs: each persona, matrix scenario
    /// and table row of a flow on its own (repetitions of one count together).
    public struct FlowFlips: Sendable, Hashable {
        public var flow: String
        /// The flow run's name when it differs from the flow's: a persona, scenario or row
        /// (`refund [Dana · late parcel] case shipped`).
        public var flowRun: String? = nil
        /// Changes between passed and failed from one run to the next (errors are skipped: they
        /// are about reaching the agent, not its behaviour).
        public var flips: Int
        /// Runs in which the flow passed or failed.
        public var runs: Int
        public var passedRuns: Int
        /// One letter per run of the report, oldest first: P passed, F failed, E error, · absent.
        public var outcomes: String
    }

    /// A flow failing in its latest run (each persona, matrix scenario and table row on its own).
    public struct FailingFlow: Sendable, Hashable {
        public var flow: String
        /// The first run of the current failing streak.
        public var since: RunReference
        /// Runs failed in a row, up to the latest.
        public var failingRuns: Int
        /// The last run it passed in before the streak, if the report reaches back that far.
        public var lastPassed: RunReference?
        /// Where and why it failed in the latest run.
        public var location: String?
        public var message: String?
        /// The flow run that failed, when it differs from the flow's name: a persona, a matrix run's
        /// scenario or a table's row (`refund [Dana · late parcel] case shipped`).
        public var flowRun: String?
    }

    /// Reply latency at both ends of the report.
    public struct LatencyTrend: Sendable, Hashable {
        public var first: RunReference
        public var firstMs: Percentiles
        public var latest: RunReference
        public var latestMs: Percentiles
        /// The latency rule's verdict on the latest run against the first (p50, p90).
        public var p50: LatencyRule.Direction?
        public var p90: LatencyRule.Direction?
    }

    /// One flow run as the report needs it.
    struct FlowRunRow: Sendable {
        var runID: String
        var flow: String
        var outcome: String
        var latencies: [Double]
        var inputTokens: Int?
        var outputTokens: Int?
        var cost: Double?
        var failureLocation: String?
        var failureMessage: String?
        /// The flow run's name with its persona, scenario and row (``FlowRunName``).
        var name: String
    }

    /// One run's row as stored.
    struct RunRow: Sendable {
        var id: String
        var startedAt: Date
        var targets: String
        var gitCommit: String?
        var gitBranch: String?
        var ciJob: String?
        var shard: String?
    }

    /// Computes the report from rows: `runs` newest first, as queried.
    init(query: HistoryQuery, location: String, runs newestFirst: [RunRow], flowRuns: [FlowRunRow]) {
        self.query = query
        self.location = location
        let runRows = Array(newestFirst.reversed())
        let byRun = Dictionary(grouping: flowRuns, by: \.runID)
        runs = runRows.compactMap { row -> RunPoint? in
            let rows = byRun[row.id] ?? []
            guard !rows.isEmpty else { return nil }
            let passed = rows.count { $0.outcome == "passed" }
            let input = rows.compactMap(\.inputTokens)
            let output = rows.compactMap(\.outputTokens)
            let costs = rows.compactMap(\.cost)
            return RunPoint(
                id: row.id, startedAt: row.startedAt, targets: row.targets, gitCommit: row.gitCommit,
                gitBranch: row.gitBranch, ciJob: row.ciJob, shard: row.shard, total: rows.count, passed: passed,
                failed: rows.count { $0.outcome == "failed" }, errors: rows.count { $0.outcome == "error" },
                passRate: PassRate.of(passed: passed, runs: rows.count),
                passRateInterval: WilsonInterval(successes: passed, trials: rows.count),
                latencyMs: Percentiles(rows.flatMap(\.latencies)),
                inputTokens: input.isEmpty ? nil : input.reduce(0, +),
                outputTokens: output.isEmpty ? nil : output.reduce(0, +),
                cost: costs.isEmpty ? nil : costs.reduce(0, +))
        }

        // Each flow run's status per run (a persona, scenario or row of a flow on its own; its
        // repetitions together): failed if any repetition failed, else error if any erred.
        var flowOf: [String: String] = [:]
        var status: [String: [String: Character]] = [:]
        var lastFailure: [String: (location: String?, message: String?)] = [:]
        for run in runs {
            for row in byRun[run.id] ?? [] {
                flowOf[row.name] = row.flow
                let current = status[row.name]?[run.id]
                let letter: Character = row.outcome == "failed" ? "F" : row.outcome == "error" ? "E" : "P"
                if current == nil || letter == "F" || (letter == "E" && current == "P") {
                    status[row.name, default: [:]][run.id] = letter
                }
                if row.outcome == "failed" {
                    lastFailure[row.name] = (row.failureLocation, row.failureMessage)
                }
            }
        }
        var flips: [FlowFlips] = []
        var failing: [FailingFlow] = []
        for (name, flow) in flowOf.sorted(by: { $0.key < $1.key }) {
            let flowRun = name == flow ? nil : name
            let letters = runs.map { status[name]?[$0.id] ?? "·" }
            let decided = zip(runs, letters).filter { $0.1 == "P" || $0.1 == "F" }
            let changes = zip(decided, decided.dropFirst()).count { $0.0.1 != $0.1.1 }
            if changes > 0 {
                flips.append(
                    FlowFlips(
                        flow: flow, flowRun: flowRun, flips: changes, runs: decided.count,
                        passedRuns: decided.count { $0.1 == "P" }, outcomes: String(letters)))
            }
            guard let last = decided.last, last.1 == "F" else { continue }
            var start = decided.count - 1
            while start > 0, decided[start - 1].1 == "F" { start -= 1 }
            failing.append(
                FailingFlow(
                    flow: flow, since: decided[start].0.reference, failingRuns: decided.count - start,
                    lastPassed: start > 0 ? decided[start - 1].0.reference : nil,
                    location: lastFailure[name]?.location, message: lastFailure[name]?.message, flowRun: flowRun))
        }
        self.flips = flips.sorted {
            $0.flips != $1.flips ? $0.flips > $1.flips : ($0.flowRun ?? $0.flow) < ($1.flowRun ?? $1.flow)
        }
        self.failing = failing.sorted {
            $0.failingRuns != $1.failingRuns
                ? $0.failingRuns > $1.failingRuns : ($0.flowRun ?? $0.flow) < ($1.flowRun ?? $1.flow)
        }
        let timed = runs.filter { $0.latencyMs != nil }
        if let first = timed.first, let latest = timed.last, let a = first.latencyMs, let b = latest.latencyMs {
            let rule = LatencyRule()
            latency = LatencyTrend(
                first: first.reference, firstMs: a, latest: latest.reference, latestMs: b,
                p50: rule.change(base: a.p50, candidate: b.p50), p90: rule.change(base: a.p90, candidate: b.p90))
        }
    }
}
