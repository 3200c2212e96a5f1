import ParleyFlow
import ParleyJSON
import ParleyRun

// The transcript's members for agent actions and judges.

extension AgentAction: JSONRecord {
    public static let blank = AgentAction(kind: .step, name: "")

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("kind", &kind)
        try json.field("name", &name)
        try json.optional("version", &version)
        try json.optional("from", &from)
        try json.optional("arguments", &arguments)
        try json.optional("result", &result)
        try json.optional("duration_ms", &durationMs)
        try json.optional("detail", &detail)
    }
}

extension AgentAction.Kind: JSONCodable {}
extension Verdict: JSONCodable {}
extension ErrorKind: JSONCodable {}

extension CriterionVerdict: JSONRecord {
    public static let blank = CriterionVerdict(criterion: "", verdict: .inconclusive, reasoning: "", passed: false)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("criterion", &criterion)
        try json.field("verdict", &verdict)
        try json.field("reasoning", &reasoning)
        try json.field("passed", &passed)
    }
}

extension ReplyVerdicts: JSONRecord {
    public static let blank = ReplyVerdicts(turn: 0, verdicts: [])

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("turn", &turn)
        try json.field("verdicts", &verdicts)
        try json.field("passed", &passed)
    }
}

extension Judgment: JSONRecord {
    public static let blank = Judgment(
        step: nil, location: .blank, judge: "", model: "", turnsSeen: 0, criteria: [], replies: [], minScore: nil,
        cached: false)

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.optional("step", &step)
        try json.field("location", &location)
        try json.field("judge", &judge)
        try json.field("model", &model)
        try json.field("turns_seen", &turnsSeen)
        try json.field("criteria", &criteria)
        try json.field("replies", &replies)
        try json.optional("score", &score)
        try json.optional("min_score", &minScore)
        try json.field("passed", &passed)
        try json.field("cached", &cached)
    }
}

extension JudgeUsage: JSONRecord {
    public static let blank = JudgeUsage()

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("calls", &calls)
        try json.field("cached_calls", &cachedCalls)
        try json.field("prompt_tokens", &promptTokens)
        try json.field("completion_tokens", &completionTokens)
    }
}

/// Tokens one role spent on one model.
extension TokenUsage: JSONRecord {
    public static let blank = TokenUsage(role: .agent, model: "")

    public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
        try json.field("role", &role)
        try json.field("model", &model)
        try json.field("calls", &calls)
        try json.field("input_tokens", &inputTokens)
        try json.field("output_tokens", &outputTokens)
    }
}
