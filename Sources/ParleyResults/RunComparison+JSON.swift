import ParleyJSON
import ParleyRun

/// What `parley diff --json` prints.
extension RunComparison: JSONRecord {
    public static let blank = RunComparison(base: .blank, candidate: .blank, thresholds: .standard, flows: [])

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("base", &base)
        try json.field("candidate", &candidate)
        try json.field("thresholds", &thresholds)
        try json.field("regressed", &regressed)
        try json.field("flows", &flows)
    }
}

extension RunComparison.Thresholds: JSONRecord {
    public static let blank = RunComparison.Thresholds()

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("pass_rate_drop", &passRateDrop)
        try json.field("latency_increase", &latencyIncrease)
        try json.field("latency_floor_ms", &latencyFloorMs)
        try json.field("alpha", &alpha)
    }
}

extension RunComparison.RunTotals: JSONRecord {
    public static let blank = RunComparison.RunTotals(name: "", records: [])

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("name", &name)
        try json.field("total", &total)
        try json.field("passed", &passed)
        try json.field("failed", &failed)
        try json.field("errors", &errors)
        try json.field("pass_rate", &passRate)
    }
}

extension RunComparison.FlowComparison: JSONRecord {
    public static let blank = RunComparison.FlowComparison(
        flow: "", persona: nil, scenario: nil, caseName: nil, file: "", base: nil, candidate: nil, changes: [])

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("flow", &flow)
        try json.optional("persona", &persona)
        try json.optional("scenario", &scenario)
        try json.optional("case_name", &caseName)
        try json.field("file", &file)
        try json.optional("base", &base)
        try json.optional("candidate", &candidate)
        try json.field("changes", &changes)
    }
}

extension RunComparison.FlowStats: JSONRecord {
    public static let blank = RunComparison.FlowStats(records: [])

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("runs", &runs)
        try json.field("passed", &passed)
        try json.field("failed", &failed)
        try json.field("errors", &errors)
        try json.field("pass_rate", &passRate)
        try json.optional("pass_rate_interval", &passRateInterval)
        try json.field("flaky", &flaky)
        try json.optional("latency_ms", &latencyMs)
        try json.optional("failure", &failure)
        try json.optional("failure_transcript", &failureTranscript)
    }
}

extension RunComparison.Change: JSONRecord {
    public static let blank = RunComparison.Change(kind: .slower)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("kind", &kind)
        try json.optional("percentile", &percentile)
        try json.optional("base", &base)
        try json.optional("candidate", &candidate)
        try json.optional("p_value", &pValue)
        try json.optional("significant", &significant)
    }
}

extension RunComparison.Kind: JSONCodable {}
