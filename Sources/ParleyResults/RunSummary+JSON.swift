import Foundation
import ParleyJSON
import ParleyRun
import ParleyStatistics

/// `summary.json`.
extension RunSummary: JSONRecord {
    public static let blank = RunSummary(
        runId: "", startedAt: Date(timeIntervalSince1970: 0), finishedAt: Date(timeIntervalSince1970: 0), records: [])

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("run_id", &runId)
        try json.field("started_at", &startedAt)
        try json.field("finished_at", &finishedAt)
        try json.field("total", &total)
        try json.field("passed", &passed)
        try json.field("failed", &failed)
        try json.field("errors", &errors)
        try json.field("not_run", &notRun)
        try json.field("pass_rate", &passRate)
        try json.optional("pass_rate_interval", &passRateInterval)
        try json.optional("k", &k)
        try json.optional("gate", &gate)
        try json.optional("latency_ms", &latencyMs)
        try json.optional("usage", &usage)
        try json.optional("budget", &budget)
        try json.optional("judge_usage", &judgeUsage)
        try json.field("flows", &flows)
        try json.optional("personas", &personas)
        try json.optional("scenarios", &scenarios)
    }
}

/// The flow runs of one persona or one scenario in `summary.json`.
extension RunSummary.GroupSummary: JSONRecord {
    public static let blank = RunSummary.GroupSummary(
        name: "", runs: 0, passed: 0, failed: 0, errors: 0, passRate: 0, passRateInterval: nil, flows: 0)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("name", &name)
        try json.field("runs", &runs)
        try json.field("passed", &passed)
        try json.field("failed", &failed)
        try json.field("errors", &errors)
        try json.field("pass_rate", &passRate)
        try json.optional("pass_rate_interval", &passRateInterval)
        try json.field("flows", &flows)
    }
}

/// One flow's counts in `summary.json`.
extension RunSummary.FlowSummary: JSONRecord {
    public static let blank = RunSummary.FlowSummary(
        flow: "", file: "", runs: 0, passed: 0, failed: 0, errors: 0, passRate: 0, flaky: false, latencyMs: nil)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("flow", &flow)
        try json.field("file", &file)
        try json.field("runs", &runs)
        try json.field("passed", &passed)
        try json.field("failed", &failed)
        try json.field("errors", &errors)
        try json.field("pass_rate", &passRate)
        try json.optional("pass_rate_interval", &passRateInterval)
        try json.optional("pass_at_k", &passAtK)
        try json.optional("pass_hat_k", &passHatK)
        try json.field("flaky", &flaky)
        try json.optional("latency_ms", &latencyMs)
        try json.optional("min_pass_rate", &minPassRate)
        try json.optional("meets_min_pass_rate", &meetsMinPassRate)
        try json.optional("usage", &usage)
    }
}

/// `{p50, p90, p99}` in milliseconds.
extension Percentiles: JSONCodable, JSONRecord {
    public static let blank = Percentiles(p50: 0, p90: 0, p99: 0)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("p50", &p50)
        try json.field("p90", &p90)
        try json.field("p99", &p99)
    }
}

/// `{lower, upper, confidence}`: a pass rate's Wilson interval.
extension WilsonInterval: JSONCodable, JSONRecord {
    public static let blank = WilsonInterval(lower: 0, upper: 0, confidence: 0)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("lower", &lower)
        try json.field("upper", &upper)
        try json.field("confidence", &confidence)
    }
}

extension PassGate: JSONCodable {}
extension UsageRole: JSONCodable {}

/// Tokens and cost of a flow or of the run.
extension RunCost: JSONRecord {
    public static let blank = RunCost(inputTokens: 0, outputTokens: 0, cost: nil, unpricedModels: nil, byModel: [])

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("input_tokens", &inputTokens)
        try json.field("output_tokens", &outputTokens)
        try json.optional("cost", &cost)
        try json.optional("unpriced_models", &unpricedModels)
        try json.field("by_model", &byModel)
    }
}

/// Where `budget:` stopped the run.
extension BudgetStop: JSONRecord {
    public static let blank = BudgetStop(maxTokens: nil, maxCost: nil, spentTokens: 0, spentCost: nil, notStarted: 0)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.optional("max_tokens", &maxTokens)
        try json.optional("max_cost", &maxCost)
        try json.field("spent_tokens", &spentTokens)
        try json.optional("spent_cost", &spentCost)
        try json.field("not_started", &notStarted)
    }
}
