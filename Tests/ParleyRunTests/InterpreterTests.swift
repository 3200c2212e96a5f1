import Foundation
import Testing
import ParleyFlow
import ParleyRun
import ParleyTestSupport

@Suite struct InterpreterTests {
    let echo = TestProvider(
        behaviour: .reply { input in
            guard let input else { return ["Hi! How can I help you today?"] }
            if input.lowercased().contains("refund") { return ["Sure. What is your order number?"] }
            if input.contains("ORD-") { return ["Refund issued, ticket T-4242."] }
            return ["You said: \(input)"]
        })

    @Test func anAgentFirstFlowPassesAndRecordsTurns() async throws {
        let f = try flow(
            """
            steps:
              - expect: /how can I help/i
              - send: I want a refund
              - expect: order number
              - send: It's ORD-1042
              - expect: { pattern: /ticket/, capture: { ticket: /ticket (T-\\d+)/ } }
              - send: Thanks, my ticket is ${ticket}
              - expect: "T-4242"
            """)
        let result = await run(f, provider: echo)
        #expect(result.outcome == .passed)
        #expect(result.failure == nil)
        #expect(result.turns.map(\.role) == [.agent, .user, .agent, .user, .agent, .user, .agent])
        #expect(result.turns.last?.text == "You said: Thanks, my ticket is T-4242")
        #expect(result.steps.allSatisfy { $0.status == .passed })
        #expect(result.opening == .agentFirst)
        #expect(echo.log.all.first == "start")
        #expect(echo.log.all.last == "end", "the conversation is ended after the steps")
    }

    @Test func aUserFirstFlowOpensWithTheMessage() async throws {
        let provider = TestProvider(behaviour: echo.behaviour)
        let f = try flow("steps:\n  - send: refund please\n  - expect: order number\n")
        let result = await run(f, provider: provider)
        #expect(result.outcome == .passed)
        #expect(provider.log.all.first == "start+user:refund please")
        #expect(result.opening == .userFirst)
    }

    @Test func severalExpectsCheckTheSameReply() async throws {
        let provider = TestProvider(behaviour: echo.behaviour)
        let f = try flow(
            "steps:\n  - send: refund\n  - expect: order\n  - expect: /number/\n  - expect_not: /sorry/i\n")
        let result = await run(f, provider: provider)
        #expect(result.outcome == .passed)
        #expect(provider.log.all.filter { $0.hasPrefix("user:") || $0.hasPrefix("start") }.count == 1)
    }

    @Test func aFailedExpectationIsFailedWithLocationAndReplyAndSkipsTheRest() async throws {
        let f = try flow(
            """
            steps:
              - send: hello
              - expect: /refund/i
              - send: never sent
            """)
        let provider = TestProvider(behaviour: echo.behaviour)
        let result = await run(f, provider: provider)
        #expect(result.outcome == .failed)
        let failure = try #require(result.failure)
        #expect(failure.location == SourceLocation(file: "test.yaml", line: 3, column: 5))
        #expect(failure.message == "expected the agent's reply to match /refund/i")
        #expect(failure.actual == "You said: hello")
        #expect(result.steps.map(\.status) == [.passed, .failed, .skipped])
        #expect(!provider.log.all.contains("user:never sent"))
    }

    @Test func expectNotFailsWhenThePatternMatches() async throws {
        let f = try flow("steps:\n  - send: hello\n  - expect_not: said\n")
        let result = await run(f, provider: echo)
        #expect(result.outcome == .failed)
        #expect(result.failure?.message == "expected the agent's reply not to match \"said\"")
    }

    @Test func aReplyThatNeverComesIsAnErrorAfterTheTurnTimeout() async throws {
        let f = try flow("turn_timeout: 200ms\nsteps:\n  - send: hello\n  - expect: hi\n")
        let clock = ContinuousClock()
        let began = clock.now
        let result = await run(f, provider: TestProvider(behaviour: .hang))
        #expect(result.outcome == .error)
        #expect(result.failure?.message == "no complete reply from the agent within the turn timeout of 200ms")
        #expect(result.failure?.errorKind == .timeout)
        #expect(result.steps.map(\.status) == [.error, .skipped])
        #expect(clock.now - began < .seconds(60), "the hour-long wait was cut short")
    }

