import ParleyFlow

/// `judge` steps and a flow's closing judge: ask, record the verdicts, decide pass or fail.
extension FlowExecution {
    /// Grades the conversation so far; a fail verdict fails the run, a judge in trouble is an error.
    mutating func judge(_ spec: JudgeSpec, step: Step, index: Int?) async throws(StepStop) -> String? {
        guard let judge = interpreter.judges.judge(named: spec.judge) else {
            throw .error(
                spec.judge.map { "no judge named `\($0)` is configured" }
                    ?? "no judge is configured: add `judges:` and `default_judge:` to parley.yaml",
                kind: ErrorKind.configuration)
        }
        let seen = turns
        var cached = true
        func ask(_ request: JudgeRequest) async throws(StepStop) -> JudgeAnswer {
            let answer: JudgeAnswer
            do {
                answer = try await judge.grade(request)
            } catch {
                throw .error("judge `\(judge.name)` (\(judge.model)) could not grade: \(error)", kind: ErrorKind.judge)
            }
            judgeUsage = judgeUsage + answer.usage
            if answer.usage.calls > 0 { cached = false }
            return answer
        }
        func verdicts(_ criteria: [Criterion], _ answer: JudgeAnswer) -> [CriterionVerdict] {
            zip(criteria, answer.verdicts).map { criterion, given in
                CriterionVerdict(
                    criterion: criterion.text, verdict: given.verdict, reasoning: given.reasoning,
                    passed: CriterionVerdict.passes(given.verdict, criterion))
            }
        }

        var overall: [CriterionVerdict] = []
        if !spec.criteria.isEmpty {
            let answer = try await ask(
                JudgeRequest(
                    criteria: spec.criteria, turns: seen, persona: request.persona, scenario: flow.scenario))
            overall = verdicts(spec.criteria, answer)
        }
        var replies: [ReplyVerdicts] = []
        if !spec.eachReply.isEmpty {
            let agentTurns = seen.indices.filter { seen[$0].role == .agent }
            guard !agentTurns.isEmpty else {
                throw .failed(
                    FailureInfo(
                        message: "`each_reply` has no agent reply to grade", location: step.location,
                        stepKind: step.kind.rawValue))
            }
            for turn in agentTurns {
                let answer = try await ask(
                    JudgeRequest(
                        criteria: spec.eachReply, turns: seen, persona: request.persona, scenario: flow.scenario,
                        focusTurn: turn))
                replies.append(ReplyVerdicts(turn: turn, verdicts: verdicts(spec.eachReply, answer)))
            }
        }
        let judgment = Judgment(
            step: index, location: spec.location, judge: judge.name, model: judge.model, turnsSeen: seen.count,
            criteria: overall, replies: replies, minScore: spec.eachReply.isEmpty ? nil : spec.minScore,
            cached: cached)
        judgments.append(judgment)
        return try Self.conclusion(judgment, spec: spec, step: step)
    }

    /// The step's detail when the judgment passed; the failure (located at the first criterion that
    /// did not pass) when it did not.
    static func conclusion(_ judgment: Judgment, spec: JudgeSpec, step: Step) throws(StepStop) -> String {
        let passedCount = judgment.criteria.filter(\.passed).count
        var parts: [String] = []
        if !judgment.criteria.isEmpty { parts.append("\(passedCount) of \(judgment.criteria.count) criteria met") }
        if let score = judgment.score {
            parts.append("replies scored \(ScoreText.percent(score)) (min \(ScoreText.percent(spec.minScore)))")
        }
        let detail = parts.joined(separator: "; ") + (judgment.cached ? " (cached)" : "")
        guard !judgment.passed else { return detail }
        if let index = judgment.criteria.firstIndex(where: { !$0.passed }) {
            let verdict = judgment.criteria[index]
            throw .failed(
                FailureInfo(
                    message: "the judge's verdict is \(verdict.verdict.rawValue) on \"\(verdict.criterion)\" (\(detail))",
                    location: spec.criteria[index].location, stepKind: step.kind.rawValue,
                    expected: verdict.criterion, actual: verdict.reasoning))
        }
        let failing = judgment.replies.filter { !$0.passed }
        let reasons = failing.prefix(3).flatMap { reply in
            reply.verdicts.filter { !$0.passed }.map {
                "reply \(reply.turn + 1): \($0.verdict.rawValue) on \"\($0.criterion)\": \($0.reasoning)"
            }
        }
        throw .failed(
            FailureInfo(
                message: "\(failing.count) of \(judgment.replies.count) agent replies did not pass (\(detail))",
                location: spec.eachReply[0].location, stepKind: step.kind.rawValue,
                expected: "a share of at least \(ScoreText.percent(spec.minScore)) of replies passing",
                actual: reasons.joined(separator: "\n")))
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
