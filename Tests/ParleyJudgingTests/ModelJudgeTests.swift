import Foundation
import ParleyFlow
import ParleyJSON
import ParleyJudging
import ParleyRun
import Testing

/// Answers judge prompts from a closure and counts calls (the HTTP path is tested against the
/// sandbox in the provider tests).
final class CountingTransport: JudgeTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    let answer: @Sendable ([JudgeMessage]) -> String

    init(answer: @escaping @Sendable ([JudgeMessage]) -> String) { self.answer = answer }

    var calls: Int { lock.withLock { count } }

    func complete(_ messages: [JudgeMessage], settings: JudgeModelSettings) async throws(JudgeFailure)
        -> JudgeCompletion
    {
        lock.withLock { count += 1 }
        return JudgeCompletion(text: answer(messages), promptTokens: 100, completionTokens: 20)
    }
}

@Suite struct ModelJudgeTests {
    let here = SourceLocation(file: "f.yaml", line: 1, column: 1)
    let pass = #"{"verdicts":[{"criterion":1,"verdict":"pass","reasoning":"ok"}]}"#

    func temporaryCache() -> VerdictCache {
        VerdictCache(directory: NSTemporaryDirectory() + "parley-cache-\(UUID().uuidString)")
    }

    func request(_ text: String = "Hello", criterion: String = "greets") -> JudgeRequest {
        var turn = Turn(role: .agent, text: text, at: Date(timeIntervalSince1970: 0))
        turn.actions = [.tool("order-lookup", arguments: ["b": 2, "a": 1], result: "{}")]
        return JudgeRequest(
            criteria: [Criterion(criterion, location: here)], turns: [turn], persona: nil, scenario: nil)
    }

    @Test func anUnchangedConversationIsAnsweredFromTheCache() async throws {
        let transport = CountingTransport { [pass] _ in pass }
        let cache = temporaryCache()
        let settings = JudgeModelSettings(name: "j", model: "m", endpoint: "http://x")
        let judge = ModelJudge(settings: settings, transport: transport, cache: cache)
        let first = try await judge.grade(request())
        #expect(first.usage == JudgeUsage(calls: 1, promptTokens: 100, completionTokens: 20))
        let second = try await judge.grade(request())
        #expect(second.usage == JudgeUsage(cachedCalls: 1))
        #expect(second.verdicts.map(\.verdict) == [.pass])
        #expect(transport.calls == 1)
        // Renaming the judge keeps its verdicts; anything that decides them asks again.
        _ = try await ModelJudge(
            settings: JudgeModelSettings(name: "other", model: "m", endpoint: "http://x"),
            transport: transport, cache: cache
        ).grade(request())
        #expect(transport.calls == 1)
        _ = try await judge.grade(request("Hello!"))
        _ = try await judge.grade(request(criterion: "greets warmly"))
        _ = try await ModelJudge(
            settings: JudgeModelSettings(name: "j", model: "m2", endpoint: "http://x"),
            transport: transport, cache: cache
        ).grade(request())
        _ = try await ModelJudge(
            settings: JudgeModelSettings(name: "j", model: "m", endpoint: "http://x", seed: 7),
            transport: transport, cache: cache
        ).grade(request())
        _ = try await ModelJudge(
            settings: JudgeModelSettings(name: "j", model: "m", endpoint: "http://x", temperature: 0.5),
            transport: transport, cache: cache
        ).grade(request())
        #expect(transport.calls == 6)
    }

    @Test func withoutACacheEveryCallGoesToTheModel() async throws {
        let transport = CountingTransport { [pass] _ in pass }
        let judge = ModelJudge(
            settings: JudgeModelSettings(name: "j", model: "m", endpoint: "e"), transport: transport, cache: nil)
        _ = try await judge.grade(request())
        _ = try await judge.grade(request())
        #expect(transport.calls == 2)
    }

