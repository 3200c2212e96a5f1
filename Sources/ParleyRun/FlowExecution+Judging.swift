import ParleyFlow

/// `judge` steps and a flow's closing judge: ask, record the verdicts, decide pass or fail.
extension FlowExecution {
    /// Grades the conversation so far; a fail verdict fails the run, a judge in trouble is an error.
    @inline(never)
    mutating func judge(_ spec: JudgeSpec, step: Step, index: Int?) async throws(StepStop) -> String? {
        let graded: (judgment: Judgment, usage: JudgeUsage)
        do {
            graded = try await JudgeGrading.grade(
                spec, step: index, turns: turns, persona: request.persona, scenario: request.scenario,
                judges: interpreter.judges)
        } catch {
            switch error {
            case .noJudge(let message): throw .error(message, kind: ErrorKind.configuration)
            case .judge(let message): throw .error(message, kind: ErrorKind.judge)
            case .noReplies:
                throw .failed(
                    FailureInfo(
                        message: "`each_reply` has no agent reply to grade", location: step.location,
                        stepKind: step.kind.rawValue))
            }
        }
        judgeUsage = judgeUsage + graded.usage
        // The judge's tokens also join the flow run's usage, by model, so pricing and the budget count them.
        if graded.usage.calls > 0 {
            TokenUsage.add(
                TokenUsage(
                    role: .judge, model: graded.judgment.model, calls: graded.usage.calls,
                    inputTokens: graded.usage.promptTokens, outputTokens: graded.usage.completionTokens),
                to: &usage)
        }
        judgments.append(graded.judgment)
        if let failure = JudgeGrading.failure(graded.judgment, spec: spec, stepKind: step.kind.rawValue) {
            throw .failed(failure)
        }
        return JudgeGrading.summary(graded.judgment)
    }
}
