import Foundation
import ParleyFlow

/// A judge's decision on one criterion.
public enum Verdict: String, Sendable, Hashable, CaseIterable {
    case pass, fail, inconclusive
}

/// One criterion, its verdict, the judge's reasoning, and whether it counts as passed.
public struct CriterionVerdict: Sendable, Hashable {
    public var criterion: String
    public var verdict: Verdict
    public var reasoning: String
    /// `pass`, or `inconclusive` for a criterion that says `inconclusive: pass`.
    public var passed: Bool

    public init(criterion: String, verdict: Verdict, reasoning: String, passed: Bool) {
        self.criterion = criterion
        self.verdict = verdict
        self.reasoning = reasoning
        self.passed = passed
    }

    /// Whether `verdict` passes `criterion`: inconclusive fails unless the criterion says otherwise.
    public static func passes(_ verdict: Verdict, _ criterion: Criterion) -> Bool {
        verdict == .pass || (verdict == .inconclusive && criterion.inconclusivePasses)
    }
}

/// The verdicts on one agent reply (`each_reply`).
public struct ReplyVerdicts: Sendable, Hashable {
    /// The reply's index in the transcript's turns.
    public var turn: Int
    public var verdicts: [CriterionVerdict]
    public var passed: Bool

    public init(turn: Int, verdicts: [CriterionVerdict]) {
        self.turn = turn
        self.verdicts = verdicts
        self.passed = verdicts.allSatisfy(\.passed)
    }
}

/// What one `judge` (a step, or the flow's closing judge) decided, kept in the transcript.
public struct Judgment: Sendable, Hashable {
    /// The step's index, or `nil` for the flow's closing `judge:`.
    public var step: Int?
    public var location: SourceLocation
    /// The judge's name (under `judges:`) and the model it asked.
    public var judge: String
    public var model: String
    /// How many turns of the transcript the judge saw (a mid-flow judge sees the conversation so far).
    public var turnsSeen: Int
    public var criteria: [CriterionVerdict]
    public var replies: [ReplyVerdicts]
    /// The share of agent replies that passed `each_reply`, and the share required.
    public var score: Double?
    public var minScore: Double?
    public var passed: Bool
    /// True when every verdict came from the cache (no judge call was made).
    public var cached: Bool

    public init(
        step: Int?, location: SourceLocation, judge: String, model: String, turnsSeen: Int,
        criteria: [CriterionVerdict], replies: [ReplyVerdicts], minScore: Double?, cached: Bool
    ) {
        self.step = step
        self.location = location
        self.judge = judge
        self.model = model
        self.turnsSeen = turnsSeen
        self.criteria = criteria
        self.replies = replies
        self.minScore = replies.isEmpty ? nil : minScore
        let score = replies.isEmpty ? nil : JudgeScore.share(passed: replies.filter(\.passed).count, of: replies.count)
        self.score = score
        self.cached = cached
        self.passed = criteria.allSatisfy(\.passed) && (score.map { $0 >= (minScore ?? 1) } ?? true)
    }
}

/// The per-reply score: the one function that computes it, so transcripts and reports agree.
public enum JudgeScore {
    /// `passed / total`, rounded to 4 decimals; `0` when there is nothing to count.
    public static func share(passed: Int, of total: Int) -> Double {
        guard total > 0 else { return 0 }
        return (Double(passed) / Double(total) * 10_000).rounded() / 10_000
    }
}

/// Judge calls of a flow run and the tokens they used.
public struct JudgeUsage: Sendable, Hashable {
    /// Calls answered by the judge model.
    public var calls: Int
    /// Calls answered from the verdict cache (no tokens spent).
    public var cachedCalls: Int
    public var promptTokens: Int
    public var completionTokens: Int

    public init(calls: Int = 0, cachedCalls: Int = 0, promptTokens: Int = 0, completionTokens: Int = 0) {
        self.calls = calls
        self.cachedCalls = cachedCalls
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public static func + (a: JudgeUsage, b: JudgeUsage) -> JudgeUsage {
        JudgeUsage(
            calls: a.calls + b.calls, cachedCalls: a.cachedCalls + b.cachedCalls,
            promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens)
    }

    public var totalTokens: Int { promptTokens + completionTokens }
}
