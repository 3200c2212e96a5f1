import Foundation
import ParleyFlow
import ParleyRun
import ParleyTestSupport
import Testing

/// A judge that answers from a table: the verdict for a criterion is the first word of the
/// criterion (`pass …`, `fail …`, `inconclusive …`), or it fails as told.
struct TableJudge: ConversationJudge {
    var name = "table"
    var model = "table-model"
    var failure: JudgeFailure?
    let requests = RequestLog()

    func grade(_ request: JudgeRequest) async throws(JudgeFailure) -> JudgeAnswer {
        requests.append(request)
        if let failure { throw failure }
        let verdicts = request.criteria.map { criterion -> (verdict: Verdict, reasoning: String) in
            var word = criterion.text.split(separator: " ").first.map(String.init) ?? ""
            // `reply-N` criteria fail on turn N (1-based) and pass on the others.
            if word.hasPrefix("reply-"), let bad = Int(word.dropFirst(6)) {
                word = request.focusTurn == bad - 1 ? "fail" : "pass"
            }
            return (Verdict(rawValue: word) ?? .inconclusive, "because \(word)")
        }
        return JudgeAnswer(verdicts: verdicts, usage: JudgeUsage(calls: 1, promptTokens: 10, completionTokens: 2))
    }
}

final class RequestLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [JudgeRequest] = []
    func append(_ request: JudgeRequest) {
        lock.withLock { entries.append(request) }
    }
    var all: [JudgeRequest] { lock.withLock { entries } }
}

@Suite struct JudgeStepTests {
    let agent = TestProvider(behaviour: .reply { input in [input.map { "You said \($0)" } ?? "Hello"] })

    func judged(_ yaml: String, judge: TableJudge = TableJudge()) async throws -> FlowRunResult {
        await run(
            try flow(yaml), provider: agent, judges: JudgePanel(judges: ["table": judge], defaultName: "table"))
    }

    @Test func aJudgeStepThatComesFirstGradesTheGreeting() async throws {
        let judge = TableJudge()
        let result = try await judged("steps:\n  - judge: [pass the agent greets]\n  - send: hi\n", judge: judge)
        #expect(result.outcome == .passed)
        #expect(result.opening == .agentFirst)
        #expect(judge.requests.all.first?.turns.map(\.text) == ["Hello"])
        #expect(result.turns.map(\.text) == ["Hello", "hi", "You said hi"])
    }

    @Test func passVerdictsPassAndAreRecorded() async throws {
        let result = try await judged(
            "steps:\n  - send: hi\njudge:\n  criteria: [pass the agent greets, pass it stays polite]\n")
        #expect(result.outcome == .passed)
        let judgment = try #require(result.judgments?.first)
        #expect(judgment.step == nil)
        #expect(judgment.criteria.map(\.verdict) == [.pass, .pass])
        #expect(judgment.criteria[0].reasoning == "because pass")
        #expect(judgment.turnsSeen == 2)
        #expect(result.steps.last?.kind == .judge)
        #expect(result.steps.last?.detail == "2 of 2 criteria met")
        #expect(result.judgeUsage == JudgeUsage(calls: 1, promptTokens: 10, completionTokens: 2))
    }

    @Test func aFailVerdictFailsTheRunAtTheCriterion() async throws {
        let result = try await judged(
            "steps:\n  - send: hi\njudge:\n  criteria:\n    - pass greets\n    - fail refunds\n")
        #expect(result.outcome == .failed)
        let failure = try #require(result.failure)
        #expect(failure.location.line == 6, "the failure points at the criterion")
        #expect(failure.message == "the judge's verdict is fail on \"fail refunds\" (1 of 2 criteria met)")
        #expect(failure.expected == "fail refunds")
        #expect(failure.actual == "because fail")
        #expect(failure.errorKind == nil)
    }

    @Test func inconclusiveFailsUnlessTheCriterionSaysPass() async throws {
        let failing = try await judged("steps:\n  - send: hi\njudge: [maybe polite]\n")
        #expect(failing.outcome == .failed)
        #expect(failing.judgments?.first?.criteria.first?.verdict == .inconclusive)
        let passing = try await judged(
            "steps:\n  - send: hi\njudge:\n  criteria:\n    - { criterion: maybe polite, inconclusive: pass }\n")
        #expect(passing.outcome == .passed)
        #expect(passing.judgments?.first?.criteria.first?.passed == true)
    }

