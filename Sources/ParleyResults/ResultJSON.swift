import Foundation
import ParleyFlow
import ParleyJSON
import ParleyRun

// Transcripts and results lines are written for every flow run, so they are built as `JSONValue`s
// and serialized directly: Foundation's JSONEncoder (snake-case key conversion, date formatting,
// sorting) cost more CPU than the conversation itself. The keys are exactly those `JSONCoding`'s
// decoder reads back, which the round-trip tests pin.

/// What a transcript and a results line both say about a flow run, written in the same order.
protocol FlowRunHeader {
    var id: String { get }
    var flow: String { get }
    var file: String { get }
    var persona: String? { get }
    var repetition: Int { get }
    var target: String { get }
    var provider: String { get }
    var labels: [String] { get }
    var conversationTags: [String: String] { get }
    var outcome: Outcome { get }
    var failure: FailureInfo? { get }
    var startedAt: Date { get }
    var finishedAt: Date { get }
    var durationMs: Double { get }
    var conversationId: String? { get }
}

extension FlowRunHeader {
    /// The members from `id` to `conversation_id`, with `afterDuration` right after `duration_ms`.
    func headerMembers(afterDuration: [(String, JSONValue)] = []) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [
            ("id", .string(id)), ("flow", .string(flow)), ("file", .string(file)),
        ]
        members.appendIfPresent("persona", persona.map(JSONValue.string))
        members += [
            ("repetition", .number(Double(repetition))), ("target", .string(target)), ("provider", .string(provider)),
            ("labels", .array(labels.map(JSONValue.string))), ("conversation_tags", .sortedObject(conversationTags)),
            ("outcome", .string(outcome.rawValue)),
        ]
        members.appendIfPresent("failure", failure?.json)
        members +=
            [
                ("started_at", .string(Timestamp.iso8601(startedAt))),
                ("finished_at", .string(Timestamp.iso8601(finishedAt))),
                ("duration_ms", .number(durationMs)),
            ] + afterDuration
        members.appendIfPresent("conversation_id", conversationId.map(JSONValue.string))
        return members
    }
}

extension FlowRunResult: FlowRunHeader {
    /// The transcript as JSON.
    public var json: JSONValue {
        var members = headerMembers()
        members += [
            ("opening", .string(opening.rawValue)),
            ("turns", .array(turns.map(\.json))),
            ("steps", .array(steps.map(\.json))),
            ("notes", .array(notes.map(JSONValue.string))),
        ]
        members.appendIfPresent("usage", usage.map { .array($0.map(\.json)) })
        members.appendIfPresent("judgments", judgments.map { .array($0.map(\.json)) })
        members.appendIfPresent("judge_usage", judgeUsage?.json)
        members.appendIfPresent("interrupted", interrupted.map(JSONValue.bool))
        return .object(members)
    }
}

extension ResultRecord: FlowRunHeader {
    /// One line of `results.jsonl` as JSON.
    public var json: JSONValue {
        var members = headerMembers(afterDuration: [("turns", .number(Double(turns)))])
        members += [("transcript", .string(transcript)), ("latencies_ms", .array(latenciesMs.map(JSONValue.number)))]
        members.appendIfPresent("usage", usage.map { .array($0.map(\.json)) })
        members.appendIfPresent("cost", cost.map(JSONValue.number))
        members.appendIfPresent("judge_usage", judgeUsage?.json)
        return .object(members)
    }
}

extension TokenUsage {
    var json: JSONValue {
        .object([
            ("role", .string(role.rawValue)), ("model", .string(model)), ("calls", .number(Double(calls))),
            ("input_tokens", .number(Double(inputTokens))), ("output_tokens", .number(Double(outputTokens))),
        ])
    }
}

extension FailureInfo {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("message", .string(message)), ("location", location.json), ("step_kind", .string(stepKind)),
        ]
        members.appendIfPresent("expected", expected.map(JSONValue.string))
        members.appendIfPresent("actual", actual.map(JSONValue.string))
        members.appendIfPresent("error_kind", errorKind.map { JSONValue.string($0.rawValue) })
        return .object(members)
    }
}

extension SourceLocation {
    var json: JSONValue {
        .object([("file", .string(file)), ("line", .number(Double(line))), ("column", .number(Double(column)))])
    }
}

extension Turn {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [("role", .string(role.rawValue)), ("text", .string(text))]
        members.appendIfPresent("messages", messages.map { .array($0.map(JSONValue.string)) })
        members.append(("at", .string(Timestamp.iso8601(at))))
        members.appendIfPresent("time_to_first_chunk_ms", timeToFirstChunkMs.map(JSONValue.number))
        members.appendIfPresent("latency_ms", latencyMs.map(JSONValue.number))
        members.appendIfPresent("ids", ids.map(JSONValue.sortedObject))
        members.appendIfPresent("events", events.map { .array($0.map(\.json)) })
        members.appendIfPresent("actions", actions.map { .array($0.map(\.json)) })
        members.appendIfPresent("simulated", simulated.map(JSONValue.bool))
        members.appendIfPresent("candidates", candidates.map { .array($0.map(JSONValue.string)) })
        members.appendIfPresent("conversation_completed", conversationCompleted.map(JSONValue.bool))
        return .object(members)
    }
}

extension ProviderEvent {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [("kind", .string(kind))]
        members.appendIfPresent("detail", detail.map(JSONValue.string))
        return .object(members)
    }
}

extension StepResult {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("index", .number(Double(index))), ("kind", .string(kind.rawValue)), ("location", location.json),
            ("status", .string(status.rawValue)),
        ]
        members.appendIfPresent("detail", detail.map(JSONValue.string))
        members.appendIfPresent("duration_ms", durationMs.map(JSONValue.number))
        return .object(members)
    }
}

extension JSONValue {
    /// An object with the dictionary's members in key order (stable output).
    static func sortedObject(_ dictionary: [String: String]) -> JSONValue {
        .object(dictionary.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }
}

extension Array where Element == (String, JSONValue) {
    mutating func appendIfPresent(_ key: String, _ value: JSONValue?) {
        if let value { append((key, value)) }
    }
}
