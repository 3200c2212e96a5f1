import Foundation
import ParleyRun
import ParleyStatistics

/// Everything a run's summary and closing digest need, added up one record at a time, so that a run
/// of any length is summarised in memory that grows with its flows and their variants (persona, scenario,
/// table row), not its flow runs.
///
/// ``RunSummary/init(runId:startedAt:finishedAt:records:planned:options:)`` is this tally over its
/// records: a summary computed as results stream by and one computed from a run directory agree.
public struct RunTally: Sendable {
    /// The flow runs of one flow and variant (persona, scenario, table row) that did not pass, for the
    /// closing digest.
    public struct NotPassed: Sendable, Equatable {
        public var flow: String
        /// The persona, with a matrix run's scenario (`Dana · late parcel`).
        public var persona: String?
        /// The row of a table.
        public var caseName: String?
        /// Every run of the flow and variant, passed or not.
        public var runs: Int
        public var failed: Int
        public var errors: Int
        /// The run that did not pass with the lowest repetition: its failure is the one shown.
        public var first: ResultRecord
        /// How many different failures (location and message) the runs had, counted up to
        /// ``RunTally/reasonLimit``.
        public var reasons: Int
        /// Repetition numbers of the runs that did not pass, the lowest ``RunTally/repetitionsKept``,
        /// in order.
        public var repetitions: [Int]
    }

    /// Different failure reasons counted per flow and variant; beyond it the count stops.
    public static let reasonLimit = 1_000
    /// Repetition numbers of failing runs kept per flow and variant (a digest names the first few).
    public static let repetitionsKept = 8

    /// The runs of one flow that differ only by repetition (``ResultRecord/variantKey``).
    fileprivate struct VariantTally: Sendable {
        var persona: String?
        var caseName: String?
        var runs = 0
        var outcomes: Set<Outcome> = []
        var failed = 0
        var errors = 0
        var first: ResultRecord?
        var reasons: Set<Int> = []
        var repetitions: [Int] = []
    }

    /// What the run as a whole and each flow count alike.
    fileprivate struct Counts: Sendable {
        var runs = 0
        var passed = 0
        var failed = 0
        var errors = 0
        var latency = LatencyHistogram()
        var usage: [TokenUsage] = []
        var cost: Double?

        mutating func add(_ record: ResultRecord) {
            runs += 1
            switch record.outcome {
            case .passed: passed += 1
            case .failed: failed += 1
            case .error: errors += 1
            }
            for value in record.latenciesMs { latency.add(value) }
            if let used = record.usage { for entry in used { TokenUsage.add(entry, to: &usage) } }
            if let spent = record.cost { cost = (cost ?? 0) + spent }
        }
    }

    fileprivate struct FlowTally: Sendable {
        var file: String
        var counts = Counts()
        var variantOrder: [String] = []
        /// Only repetitions of one variant can be flaky: runs of a matrix or a table differ by design.
        var variants: [String: VariantTally] = [:]
    }

    /// The flow runs that share a persona or a scenario, across flows.
    fileprivate struct GroupTally: Sendable {
        var runs = 0
        var passed = 0
        var failed = 0
        var errors = 0
        var flows: Set<String> = []
    }

    /// Groups by name, in order of first appearance.
    fileprivate struct Groups: Sendable {
        var order: [String] = []
        var groups: [String: GroupTally] = [:]
    }

    private var counts = Counts()
    public var total: Int { counts.runs }
    public var passed: Int { counts.passed }
    public var failed: Int { counts.failed }
    public var errors: Int { counts.errors }
    private var judgeUsage: JudgeUsage?
    private var flowOrder: [String] = []
    private var flows: [String: FlowTally] = [:]
    private var personas = Groups()
    /// The targets the flow runs used, in order of first appearance.
    public private(set) var targets: [String] = []
    private var scenarios = Groups()

    public init() {}

    /// A tally of `records`.
    public init(_ records: some Sequence<ResultRecord>) {
        for record in records { add(record) }
    }

    /// Adds one finished flow run.
    public mutating func add(_ record: ResultRecord) {
        counts.add(record)
        if let judged = record.judgeUsage { judgeUsage = (judgeUsage ?? JudgeUsage()) + judged }

        if flows[record.flow] == nil {
            flowOrder.append(record.flow)
            flows[record.flow] = FlowTally(file: record.file)
        }
        flows[record.flow]?.add(record)
        personas.add(record, as: record.persona)
        if !targets.contains(record.target) { targets.append(record.target) }
        scenarios.add(record, as: record.scenario)
    }

