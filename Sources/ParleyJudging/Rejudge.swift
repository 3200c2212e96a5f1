import Foundation
import ParleyFlow
import ParleyJSON
import ParleyRun

/// Grades a saved transcript again — with the flow's current criteria, or another judge — without
/// talking to the agent: `parley rejudge`.
///
/// Each judge that graded the run grades again on the turns it saw then; a flow's closing judge
/// that never ran (it is new, or its judge could not be reached) grades the whole conversation. The
/// outcome is decided as a run would: a failure that came before any judge stands; otherwise the
/// first judge that fails (or cannot grade) decides, and a run whose judges all pass passes.
public enum Rejudge {
    /// The transcript graded again. `flow` is the flow as it is now (`nil` when its file is gone:
    /// the criteria saved in the transcript are used); `judge` replaces every judge's choice.
    public static func regrade(
        _ original: FlowRunResult, flow: Flow?, judge: String?, judges: JudgePanel
    ) async -> FlowRunResult {
        var result = original
        result.judgments = nil
        result.judgeUsage = nil
        let persona = flow?.personas.first { $0.name == original.persona }
        let judgeFailure = original.failure.map { $0.stepKind == StepKind.judge.rawValue } ?? false
        // A failure or error before any judge is the agent's (or its platform's) and stands.
        let decidedBefore = original.outcome != .passed && !judgeFailure
        // A run stopped by a judge before its last step never ran the steps after it: there is
        // nothing to complete without the agent, so it stays as it was.
        if judgeFailure, let stop = original.steps.first(where: { $0.kind == .judge && $0.status != .passed }),
            stop.index != original.steps.last?.index
        {
            result.notes.append("not graded again: the run stopped at a judge before its other steps ran")
            return result
        }
        var tasks: [(step: Int?, spec: JudgeSpec, turns: Int)] = []
        for judgment in original.judgments ?? [] {
            tasks.append((judgment.step, spec(for: judgment, flow: flow), judgment.turnsSeen))
        }
        if let closing = flow?.judge, !tasks.contains(where: { $0.step == nil }), !decidedBefore {
            tasks.append((nil, closing, original.turns.count))
        }
        var outcome = decidedBefore ? original.outcome : Outcome.passed
        var failure = decidedBefore ? original.failure : nil
        var usage = JudgeUsage()
        var judgments: [Judgment] = []
        for (step, var spec, seen) in tasks {
            if let judge { spec.judge = judge }
            let stepIndex = step ?? flow?.steps.count ?? original.steps.count
            do {
                let graded = try await JudgeGrading.grade(
                    spec, step: step, turns: Array(original.turns.prefix(seen)), persona: persona,
                    scenario: flow?.scenario(named: original.scenario), judges: judges)
                usage = usage + graded.usage
                judgments.append(graded.judgment)
                let failed = JudgeGrading.failure(graded.judgment, spec: spec, stepKind: StepKind.judge.rawValue)
                update(
                    &result.steps, index: stepIndex, spec: spec, status: failed == nil ? .passed : .failed,
                    detail: failed?.message ?? JudgeGrading.summary(graded.judgment))
                if let failed, outcome == .passed {
                    outcome = .failed
                    failure = failed
                }
            } catch {
                let (message, kind): (String, ErrorKind) =
                    switch error {
                    case .noJudge(let m): (m, .configuration)
                    case .judge(let m): (m, .judge)
                    case .noReplies: ("`each_reply` has no agent reply to grade", .judge)
                    }
                update(&result.steps, index: stepIndex, spec: spec, status: .error, detail: message)
                if outcome == .passed {
                    outcome = .error
                    failure = FailureInfo(
                        message: message, location: spec.location, stepKind: StepKind.judge.rawValue,
                        errorKind: kind)
                }
            }
            if outcome != .passed, !decidedBefore { break }
        }
        result.outcome = outcome
        result.failure = failure
        if !judgments.isEmpty { result.judgments = judgments }
        if usage != JudgeUsage() { result.judgeUsage = usage }
        result.notes.append("graded again on \(Timestamp.iso8601(Date()))")
        return result
    }

    /// The criteria a saved judgment is graded on now: the flow's judge at the same place, else
    /// the criteria the transcript kept.
    static func spec(for judgment: Judgment, flow: Flow?) -> JudgeSpec {
        if let flow {
            if let step = judgment.step, step < flow.steps.count, case .judge(let spec) = flow.steps[step].action {
                return spec
            }
            if judgment.step == nil, let closing = flow.judge { return closing }
        }
        func saved(_ verdict: CriterionVerdict) -> Criterion {
            Criterion(
                verdict.criterion, inconclusivePasses: verdict.verdict == .inconclusive && verdict.passed,
                location: judgment.location)
        }
        return JudgeSpec(
            criteria: judgment.criteria.map(saved), eachReply: judgment.replies.first?.verdicts.map(saved) ?? [],
            minScore: judgment.minScore ?? 1, judge: judgment.judge, location: judgment.location)
    }

    private static func update(
        _ steps: inout [StepResult], index: Int, spec: JudgeSpec, status: StepStatus, detail: String
    ) {
        if let position = steps.firstIndex(where: { $0.index == index }) {
            steps[position].status = status
            steps[position].detail = detail
        } else {
            steps.append(
                StepResult(index: index, kind: .judge, location: spec.location, status: status, detail: detail))
        }
    }
}