    @Test func anUnparsableAnswerIsNotCached() async throws {
        let transport = CountingTransport { _ in "I think it passes." }
        let cache = temporaryCache()
        let judge = ModelJudge(
            settings: JudgeModelSettings(name: "j", model: "m", endpoint: "e"), transport: transport, cache: cache)
        await #expect(throws: JudgeFailure.self) { try await judge.grade(request()) }
        await #expect(throws: JudgeFailure.self) { try await judge.grade(request()) }
        #expect(transport.calls == 2)
    }

    @Test func thePromptShowsTheTranscriptWithActionsInPlaceAndOnlyTheCriteria() {
        var turns = [
            Turn(role: .user, text: "My order ORD-1 is late", at: Date()),
            Turn(role: .agent, text: "Let me check.\nIt shipped.", at: Date()),
        ]
        turns[1].actions = [
            AgentAction(kind: .stateTransition, name: "status", from: "greeting"),
            .tool("order-lookup", arguments: ["order_number": "ORD-1"], result: #"{"status":"shipped"}"#),
        ]
        let persona = Persona(name: "Dana", background: "Busy parent", location: here)
        let messages = JudgePrompt.messages(
            JudgeRequest(
                criteria: [Criterion("The agent called `order-lookup`.", location: here)], turns: turns,
                persona: persona, scenario: Scenario(name: "Late order", objective: "Find the order"), focusTurn: 1))
        #expect(messages.map(\.role) == ["system", "user"])
        #expect(messages[0].content.contains("Grade ONLY the criteria listed"))
        let user = messages[1].content
        #expect(user.contains("PERSONA:\nName: Dana"))
        #expect(user.contains("Objective: Find the order"))
        #expect(
            user.contains(
                """
                TRANSCRIPT:
                [1] User: My order ORD-1 is late
                [2] Agent: Let me check.
                    It shipped.
                    action: state greeting → status
                    action: tool order-lookup {"order_number":"ORD-1"} → {"status":"shipped"}
                """))
        #expect(user.contains("GRADE ONLY THIS AGENT REPLY: [2]"))
        #expect(user.hasSuffix("CRITERIA:\n1. The agent called `order-lookup`."))
    }

    @Test func theAnswerSchemaIsStrict() {
        let schema = JudgePrompt.schema
        #expect(schema["additionalProperties"] == false)
        #expect(schema["properties"]?["verdicts"]?["items"]?["required"] == ["criterion", "verdict", "reasoning"])
        #expect(
            schema["properties"]?["verdicts"]?["items"]?["properties"]?["verdict"]?["enum"] == [
                "pass", "fail", "inconclusive",
            ])
    }
}

/// `parley rejudge` on transcripts in memory, with a judge answering from a table.
@Suite struct RejudgeTests {
    let here = SourceLocation(file: "f.yaml", line: 3, column: 1)

    /// A judge passing criteria that start with "pass" and failing the rest.
    struct WordJudge: ConversationJudge {
        var name = "word"
        var model = "word-model"
        func grade(_ request: JudgeRequest) async throws(JudgeFailure) -> JudgeAnswer {
            JudgeAnswer(
                verdicts: request.criteria.map { ($0.text.hasPrefix("pass") ? .pass : .fail, "said so") },
                usage: JudgeUsage(calls: 1))
        }
    }

    func transcript(outcome: Outcome, failure: FailureInfo? = nil, judged: [String] = []) -> FlowRunResult {
        var result = FlowRunResult(
            id: "f--default--1", flow: "f", file: "f.yaml", persona: nil, repetition: 1, target: "t", provider: "p",
            labels: [], outcome: outcome, failure: failure, startedAt: Date(), finishedAt: Date(), opening: .userFirst,
            turns: [
                Turn(role: .user, text: "hi", at: Date()), Turn(role: .agent, text: "hello", at: Date()),
            ],
            steps: [StepResult(index: 0, kind: .send, location: here, status: .passed)])
        if !judged.isEmpty {
            result.steps.append(StepResult(index: 1, kind: .judge, location: here, status: .passed))
            result.judgments = [
                Judgment(
                    step: nil, location: here, judge: "word", model: "word-model", turnsSeen: 2,
                    criteria: judged.map {
                        CriterionVerdict(criterion: $0, verdict: .pass, reasoning: "", passed: true)
                    },
                    replies: [], minScore: nil, cached: false)
            ]
        }
        return result
    }