    @Test func aJudgeThatCannotGradeIsAnErrorOfKindJudgeNeverAFailure() async throws {
        let broken = TableJudge(failure: JudgeFailure("the answer is not JSON", answer: "Sure! Here you go"))
        let result = try await judged("steps:\n  - send: hi\njudge: [pass greets]\n", judge: broken)
        #expect(result.outcome == .error)
        #expect(result.failure?.errorKind == .judge)
        #expect(
            result.failure?.message
                == "judge `table` (table-model) could not grade: the answer is not JSON; "
                + "the judge answered: Sure! Here you go"
        )
        #expect(result.judgments == nil)
    }

    @Test func aMidFlowJudgeSeesTheConversationSoFarAndStopsTheRunWhenItFails() async throws {
        let judge = TableJudge()
        let result = try await judged(
            """
            steps:
              - send: one
              - judge: [pass so far so good]
              - send: two
              - judge: { criteria: [fail not any more] }
              - send: three
            """, judge: judge)
        #expect(result.outcome == .failed)
        #expect(judge.requests.all.map(\.turns.count) == [2, 4])
        #expect(result.judgments?.map(\.step) == [1, 3])
        #expect(result.steps.map(\.status) == [.passed, .passed, .passed, .failed, .skipped])
    }

    @Test func eachReplyScoresTheShareOfRepliesThatPass() async throws {
        let judge = TableJudge()
        let yaml = """
            steps:
              - send: a
              - send: b
              - send: c
            judge:
              each_reply: [reply-9 stays on topic]
              min_score: 0.6
            """
        let result = try await judged(yaml, judge: judge)
        // The agent's replies are turns 2, 4 and 6; there is no turn 9, so all pass.
        #expect(result.outcome == .passed)
        #expect(judge.requests.all.map(\.focusTurn) == [1, 3, 5])
        #expect(result.judgments?.first?.score == 1)
        let lenient = try await judged(yaml.replacingOccurrences(of: "reply-9", with: "reply-4"), judge: judge)
        #expect(lenient.outcome == .passed, "2 of 3 pass: 66.67% reaches 60%")
        #expect(lenient.judgments?.first?.score == 0.6667)
        #expect(lenient.judgments?.first?.replies.map(\.passed) == [true, false, true])
        #expect(lenient.judgments?.first?.replies.map(\.turn) == [1, 3, 5])
        let strict = try await judged(
            yaml.replacingOccurrences(of: "reply-9", with: "reply-4").replacingOccurrences(of: "0.6", with: "0.7"),
            judge: judge)
        #expect(strict.outcome == .failed)
        #expect(strict.failure?.message == "1 of 3 agent replies did not pass (replies scored 66.67% (min 70%))")
        #expect(strict.failure?.actual == "reply [4]: fail on \"reply-4 stays on topic\": because fail")
        #expect(strict.failure?.location.line == 6, "at the each_reply criterion")
    }

    @Test func noJudgeConfiguredIsAConfigurationError() async throws {
        let result = await run(try flow("steps:\n  - send: hi\n  - judge: [pass x]\n"), provider: agent)
        #expect(result.outcome == .error)
        #expect(result.failure?.errorKind == .configuration)
    }

    @Test func theClosingJudgeIsSkippedWhenAStepFailed() async throws {
        let judge = TableJudge()
        let result = try await judged("steps:\n  - send: hi\n  - expect: nope\njudge: [pass x]\n", judge: judge)
        #expect(result.outcome == .failed)
        #expect(result.steps.last?.status == .skipped)
        #expect(judge.requests.all.isEmpty)
    }

    @Test func scoresReadAsPercentages() {
        #expect(ScoreText.percent(0.9) == "90%")
        #expect(ScoreText.percent(0.8333) == "83.33%")
        #expect(JudgeScore.share(passed: 2, of: 3) == 0.6667)
        #expect(JudgeScore.share(passed: 0, of: 0) == 0)
    }
}