    /// The summary of the flow runs added; `planned` counts flow runs that were meant to run.
    public func summary(
        runId: String, startedAt: Date, finishedAt: Date, planned: Int? = nil, options: RunSummary.Options = .init()
    ) -> RunSummary {
        var summary = RunSummary(
            runId: runId, startedAt: startedAt, finishedAt: finishedAt, total: total, passed: passed, failed: failed,
            errors: errors, notRun: max(0, (planned ?? total) - total),
            passRate: PassRate.of(passed: passed, runs: total),
            flows: [])
        summary.passRateInterval = WilsonInterval(successes: passed, trials: total)
        summary.k = options.k
        summary.gate = options.gate == .point ? nil : options.gate
        summary.latencyMs = counts.latency.percentiles
        summary.usage = RunCost(usage: counts.usage, cost: counts.cost, pricing: options.pricing)
        summary.judgeUsage = judgeUsage
        summary.flows = flowOrder.compactMap { name in flows[name].map { $0.summary(name, options: options) } }
        summary.personas = personas.summaries
        summary.scenarios = scenarios.summaries
        return summary
    }

    /// The flows and variants with runs that did not pass, in the order they were first seen.
    public var notPassed: [NotPassed] {
        flowOrder.flatMap { name -> [NotPassed] in
            guard let flow = flows[name] else { return [] }
            return flow.variantOrder.compactMap { key in
                guard let tally = flow.variants[key], let first = tally.first else { return nil }
                return NotPassed(
                    flow: name, persona: tally.persona, caseName: tally.caseName, runs: tally.runs,
                    failed: tally.failed, errors: tally.errors, first: first, reasons: tally.reasons.count,
                    repetitions: tally.repetitions)
            }
        }
    }
}

extension RunTally.FlowTally {
    fileprivate mutating func add(_ record: ResultRecord) {
        counts.add(record)
        let key = record.variantKey
        if variants[key] == nil {
            variantOrder.append(key)
            variants[key] = RunTally.VariantTally(persona: record.who, caseName: record.dataCase?.name)
        }
        variants[key]?.add(record)
    }

    fileprivate func summary(_ name: String, options: RunSummary.Options) -> RunSummary.FlowSummary {
        let (runs, passed) = (counts.runs, counts.passed)
        var flow = RunSummary.FlowSummary(
            flow: name, file: file, runs: runs, passed: passed, failed: counts.failed, errors: counts.errors,
            passRate: PassRate.of(passed: passed, runs: runs),
            flaky: variants.values.contains { $0.outcomes.count > 1 }, latencyMs: counts.latency.percentiles)
        flow.passRateInterval = WilsonInterval(successes: passed, trials: runs)
        if let k = options.k {
            flow.passAtK = PassAtK.atLeastOne(passed: passed, runs: runs, k: k)
            flow.passHatK = PassAtK.all(passed: passed, runs: runs, k: k)
        }
        flow.minPassRate = options.minPassRates[name] ?? options.defaultMinPassRate
        if let minPassRate = flow.minPassRate {
            flow.meetsMinPassRate = options.gate.meets(
                minPassRate, passRate: flow.passRate, interval: flow.passRateInterval, runs: runs)
        }
        flow.usage = RunCost(usage: counts.usage, cost: counts.cost, pricing: options.pricing)
        return flow
    }
}

extension RunTally.VariantTally {
    fileprivate mutating func add(_ record: ResultRecord) {
        runs += 1
        outcomes.insert(record.outcome)
        guard record.outcome != .passed else { return }
        if record.outcome == .failed { failed += 1 } else { errors += 1 }
        if let current = first {
            if record.repetition < current.repetition { first = record }
        } else {
            first = record
        }
        if reasons.count < RunTally.reasonLimit {
            var hasher = Hasher()
            hasher.combine(record.failure?.location.description ?? "")
            hasher.combine(record.failure?.message ?? "")
            reasons.insert(hasher.finalize())
        }
        if repetitions.count < RunTally.repetitionsKept || record.repetition < repetitions[repetitions.count - 1] {
            let index = repetitions.firstIndex { $0 > record.repetition } ?? repetitions.count
            repetitions.insert(record.repetition, at: index)
            if repetitions.count > RunTally.repetitionsKept { repetitions.removeLast() }
        }
    }
}

extension RunTally.Groups {
    /// Counts `record` in the group `name`; records without one are left out.
    fileprivate mutating func add(_ record: ResultRecord, as name: String?) {
        guard let name else { return }
        if groups[name] == nil { order.append(name) }
        groups[name, default: RunTally.GroupTally()].add(record)
    }

    /// One summary per group, in order of first appearance; `nil` when no record had a name.
    fileprivate var summaries: [RunSummary.GroupSummary]? {
        guard !order.isEmpty else { return nil }
        return order.compactMap { name in
            guard let group = groups[name] else { return nil }
            return RunSummary.GroupSummary(
                name: name, runs: group.runs, passed: group.passed, failed: group.failed, errors: group.errors,
                passRate: PassRate.of(passed: group.passed, runs: group.runs),
                passRateInterval: WilsonInterval(successes: group.passed, trials: group.runs),
                flows: group.flows.count)
        }
    }
}

extension RunTally.GroupTally {
    fileprivate mutating func add(_ record: ResultRecord) {
        runs += 1
        switch record.outcome {
        case .passed: passed += 1
        case .failed: failed += 1
        case .error: errors += 1
        }
        flows.insert(record.flow)
    }
}