    let panel = JudgePanel(judges: ["word": WordJudge()], defaultName: "word")

    @Test func savedCriteriaAreGradedAgainWhenTheFlowIsGone() async {
        let original = transcript(outcome: .passed, judged: ["pass greets", "fail refunds"])
        let regraded = await Rejudge.regrade(original, flow: nil, judge: nil, judges: panel)
        #expect(regraded.outcome == .failed)
        #expect(regraded.failure?.message.hasPrefix("the judge's verdict is fail on \"fail refunds\"") == true)
        #expect(regraded.steps.last?.status == .failed)
        #expect(regraded.judgeUsage?.calls == 1)
        #expect(regraded.turns.count == 2)
    }

    @Test func theFlowsCurrentClosingJudgeGradesAPassedRun() async throws {
        let flow = try #require(
            FlowLoader(environment: [:]).load(text: "steps:\n  - send: hi\njudge: [pass polite]\n", file: "f.yaml")
                .flows.first)
        let regraded = await Rejudge.regrade(transcript(outcome: .passed), flow: flow, judge: nil, judges: panel)
        #expect(regraded.outcome == .passed)
        #expect(regraded.judgments?.first?.criteria.map(\.criterion) == ["pass polite"])
        #expect(regraded.steps.last?.kind == .judge)
    }

    @Test func aFailureBeforeAnyJudgeStands() async {
        let failure = FailureInfo(message: "expected x", location: here, stepKind: "expect")
        let original = transcript(outcome: .failed, failure: failure)
        let regraded = await Rejudge.regrade(original, flow: nil, judge: nil, judges: panel)
        #expect(regraded.outcome == .failed)
        #expect(regraded.failure == failure)
    }

    @Test func anUnknownJudgeIsAnErrorNotAFailure() async {
        let original = transcript(outcome: .passed, judged: ["pass greets"])
        let regraded = await Rejudge.regrade(original, flow: nil, judge: "nobody", judges: panel)
        #expect(regraded.outcome == .error)
        #expect(regraded.failure?.errorKind == .configuration)
    }
}

@Suite struct ModelJudgeSecretTests {
    @Test func theCacheKeepsNoSecretTheJudgeQuoted() async throws {
        let secret = #"tok-"quoted"\7788"#
        let transport = CountingTransport { _ in
            // The reasoning quotes the agent repeating a token, JSON-escaped as a model would write it.
            #"{"verdicts":[{"criterion":1,"verdict":"pass","reasoning":"it said tok-\"quoted\"\\7788 back"}]}"#
        }
        let directory = NSTemporaryDirectory() + "parley-cache-\(UUID().uuidString)"
        let judge = ModelJudge(
            settings: JudgeModelSettings(name: "j", model: "m", endpoint: "http://x"), transport: transport,
            cache: VerdictCache(directory: directory), secrets: SecretRegistry([secret, "pass"]))
        let here = SourceLocation(file: "f.yaml", line: 1, column: 1)
        let request = JudgeRequest(
            criteria: [Criterion("repeats the token", location: here)],
            turns: [Turn(role: .agent, text: "it said \(secret) back", at: Date(timeIntervalSince1970: 0))],
            persona: nil, scenario: nil)
        let first = try await judge.grade(request)
        #expect(first.verdicts.map(\.verdict) == [.pass])
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.count == 1)
        let stored = try String(contentsOfFile: directory + "/" + files[0], encoding: .utf8)
        #expect(!stored.contains("7788"), "\(stored)")
        #expect(stored.contains("[redacted]"), "\(stored)")
        // A secret that is also a word of the answer's structure (`pass`) leaves the entry readable.
        let second = try await judge.grade(request)
        #expect(second.usage == JudgeUsage(cachedCalls: 1), "answered from the cache")
        #expect(second.verdicts.map(\.verdict) == [.pass])
        #expect(transport.calls == 1)
    }
}
