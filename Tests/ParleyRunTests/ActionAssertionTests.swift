import Foundation
import ParleyFlow
import ParleyJSON
import ParleyRun
import ParleyTestSupport
import Testing

/// `expect_tool`, `expect_no_tool`, `expect_state` and `expect_tools` against an agent that reports
/// what it did.
@Suite struct ActionAssertionTests {
    /// Looks the order up and moves to `refund_offer` when given an order number; issues the refund on "yes".
    let agent = TestProvider(
        behaviour: .reply { input in
            guard let input else { return ["Hi! How can I help?"] }
            if input.contains("ORD-") { return ["Found your order. Refund it?"] }
            if input.hasPrefix("yes") { return ["Refund issued."] }
            return ["What is your order number?"]
        },
        capabilities: [.agentFirst, .userFirst, .actions, .states],
        actions: { input in
            guard let input else { return [] }
            if input.contains("ORD-") {
                return [
                    AgentAction(kind: .stateTransition, name: "refund_offer", from: "greeting"),
                    .tool("order-lookup", arguments: ["order_number": "ORD-1042"], result: #"{"status":"shipped"}"#),
                ]
            }
            if input.hasPrefix("yes") {
                return [.tool("issue-refund", arguments: ["amount": 24.99]), .tool("send-email")]
            }
            return [AgentAction(kind: .stateTransition, name: "ask_order", from: "greeting")]
        })

    func outcome(_ steps: String) async throws -> FlowRunResult {
        await run(try flow("steps:\n" + steps), provider: agent)
    }

    @Test func expectToolMatchesNameArgumentsAndResultOnTheLatestReply() async throws {
        let passing = try await outcome(
            """
              - send: It's ORD-1042
              - expect_tool: { name: order-lookup, args: { order_number: /ORD-\\d+/ }, result: shipped, times: 1 }
              - expect_tool: /lookup/
            """)
        #expect(passing.outcome == .passed, "\(String(describing: passing.failure))")
        #expect(passing.turns.last?.actions?.count == 2)

        let wrongArgument = try await outcome(
            "  - send: It's ORD-1042\n  - expect_tool: { name: order-lookup, args: { order_number: ORD-9 } }\n")
        #expect(wrongArgument.outcome == .failed)
        let failure = try #require(wrongArgument.failure)
        #expect(failure.location.line == 3)
        #expect(
            failure.message
                == "expected a call of tool \"order-lookup\" with order_number \"ORD-9\" at least once in the latest "
                + "reply; found 0")
        #expect(
            failure.actual?.contains(
                #"tool order-lookup {"order_number":"ORD-1042"} → {"status":"shipped"}"#) == true)
        #expect(failure.actual?.contains("state greeting → refund_offer") == true)
    }

    @Test func expectToolLooksAtTheLatestReplyUnlessAskedForTheConversation() async throws {
        let latestOnly = try await outcome("  - send: ORD-1042\n  - send: yes\n  - expect_tool: order-lookup\n")
        #expect(latestOnly.outcome == .failed)
        let conversation = try await outcome(
            "  - send: ORD-1042\n  - send: yes\n  - expect_tool: { name: order-lookup, in: conversation }\n")
        #expect(conversation.outcome == .passed)
    }

    @Test func countsAreExactOrBounded() async throws {
        let steps = "  - send: ORD-1042\n  - send: yes\n"
        #expect(
            try await outcome(steps + "  - expect_tool: { name: /.*/, in: conversation, times: 3 }\n").outcome
                == .passed)
        #expect(
            try await outcome(steps + "  - expect_tool: { name: /.*/, in: conversation, times: 2 }\n").outcome
                == .failed)
        #expect(try await outcome(steps + "  - expect_tool: { name: /.*/, max: 2 }\n").outcome == .passed)
        #expect(try await outcome(steps + "  - expect_tool: { name: /.*/, min: 3 }\n").outcome == .failed)
        let tooMany = try await outcome(steps + "  - expect_tool: { name: /.*/, in: conversation, max: 1 }\n")
        #expect(tooMany.failure?.expected == "a call of tool /.*/ at most once in the conversation so far")
    }

    @Test func expectNoToolFailsNamingTheCall() async throws {
        #expect(try await outcome("  - send: hi\n  - expect_no_tool: /.*/\n").outcome == .passed)
        let result = try await outcome("  - send: ORD-1042\n  - send: yes\n  - expect_no_tool: email\n")
        #expect(result.outcome == .failed)
        #expect(
            result.failure?.message
                == "expected no call of tool \"email\" in the latest reply; the agent called `send-email`")
        let earlier = try await outcome(
            "  - send: ORD-1042\n  - send: yes\n  - expect_no_tool: { name: lookup, in: conversation }\n")
        #expect(earlier.outcome == .failed)
    }

    @Test func expectStateLooksAtTransitionsIntoStates() async throws {
        #expect(try await outcome("  - send: ORD-1042\n  - expect_state: refund_offer\n").outcome == .passed)
        let left = try await outcome("  - send: ORD-1042\n  - expect_state: greeting\n")
        #expect(left.outcome == .failed, "leaving a state is not entering it")
        #expect(left.failure?.expected == "a transition into a state matching \"greeting\" in the latest reply")
        let later = try await outcome("  - send: ORD-1042\n  - send: yes\n  - expect_state: refund_offer\n")
        #expect(later.outcome == .failed)
        let anyTurn = try await outcome(
            "  - send: ORD-1042\n  - send: yes\n  - expect_state: { state: /refund/, in: conversation }\n")
        #expect(anyTurn.outcome == .passed)
    }

    @Test func expectToolsChecksOrderOrPresence() async throws {
        let steps = "  - send: ORD-1042\n  - send: yes\n"
        let ordered = "  - expect_tools: { sequence: [order-lookup, issue-refund], in: conversation }\n"
        #expect(try await outcome(steps + ordered).outcome == .passed)
        let reversed = try await outcome(
            steps + "  - expect_tools: { sequence: [issue-refund, order-lookup], in: conversation }\n")
        #expect(reversed.outcome == .failed)
        #expect(reversed.failure?.message.hasSuffix("missing \"order-lookup\"") == true)
        let unordered = try await outcome(
            steps + "  - expect_tools: { sequence: [issue-refund, order-lookup], ordered: false, in: conversation }\n")
        #expect(unordered.outcome == .passed)
        #expect(try await outcome(steps + "  - expect_tools: [issue-refund, send-email]\n").outcome == .passed)
    }

    @Test func aTargetWithoutActionsIsRefusedBeforeRunning() throws {
        let f = try flow("steps:\n  - send: hi\n  - expect_tool: lookup\n  - expect_state: x\n")
        let problems = FlowCompatibility.problems(
            in: f, target: "plain", providerKind: "amelia", capabilities: [.userFirst], simulatorProblem: nil)
        #expect(problems.count == 2)
        #expect(
            problems.first?.message
                == "`expect_tool` needs the agent's tool calls, and target `plain` (amelia) has none")
        #expect(problems.first?.location.line == 3)
        let toolsOnly = FlowCompatibility.problems(
            in: f, target: "chat", providerKind: "openai", capabilities: [.userFirst, .actions], simulatorProblem: nil)
        #expect(
            toolsOnly.map(\.message) == [
                "`expect_state` needs the agent's state transitions, and target `chat` (openai) has none"
            ])
    }
}
