import ParleyJSON
import ParleyRun

/// One line of `results.jsonl`: the header's members, then the turn count, the transcript's path and
/// the reply latencies.
extension ResultRecord: JSONRecord {
    public static let blank = ResultRecord(header: .blank, turns: 0, transcript: "", latenciesMs: [])

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try header.members(&json)
        try json.field("turns", &turns)
        try json.field("transcript", &transcript)
        try json.field("latencies_ms", &latenciesMs)
        try json.optional("cost", &cost)
    }
}
