import ParleyFlow
import ParleyJSON

/// `coverage.json`.
extension RunCoverage: JSONRecord {
    public static let blank = RunCoverage(runId: "", observed: [], inventory: nil)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("run_id", &runId)
        try json.optional("inventory", &inventory)
        try json.field("runs", &runs)
        try json.field("passed_runs", &passedRuns)
        try json.field("unreadable", &unreadable)
        try json.field("declared", &declared)
        try json.field("exercised", &exercised)
        try json.field("kinds", &kinds)
    }
}

/// One kind (states, tools or intents) and its items, gaps first.
extension RunCoverage.Kind: JSONRecord {
    public static let blank = RunCoverage.Kind(kind: .states, declared: 0, exercised: 0, items: [])

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("kind", &kind)
        try json.field("declared", &declared)
        try json.field("exercised", &exercised)
        try json.field("items", &items)
    }
}

/// One state, tool or intent, with the passing and failing flow runs that exercised it.
extension RunCoverage.Item: JSONRecord {
    public static let blank = RunCoverage.Item(name: "", declared: false, passedRuns: 0, failingRuns: 0)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("name", &name)
        try json.field("declared", &declared)
        try json.field("passed_runs", &passedRuns)
        try json.field("failing_runs", &failingRuns)
    }
}

extension CoverageKind: JSONCodable {}
