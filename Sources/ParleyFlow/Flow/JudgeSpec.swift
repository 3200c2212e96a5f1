/// What a judge grades: criteria on the conversation, criteria on each agent reply, or both.
///
/// Written as a flow's closing `judge:` (graded after every step) or as a `judge` step (graded on
/// the conversation so far).
public struct JudgeSpec: Sendable {
    /// Criteria on the whole conversation; each gets its own verdict.
    public var criteria: [Criterion]
    /// Criteria every agent reply is graded on.
    public var eachReply: [Criterion]
    /// The share of agent replies that must pass `eachReply` (0...1; default 1).
    public var minScore: Double
    /// A judge named under `judges:` in parley.yaml; `nil` uses the default judge.
    public var judge: String?
    public var location: SourceLocation

    public init(
        criteria: [Criterion] = [], eachReply: [Criterion] = [], minScore: Double = 1, judge: String? = nil,
        location: SourceLocation
    ) {
        self.criteria = criteria
        self.eachReply = eachReply
        self.minScore = minScore
        self.judge = judge
        self.location = location
    }
}

/// One thing a judge decides: a sentence about the conversation, and how to count "inconclusive".
public struct Criterion: Sendable, Hashable {
    public var text: String
    /// True when an inconclusive verdict counts as a pass (`inconclusive: pass`); otherwise it fails.
    public var inconclusivePasses: Bool
    public var location: SourceLocation

    public init(_ text: String, inconclusivePasses: Bool = false, location: SourceLocation) {
        self.text = text
        self.inconclusivePasses = inconclusivePasses
        self.location = location
    }
}