    @Test func theFlowTimeoutBoundsTheWholeRun() async throws {
        // The wait comes first: however slow a loaded machine is to start the flow run, the five
        // minutes' wait is what the timeout cuts short (a send before it once took the two seconds
        // itself). The bound is loose because a machine busy with the rest of the suite once took
        // 30 s to get back to a flow run whose two seconds were up.
        let f = try flow("timeout: 2s\nturn_timeout: 10s\nsteps:\n  - wait: 300s\n  - send: again\n")
        let clock = ContinuousClock()
        let began = clock.now
        let result = await run(f, provider: echo)
        #expect(result.outcome == .error)
        #expect(result.failure?.message == "the flow's timeout of 2s ran out")
        #expect(result.steps.map(\.status) == [.error, .skipped])
        #expect(clock.now - began < .seconds(150), "the five minutes' wait was cut short")
    }

    @Test func aProviderErrorIsAnErrorNotAFailure() async throws {
        let f = try flow("steps:\n  - send: hello\n  - expect: hi\n")
        let result = await run(
            f,
            provider: TestProvider(
                behaviour: .fail(ProviderError(.authRefused, "Amigo refused the API key (401)", status: 401))))
        #expect(result.outcome == .error)
        #expect(result.failure?.message == "Amigo refused the API key (401)")
        #expect(result.failure?.errorKind == .authRefused)
    }

    @Test func withinAssertsReplyLatency() async throws {
        var slow = TestProvider(behaviour: echo.behaviour)
        slow.latency = .milliseconds(120)
        let f = try flow("steps:\n  - send: hello\n  - expect: { contains: said, within: 50ms }\n")
        let result = await run(f, provider: slow)
        #expect(result.outcome == .failed)
        #expect(result.failure?.message.hasPrefix("the reply took ") == true)
        #expect(result.failure?.message.hasSuffix("; `within` allows 50ms") == true)
    }

    @Test func aCaptureThatDoesNotMatchFails() async throws {
        let f = try flow("steps:\n  - send: hello\n  - expect: { contains: said, capture: { ticket: /T-\\d+/ } }\n")
        let result = await run(f, provider: echo)
        #expect(result.outcome == .failed)
        #expect(result.failure?.message == "capture `ticket`: /T-\\d+/ did not match the reply")
    }

    @Test func setAndPersonaVariablesAreInterpolated() async throws {
        let provider = TestProvider(behaviour: echo.behaviour)
        let f = try flow(
            """
            persona: { name: Dana, variables: { order_id: ORD-9 } }
            scenario: { objective: Get a refund }
            steps:
              - set: { greeting: "Hi, I'm ${persona.name}" }
              - send: "${greeting}; order ${persona.order_id}; goal: ${scenario.objective}; home ${env.HOME}"
            """, environment: ["HOME": "/root"])
        let result = await run(f, provider: provider)
        #expect(result.outcome == .passed)
        #expect(provider.log.all.first == "start+user:Hi, I'm Dana; order ORD-9; goal: Get a refund; home /root")
    }

    @Test func endEndsTheConversationOnceAndLaterSendsFail() async throws {
        let provider = TestProvider(behaviour: echo.behaviour)
        let f = try flow("steps:\n  - send: hello\n  - end\n")
        let result = await run(f, provider: provider)
        #expect(result.outcome == .passed)
        #expect(provider.log.all.filter { $0 == "end" }.count == 1)
    }

