import ParleyJSON
import ParleyRun

// The transcript's members for agent actions and judges, in the order `Codable` reads them back.

extension AgentAction {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [("kind", .string(kind.rawValue)), ("name", .string(name))]
        members.appendIfPresent("version", version.map(JSONValue.string))
        members.appendIfPresent("from", from.map(JSONValue.string))
        members.appendIfPresent("arguments", arguments)
        members.appendIfPresent("result", result.map(JSONValue.string))
        members.appendIfPresent("duration_ms", durationMs.map(JSONValue.number))
        members.appendIfPresent("detail", detail.map(JSONValue.string))
        return .object(members)
    }
}

extension CriterionVerdict {
    var json: JSONValue {
        .object([
            ("criterion", .string(criterion)), ("verdict", .string(verdict.rawValue)),
            ("reasoning", .string(reasoning)), ("passed", .bool(passed)),
        ])
    }
}

extension ReplyVerdicts {
    var json: JSONValue {
        .object([
            ("turn", .number(Double(turn))), ("verdicts", .array(verdicts.map(\.json))), ("passed", .bool(passed)),
        ])
    }
}

extension Judgment {
    var json: JSONValue {
        var members: [(String, JSONValue)] = []
        members.appendIfPresent("step", step.map { .number(Double($0)) })
        members += [
            ("location", location.json), ("judge", .string(judge)), ("model", .string(model)),
            ("turns_seen", .number(Double(turnsSeen))), ("criteria", .array(criteria.map(\.json))),
            ("replies", .array(replies.map(\.json))),
        ]
        members.appendIfPresent("score", score.map(JSONValue.number))
        members.appendIfPresent("min_score", minScore.map(JSONValue.number))
        members += [("passed", .bool(passed)), ("cached", .bool(cached))]
        return .object(members)
    }
}

extension JudgeUsage {
    var json: JSONValue {
        .object([
            ("calls", .number(Double(calls))), ("cached_calls", .number(Double(cachedCalls))),
            ("prompt_tokens", .number(Double(promptTokens))), ("completion_tokens", .number(Double(completionTokens))),
        ])
    }
}
