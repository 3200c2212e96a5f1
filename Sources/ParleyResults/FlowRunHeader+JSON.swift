import Foundation
import ParleyFlow
import ParleyJSON
import ParleyRun

// The formats of a run directory are each one `JSONRecord`: the same list of members writes a file
// and reads it back, so `parley run` and `parley merge` write the same keys in the same order and
// every reader sees what was written. Members are read and written in place (no key paths, no
// Foundation encoder): transcripts and result lines are written for every flow run, and
// BENCHMARKS.md records what JSONEncoder cost there.

extension FlowRunHeader: JSONRecord {
    public static let blank = FlowRunHeader(
        id: "", flow: "", file: "", persona: nil, repetition: 0, target: "", provider: "", labels: [],
        conversationTags: [:], outcome: .error, failure: nil, startedAt: Date(timeIntervalSince1970: 0),
        finishedAt: Date(timeIntervalSince1970: 0), durationMs: 0, conversationId: nil)

    /// The members a transcript and a results line both begin with, in this order.
    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("id", &id)
        try json.field("flow", &flow)
        try json.field("file", &file)
        try json.optional("persona", &persona)
        try json.optional("scenario", &scenario)
        try json.optional("case", &dataCase)
        try json.field("repetition", &repetition)
        try json.field("target", &target)
        try json.field("provider", &provider)
        try json.field("labels", &labels)
        try json.field("conversation_tags", &conversationTags)
        try json.field("outcome", &outcome)
        try json.optional("failure", &failure)
        try json.field("started_at", &startedAt)
        try json.field("finished_at", &finishedAt)
        try json.field("duration_ms", &durationMs)
        try json.optional("conversation_id", &conversationId)
        try json.optional("usage", &usage)
        try json.optional("judge_usage", &judgeUsage)
    }
}

extension Outcome: JSONCodable {}

extension FailureInfo: JSONRecord {
    public static let blank = FailureInfo(message: "", location: .blank, stepKind: "")

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("message", &message)
        try json.field("location", &location)
        try json.field("step_kind", &stepKind)
        try json.optional("expected", &expected)
        try json.optional("actual", &actual)
        try json.optional("error_kind", &errorKind)
    }
}

/// The row of a table a flow run used: `{"name": "shipped", "file": "flows/orders.csv", "line": 4}`.
extension CaseReference: JSONRecord {
    public static let blank = CaseReference(name: "", file: "", line: 0)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("name", &name)
        try json.field("file", &file)
        try json.field("line", &line)
    }
}

extension SourceLocation: JSONRecord {
    public static let blank = SourceLocation(file: "", line: 0, column: 0)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("file", &file)
        try json.field("line", &line)
        try json.field("column", &column)
    }
}