    @Test func sendingAfterTheAgentEndedTheConversationFails() async throws {
        var provider = TestProvider(behaviour: echo.behaviour)
        provider.completeAfter = "bye"
        let f = try flow("steps:\n  - send: bye\n  - send: one more thing\n")
        let result = await run(f, provider: provider)
        #expect(result.outcome == .failed)
        #expect(result.failure?.message == "cannot send a message: the agent ended the conversation")
        #expect(!provider.log.all.contains("end"), "a conversation the agent completed is not finished again")
    }

    @Test func recommendRecordsEveryCandidateAndTheChoice() async throws {
        let provider = TestProvider(behaviour: echo.behaviour)
        let f = try flow("steps:\n  - expect: help\n  - recommend: { pick: 1 }\n  - expect: order number\n")
        let result = await run(f, provider: provider)
        #expect(result.outcome == .passed)
        let simulated = try #require(result.turns.first { $0.simulated == true })
        #expect(simulated.text == "Refund please.")
        #expect(simulated.candidates == provider.candidates)
    }

    @Test func randomPickIsReproducibleWithTheSameSeed() async throws {
        let f = try flow(
            "steps:\n  - expect: help\n  - recommend: { pick: random }\n  - recommend: { pick: random }\n  - "
                + "recommend: { pick: random }\n"
        )
        var choices: [[String]] = []
        for seed: UInt64 in [7, 7, 8, 9, 10] {
            let result = await run(f, provider: TestProvider(behaviour: echo.behaviour), seed: seed)
            choices.append(result.turns.filter { $0.simulated == true }.map(\.text))
        }
        #expect(choices[0] == choices[1])
        #expect(Set(choices).count > 1, "different seeds should give different choices")
    }

    @Test func simulateStopsWhenTheGoalMatches() async throws {
        let f = try flow("steps:\n  - expect: help\n  - simulate: { until: /order number/, max_turns: 5 }\n")
        let result = await run(f, provider: TestProvider(behaviour: echo.behaviour))
        #expect(result.outcome == .passed)
        #expect(result.steps[1].detail == "goal reached after 1 simulated turn")
    }

    @Test func simulateFailsWhenTurnsRunOutAndPassesWithOnMaxPass() async throws {
        let f = try flow("steps:\n  - expect: help\n  - simulate: { until: /never/, max_turns: 3 }\n")
        let result = await run(f, provider: TestProvider(behaviour: echo.behaviour))
        #expect(result.outcome == .failed)
        #expect(result.failure?.message == "no agent reply matched /never/ within 3 simulated turns")
        #expect(result.turns.filter { $0.simulated == true }.count == 3)

        let lenient = try flow(
            "steps:\n  - expect: help\n  - simulate: { until: /never/, max_turns: 2, on_max: pass }\n")
        #expect(await run(lenient, provider: TestProvider(behaviour: echo.behaviour)).outcome == .passed)
    }

    @Test func anEmptyCandidateListIsAnError() async throws {
        var provider = TestProvider(behaviour: echo.behaviour)
        provider.candidates = []
        let f = try flow("steps:\n  - expect: help\n  - recommend\n")
        let result = await run(f, provider: provider)
        #expect(result.outcome == .error)
        #expect(result.failure?.message == "the `target` simulator offered no candidate replies")
    }

    @Test func eventFirstFlowsOpenWithTheEvent() async throws {
        let provider = TestProvider(behaviour: echo.behaviour)
        let f = try flow("steps:\n  - event: opened the app\n  - expect: said\n")
        let result = await run(f, provider: provider)
        #expect(result.outcome == .passed)
        #expect(provider.log.all.first == "start+event:opened the app")
        #expect(result.turns.first?.role == .event)
    }

    @Test func tagsAreSentAndKeptInTheResult() async throws {
        let provider = TestProvider(behaviour: echo.behaviour)
        let f = try flow(
            "steps:\n  - send: hi\n  - tag: { set: { outcome: refunded, tier: gold }, remove: [triage] }\n  - tag: { "
                + "remove: [tier] }\n"
        )
        let result = await run(f, provider: provider)
        #expect(result.outcome == .passed)
        #expect(result.conversationTags == ["outcome": "refunded"])
        #expect(provider.log.all.contains("tags:outcome=refunded,tier=gold-triage"))
    }

