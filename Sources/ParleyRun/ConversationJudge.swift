import ParleyFlow

/// A model that grades conversations on criteria (`judge:` in flows, `judges:` in parley.yaml).
///
/// Implementations build the prompt, ask the model for structured verdicts, parse them strictly
/// and cache them; the interpreter only decides what to ask and what the verdicts mean.
public protocol ConversationJudge: Sendable {
    /// The name under `judges:` (or `sandbox`).
    var name: String { get }
    /// The model it asks, for transcripts.
    var model: String { get }
    /// One verdict per criterion, in the criteria's order. Throws when the judge could not grade
    /// (unreachable, an error status, a timeout, an answer that is not the verdicts asked for).
    func grade(_ request: JudgeRequest) async throws(JudgeFailure) -> JudgeAnswer
}

/// What a judge is asked to grade.
public struct JudgeRequest: Sendable {
    public var criteria: [Criterion]
    /// The conversation so far, agent actions included.
    public var turns: [Turn]
    public var persona: Persona?
    public var scenario: Scenario?
    /// For `each_reply`: the index (in `turns`) of the one agent reply to grade; `nil` grades the
    /// whole conversation.
    public var focusTurn: Int?

    public init(
        criteria: [Criterion], turns: [Turn], persona: Persona?, scenario: Scenario?, focusTurn: Int? = nil
    ) {
        self.criteria = criteria
        self.turns = turns
        self.persona = persona
        self.scenario = scenario
        self.focusTurn = focusTurn
    }
}

/// A judge's verdicts, aligned with the request's criteria.
public struct JudgeAnswer: Sendable {
    public var verdicts: [(verdict: Verdict, reasoning: String)]
    public var usage: JudgeUsage

    public init(verdicts: [(verdict: Verdict, reasoning: String)], usage: JudgeUsage) {
        self.verdicts = verdicts
        self.usage = usage
    }
}

/// Why a judge could not grade; the flow run ends as `error` of kind `judge`.
public struct JudgeFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// What the judge answered, when it answered something unusable (shown, secrets masked).
    public var answer: String?

    public init(_ message: String, answer: String? = nil) {
        self.message = message
        self.answer = answer
    }

    public var description: String {
        guard let answer else { return message }
        let shown = answer.count > 800 ? String(answer.prefix(800)) + "…" : answer
        return message + "; the judge answered: " + shown
    }
}

/// The judges a run can use: by name, and the default for `judge:` that names none.
public struct JudgePanel: Sendable {
    public var judges: [String: any ConversationJudge]
    public var defaultName: String?

    public init(judges: [String: any ConversationJudge] = [:], defaultName: String? = nil) {
        self.judges = judges
        self.defaultName = defaultName
    }

    /// The judge for a spec: the one it names, else the default.
    public func judge(named name: String?) -> (any ConversationJudge)? {
        guard let key = name ?? defaultName else { return nil }
        return judges[key]
    }
}
