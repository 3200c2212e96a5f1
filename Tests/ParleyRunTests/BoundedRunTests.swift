import Foundation
import Testing
import ParleyFlow
import ParleyRun
import ParleyTestSupport

/// A flow run ends on time and keeps no secret, whatever the provider or the reply does.
///
/// Bounds on time are checked with room for a loaded test machine (``slack``): they tell a call
/// bounded by its deadline from one that was not (which takes a minute, or for ever);
/// scripts/hostile.py measures the bounds themselves.
@Suite(.serialized, .timeLimit(.minutes(2))) struct BoundedRunTests {
    let clock = ContinuousClock()
    static let slack: Duration = .seconds(20)

    func interpreter(
        _ provider: TestProvider, secrets: SecretRegistry = SecretRegistry(), endTimeout: Duration = .seconds(1),
        patternBudget: Duration = .milliseconds(300)
    ) -> FlowInterpreter {
        FlowInterpreter(
            provider: provider, environment: [:], secrets: secrets, endTimeout: endTimeout,
            patternBudget: patternBudget)
    }

    func run(_ f: Flow, _ interpreter: FlowInterpreter) async -> (FlowRunResult, Duration) {
        let began = clock.now
        let result = await interpreter.run(FlowRunRequest(flow: f, persona: nil, targetName: "test"))
        return (result, clock.now - began)
    }

    let longReply = TestProvider(behaviour: .reply { _ in [String(repeating: "a", count: 5000) + "!"] })

    @Test func aRunawayPatternEndsTheRunAsAPatternErrorNamingItsLocation() async throws {
        let f = try flow("steps:\n  - send: hi\n  - expect: /(a+)+$/\n")
        let (result, took) = await run(f, interpreter(longReply))
        #expect(result.outcome == .error)
        #expect(result.failure?.errorKind == .pattern)
        let message = try #require(result.failure?.message)
        #expect(message.contains("/(a+)+$/ (test.yaml:3:14)"), "\(message)")
        #expect(message.contains("5001 characters"), "\(message)")
        #expect(result.failure?.location.line == 3)
        #expect(took < .milliseconds(300) + Self.slack, "the budget is 300ms; it took \(took)")
    }

    @Test func aRunawayCaptureIsStoppedToo() async throws {
        let f = try flow("steps:\n  - send: hi\n  - expect: { pattern: \"!\", capture: { x: /(a+)+$/ } }\n")
        let (result, took) = await run(f, interpreter(longReply))
        #expect(result.failure?.errorKind == .pattern, "\(String(describing: result.failure))")
        #expect(took < .milliseconds(300) + Self.slack)
    }

    @Test func theFlowTimeoutBoundsPatternMatching() async throws {
        let f = try flow("timeout: 400ms\nsteps:\n  - send: hi\n  - expect: /(a+)+$/\n")
        let (result, took) = await run(f, interpreter(longReply, patternBudget: .seconds(30)))
        #expect(result.failure?.errorKind == .timeout, "\(String(describing: result.failure))")
        #expect(result.failure?.message == "the flow's timeout of 400ms ran out")
        #expect(took < .milliseconds(400) + Self.slack, "it took \(took)")
    }

    @Test func aTurnThatTimesOutSaysWhatTheCallWaitedFor() async throws {
        let waiting = TestProvider(
            behaviour: .hangNoting(ProviderError(.timeout, "no polled message satisfied `until`; the last poll …")))
        let f = try flow("turn_timeout: 2s\nsteps:\n  - send: hi\n  - expect: ok\n")
        let (result, _) = await run(f, interpreter(waiting))
        #expect(result.failure?.errorKind == .timeout)
        #expect(result.failure?.message == "no polled message satisfied `until`; the last poll …")
        // Without a note, the turn's own words.
        let (silent, _) = await run(f, interpreter(TestProvider(behaviour: .hang)))
        #expect(silent.failure?.message == "no complete reply from the agent within the turn timeout of 2s")
    }

    @Test func aCallThatIgnoresCancellationEndsOnTimeAnyway() async throws {
        let stuck = TestProvider(behaviour: .stubborn(.seconds(60)))
        let f = try flow("turn_timeout: 300ms\nsteps:\n  - send: hi\n  - expect: late\n")
        let (result, took) = await run(f, interpreter(stuck, endTimeout: .milliseconds(200)))
        #expect(result.failure?.errorKind == .timeout)
        let step = try #require(result.steps.first)
        let bound = Milliseconds.round((.milliseconds(300) + .seconds(1) + Self.slack).seconds * 1000)
        #expect(
            try #require(step.durationMs) < bound, "the step outlived its turn timeout by \(step.durationMs ?? 0)ms")
        #expect(took < .milliseconds(500) + .seconds(1) + Self.slack, "it took \(took)")
    }

    @Test func endingIsBoundedByTheEndTimeoutAndTheFlowTimeout() async throws {
        var slowEnd = TestProvider(behaviour: .reply { _ in ["ok"] })
        slowEnd.endDelay = .seconds(60)
        let f = try flow("steps:\n  - send: hi\n  - expect: ok\n")
        let (result, took) = await run(f, interpreter(slowEnd, endTimeout: .milliseconds(300)))
        #expect(result.outcome == .passed)
        #expect(result.notes.contains { $0.contains("ending the conversation failed") }, "\(result.notes)")
        #expect(took < .milliseconds(300) + .seconds(1) + Self.slack, "it took \(took)")

        let bounded = try flow("timeout: 500ms\nsteps:\n  - send: hi\n  - expect: ok\n")
        let (second, tookSecond) = await run(bounded, interpreter(slowEnd, endTimeout: .seconds(30)))
        #expect(second.outcome == .passed)
        #expect(
            tookSecond < .milliseconds(500) + .seconds(1) + Self.slack,
            "the flow's timeout bounds ending too: \(tookSecond)")
    }

    @Test func aConversationIdLearnedBeforeTheReplyBrokeIsKept() async throws {
        let broken = TestProvider(behaviour: .failAfterID(ProviderError(.connectionDropped, "dropped")))
        let f = try flow("steps:\n  - send: hi\n  - expect: ok\n")
        let (result, _) = await run(f, interpreter(broken))
        #expect(result.outcome == .error)
        #expect(result.conversationId == "test-conversation-before-the-break")
    }

    @Test func aReplyOverTheLimitIsAProtocolError() async throws {
        var big = TestProvider(behaviour: .reply { _ in [String(repeating: "x", count: 3000)] })
        big.replyLimit = ReplyLimit(bytes: 2048)
        let f = try flow("steps:\n  - send: hi\n  - expect: x\n")
        let (result, _) = await run(f, interpreter(big))
        #expect(result.outcome == .error)
        #expect(result.failure?.errorKind == .protocolViolation)
        #expect(
            result.failure?.message.hasPrefix("reply larger than 2KiB") == true, "\(String(describing: result.failure))"
        )
        #expect(result.turns.allSatisfy { $0.text.utf8.count < 2048 }, "the reply is not kept")
    }

    @Test func secretsLeaveNoTraceInTheResult() async throws {
        let secrets = SecretRegistry(["sk-\"live\"-<key>"])
        let provider = TestProvider(behaviour: .reply { input in ["you sent \(input ?? ""); token tok-9f8e7d6c"] })
        let f = try flow(
            """
            steps:
              - send: "key sk-\\"live\\"-<key>"
              - expect: { pattern: token, capture: { session_token: /token (tok-\\w+)/ } }
              - expect: "never said"
            """)
        let (result, _) = await run(f, interpreter(provider, secrets: secrets))
        #expect(result.outcome == .failed)
        #expect(secrets.secrets.contains("tok-9f8e7d6c"), "a value captured into a credential's name is a secret")
        let everything =
            [result.failure?.message, result.failure?.actual, result.failure?.expected].compactMap { $0 }
            + result.turns.map(\.text) + result.steps.compactMap(\.detail)
        for text in everything {
            #expect(!text.contains("live"), "\(text)")
            #expect(!text.contains("tok-9f8e7d6c"), "\(text)")
        }
        #expect(result.failure?.actual?.contains("[redacted]") == true)
    }
}
