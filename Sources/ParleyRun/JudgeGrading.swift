import ParleyFlow

/// Grades a conversation on a ``JudgeSpec``: the one place that decides which calls a judge gets
/// and what its verdicts add up to, used by flow runs and by `parley rejudge` alike.
public enum JudgeGrading {
    /// Why grading stopped: a judge in trouble (`error`) or nothing to grade (`failed`).
    public enum Problem: Error, Sendable {
        /// No judge by that name, or no default judge.
        case noJudge(String)
        /// The judge could not grade (kind `judge`).
        case judge(String)
        /// `each_reply` with no agent reply in the transcript.
        case noReplies
    }

    /// The judgment on `turns` and the judge calls it took.
    public static func grade(
        _ spec: JudgeSpec, step: Int?, turns: [Turn], persona: Persona?, scenario: Scenario?, judges: JudgePanel
    ) async throws(Problem) -> (judgment: Judgment, usage: JudgeUsage) {
        guard let judge = judges.judge(named: spec.judge) else {
            throw .noJudge(
                spec.judge.map { "no judge named `\($0)` is configured" }
                    ?? "no judge is configured: add `judges:` and `default_judge:` to parley.yaml")
        }
        var usage = JudgeUsage()
        var cached = true
        func ask(_ criteria: [Criterion], focus: Int?) async throws(Problem) -> [CriterionVerdict] {
            let answer: JudgeAnswer
            do {
                answer = try await judge.grade(
                    JudgeRequest(
                        criteria: criteria, turns: turns, persona: persona, scenario: scenario, focusTurn: focus))
            } catch {
                throw .judge("judge `\(judge.name)` (\(judge.model)) could not grade: \(error)")
            }
            usage = usage + answer.usage
            if answer.usage.calls > 0 { cached = false }
            return zip(criteria, answer.verdicts).map { criterion, given in
                CriterionVerdict(
                    criterion: criterion.text, verdict: given.verdict, reasoning: given.reasoning,
                    passed: CriterionVerdict.passes(given.verdict, criterion))
            }
        }
        let overall = spec.criteria.isEmpty ? [] : try await ask(spec.criteria, focus: nil)
        var replies: [ReplyVerdicts] = []
        if !spec.eachReply.isEmpty {
            let agentTurns = turns.indices.filter { turns[$0].role == .agent }
            guard !agentTurns.isEmpty else { throw .noReplies }
            for turn in agentTurns {
                replies.append(ReplyVerdicts(turn: turn, verdicts: try await ask(spec.eachReply, focus: turn)))
            }
        }
        let judgment = Judgment(
            step: step, location: spec.location, judge: judge.name, model: judge.model, turnsSeen: turns.count,
            criteria: overall, replies: replies, minScore: spec.eachReply.isEmpty ? nil : spec.minScore,
            cached: cached)
        return (judgment, usage)
    }

    /// A short account of a judgment, for the step's detail: `2 of 3 criteria met; replies scored 90% (min 80%)`.
    public static func summary(_ judgment: Judgment) -> String {
        var parts: [String] = []
        if !judgment.criteria.isEmpty {
            parts.append("\(judgment.criteria.filter(\.passed).count) of \(judgment.criteria.count) criteria met")
        }
        if let score = judgment.score {
            parts.append(
                "replies scored \(ScoreText.percent(score)) (min \(ScoreText.percent(judgment.minScore ?? 1)))")
        }
        return parts.joined(separator: "; ") + (judgment.cached ? " (cached)" : "")
    }

    /// Why a judgment that did not pass failed: located at the first criterion that did not pass,
    /// or at the first `each_reply` criterion when the score fell short. `nil` when it passed.
    public static func failure(_ judgment: Judgment, spec: JudgeSpec, stepKind: String) -> FailureInfo? {
        guard !judgment.passed else { return nil }
        let detail = summary(judgment)
        if let index = judgment.criteria.firstIndex(where: { !$0.passed }) {
            let verdict = judgment.criteria[index]
            return FailureInfo(
                message: "the judge's verdict is \(verdict.verdict.rawValue) on \"\(verdict.criterion)\" (\(detail))",
                location: index < spec.criteria.count ? spec.criteria[index].location : spec.location,
                stepKind: stepKind, expected: verdict.criterion, actual: verdict.reasoning)
        }
        let failing = judgment.replies.filter { !$0.passed }
        let reasons = failing.prefix(3).flatMap { reply in
            reply.verdicts.filter { !$0.passed }.map {
                "reply [\(reply.turn + 1)]: \($0.verdict.rawValue) on \"\($0.criterion)\": \($0.reasoning)"
            }
        }
        return FailureInfo(
            message: "\(failing.count) of \(judgment.replies.count) agent replies did not pass (\(detail))",
            location: spec.eachReply.first?.location ?? spec.location, stepKind: stepKind,
            expected: "at least \(ScoreText.percent(judgment.minScore ?? 1)) of agent replies passing",
            actual: reasons.joined(separator: "\n"))
    }
}

/// Scores as people read them.
public enum ScoreText {
    /// `0.9` → `90%`, `0.8333` → `83.33%`.
    public static func percent(_ share: Double) -> String {
        let value = (share * 10_000).rounded() / 100
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