    @Test func aMessageBlankOnceFilledInIsAnErrorAtItsStepAndNothingIsSent() async throws {
        let cases: [(String, String, Int)] = [
            ("steps:\n  - set: { who: \"  \" }\n  - send: \"${who}\"\n", "the message is blank", 3),
            ("steps:\n  - set: { e: \"\" }\n  - event: \"${e}\"\n", "the event text is empty", 3),
            (
                "steps:\n  - send: hi\n  - set: { e: \" \" }\n  - event: { message: \"${e}${e}\" }\n",
                "the event text is blank", 4
            ),
        ]
        for (text, message, line) in cases {
            let provider = TestProvider(behaviour: echo.behaviour)
            let result = await run(try flow(text), provider: provider)
            #expect(result.outcome == .error, "\(text)")
            #expect(result.failure?.errorKind == .configuration)
            #expect(result.failure?.message.hasPrefix(message) == true, "\(result.failure?.message ?? "")")
            #expect(result.failure?.location.line == line)
            // Only what came before the blank step reached the provider (and the closing `end`).
            #expect(provider.log.all.allSatisfy { $0 == "start+user:hi" || $0 == "end" }, "\(provider.log.all)")
        }
    }

    @Test func aTagValueBlankOnceFilledInStopsBeforeTheConversationOpens() async throws {
        let provider = TestProvider(behaviour: echo.behaviour)
        let f = try flow("steps:\n  - set: { t: \" \" }\n  - tag: { set: { tier: \"${t}\" } }\n  - send: hi\n")
        let result = await run(f, provider: provider)
        #expect(result.outcome == .error)
        #expect(result.failure?.message == "tag `tier`: a tag value must not be empty (`${t}` filled in)")
        #expect(result.failure?.location.line == 3)
        #expect(provider.log.all.isEmpty, "no conversation was opened for a tag step that cannot be sent")
    }

    @Test func blankSimulatedCandidatesAreNeverSent() async throws {
        var provider = TestProvider(behaviour: echo.behaviour)
        provider.candidates = ["  ", "", "Refund please."]
        let result = await run(
            try flow("steps:\n  - expect: help\n  - recommend: { pick: first }\n"), provider: provider)
        #expect(result.outcome == .passed)
        #expect(provider.log.all.contains("user:Refund please."))
        #expect(result.turns.first { $0.simulated == true }?.candidates == ["Refund please."])

        provider.candidates = [" ", "\n"]
        provider.log = MessageLog()
        let blank = await run(try flow("steps:\n  - expect: help\n  - recommend\n"), provider: provider)
        #expect(blank.outcome == .error)
        #expect(blank.failure?.message == "the `target` simulator offered no candidate replies (only 2 blank ones)")
        #expect(!provider.log.all.contains { $0.hasPrefix("user:") })
    }

    @Test func insightsMatchTheAgentState() async throws {
        let f = try flow("steps:\n  - send: hi\n  - insights: { state: /refund/, action: confirm }\n")
        #expect(await run(f, provider: echo).outcome == .passed)
        let failing = try flow("steps:\n  - send: hi\n  - insights: { state: /escalat/ }\n")
        let result = await run(failing, provider: echo)
        #expect(result.outcome == .failed)
        #expect(result.failure?.actual == "refund_confirm")
    }

    @Test func manyFlowRunsCanRunAtOnce() async throws {
        let f = try flow("steps:\n  - send: refund\n  - expect: order\n")
        let provider = TestProvider(behaviour: echo.behaviour)
        let results = await withTaskGroup(of: Outcome.self) { group in
            for _ in 0..<500 { group.addTask { await run(f, provider: provider).outcome } }
            var all: [Outcome] = []
            for await o in group { all.append(o) }
            return all
        }
        #expect(results.count == 500)
        #expect(results.allSatisfy { $0 == .passed })
    }
}
