import Foundation
import ParleyJSON

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
        try json.optional("latency_ms", &latencyMs)
        try json.optional("judge_usage", &judgeUsage)
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
        try json.field("flaky", &flaky)
        try json.optional("latency_ms", &latencyMs)
    }
}

/// `{p50, p90, p99}` in milliseconds.
extension RunSummary.Percentiles: JSONRecord {
    public static let blank = RunSummary.Percentiles(p50: 0, p90: 0, p99: 0)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("p50", &p50)
        try json.field("p90", &p90)
        try json.field("p99", &p99)
    }
}
