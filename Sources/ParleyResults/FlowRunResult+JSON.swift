import Foundation
import ParleyFlow
import ParleyJSON
import ParleyRun

/// A transcript (`transcripts/<id>.json`): the header's members, then the conversation.
extension FlowRunResult: JSONRecord {
    public static let blank = FlowRunResult(
        id: "", flow: "", file: "", persona: nil, repetition: 0, target: "", provider: "", labels: [],
        outcome: .error, startedAt: Date(timeIntervalSince1970: 0), finishedAt: Date(timeIntervalSince1970: 0),
        opening: .userFirst)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try header.members(&json)
        try json.field("opening", &opening)
        try json.field("turns", &turns)
        try json.field("steps", &steps)
        try json.field("notes", &notes)
        try json.optional("judgments", &judgments)
        try json.optional("interrupted", &interrupted)
    }
}

extension Flow.OpeningKind: JSONCodable {}
extension Turn.Role: JSONCodable {}
extension StepKind: JSONCodable {}
extension StepStatus: JSONCodable {}

/// One turn of a transcript; optional members only when they say something.
extension Turn: JSONRecord {
    public static let blank = Turn(role: .user, text: "", at: Date(timeIntervalSince1970: 0))

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("role", &role)
        try json.field("text", &text)
        try json.optional("messages", &messages)
        try json.field("at", &at)
        try json.optional("time_to_first_chunk_ms", &timeToFirstChunkMs)
        try json.optional("latency_ms", &latencyMs)
        try json.optional("ids", &ids)
        try json.optional("events", &events)
        try json.optional("actions", &actions)
        try json.optional("simulated", &simulated)
        try json.optional("candidates", &candidates)
        try json.optional("conversation_completed", &conversationCompleted)
    }
}

extension ProviderEvent: JSONRecord {
    public static let blank = ProviderEvent(kind: "")

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("kind", &kind)
        try json.optional("detail", &detail)
    }
}

/// What one step did.
extension StepResult: JSONRecord {
    public static let blank = StepResult(index: 0, kind: .send, location: .blank, status: .skipped)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("index", &index)
        try json.field("kind", &kind)
        try json.field("location", &location)
        try json.field("status", &status)
        try json.optional("detail", &detail)
        try json.optional("duration_ms", &durationMs)
    }
}
