import Foundation
import ParleyJSON
import ParleyResults
import ParleyStatistics

/// `parley history --json`: the report in the dialect of the run directory's files.
extension HistoryReport: JSONRecord {
    public static let blank = HistoryReport(query: .blank, location: "", runs: [], flowRuns: [])

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("query", &query)
        try json.field("location", &location)
        try json.field("runs", &runs)
        try json.field("flips", &flips)
        try json.field("failing", &failing)
        try json.optional("latency", &latency)
    }
}

extension HistoryQuery: JSONRecord {
    public static let blank = HistoryQuery()

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.optional("flow", &flow)
        try json.optional("target", &target)
        try json.optional("since", &since)
        try json.field("last", &last)
    }
}

extension HistoryReport.RunPoint: JSONRecord {
    public static let blank = HistoryReport.RunPoint(
        id: "", startedAt: Date(timeIntervalSince1970: 0), targets: "", total: 0, passed: 0, failed: 0, errors: 0,
        passRate: 0)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("id", &id)
        try json.field("started_at", &startedAt)
        try json.field("targets", &targets)
        try json.optional("git_commit", &gitCommit)
        try json.optional("git_branch", &gitBranch)
        try json.optional("ci_job", &ciJob)
        try json.optional("shard", &shard)
        try json.field("total", &total)
        try json.field("passed", &passed)
        try json.field("failed", &failed)
        try json.field("errors", &errors)
        try json.field("pass_rate", &passRate)
        try json.optional("pass_rate_interval", &passRateInterval)
        try json.optional("latency_ms", &latencyMs)
        try json.optional("input_tokens", &inputTokens)
        try json.optional("output_tokens", &outputTokens)
        try json.optional("cost", &cost)
    }
}

extension HistoryReport.RunReference: JSONRecord {
    public static let blank = HistoryReport.RunReference(id: "", startedAt: Date(timeIntervalSince1970: 0))

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("id", &id)
        try json.field("started_at", &startedAt)
        try json.optional("git_commit", &gitCommit)
    }
}

extension HistoryReport.FlowFlips: JSONRecord {
    public static let blank = HistoryReport.FlowFlips(flow: "", flips: 0, runs: 0, passedRuns: 0, outcomes: "")

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("flow", &flow)
        try json.optional("flow_run", &flowRun)
        try json.field("flips", &flips)
        try json.field("runs", &runs)
        try json.field("passed_runs", &passedRuns)
        try json.field("outcomes", &outcomes)
    }
}

extension HistoryReport.FailingFlow: JSONRecord {
    public static let blank = HistoryReport.FailingFlow(flow: "", since: .blank, failingRuns: 0)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("flow", &flow)
        try json.field("since", &since)
        try json.field("failing_runs", &failingRuns)
        try json.optional("last_passed", &lastPassed)
        try json.optional("location", &location)
        try json.optional("message", &message)
        try json.optional("flow_run", &flowRun)
    }
}

extension HistoryReport.LatencyTrend: JSONRecord {
    public static let blank = HistoryReport.LatencyTrend(
        first: .blank, firstMs: .blank, latest: .blank, latestMs: .blank)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("first", &first)
        try json.field("first_ms", &firstMs)
        try json.field("latest", &latest)
        try json.field("latest_ms", &latestMs)
        try json.optional("p50", &p50)
        try json.optional("p90", &p90)
    }
}

extension LatencyRule.Direction: JSONCodable {}
