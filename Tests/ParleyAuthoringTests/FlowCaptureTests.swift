import Testing
import ParleyFlow
import ParleyJSON
import ParleyRun
@testable import ParleyAuthoring

@Suite struct FlowCaptureTests {
    typealias Turn = CapturedConversation.Turn

    static let refund = CapturedConversation(
        turns: [
            Turn(role: .agent, text: "Hi, I'm Juno. How can I help?"),
            Turn(role: .user, text: "My blender arrived cracked, order ORD-1042."),
            Turn(
                role: .agent,
                text: "Thanks! I found order ORD-1042 and opened ticket T-57910. I can refund $89.00. Go ahead?",
                actions: [
                    AgentAction.tool("order-lookup", arguments: .object([("order_number", "ORD-1042")])),
                    AgentAction(kind: .stateTransition, name: "refund_offer", from: "greeting"),
                ]),
            Turn(role: .user, text: "Yes please. Also, is T-57910 on my e-mail dana@example.com?"),
            Turn(role: .agent, text: "Done! Ticket T-57910 is on dana@example.com, refunded within 5 business days."),
            Turn(role: .event, text: "customer opened the app"),
            Turn(role: .agent, text: "Welcome back!"),
        ],
        source: "a test", suggestedName: "refund-captured", personaName: "Dana Ortiz")

    static func load(_ text: String) -> FlowLoadResult {
        FlowLoader(environment: [:]).load(text: text, file: "captured.yaml")
    }

    @Test(arguments: FlowCapture.ExpectMode.allCases)
    func everyModeWritesAFlowThatLoads(_ mode: FlowCapture.ExpectMode) throws {
        let output = FlowCapture.flow(Self.refund, options: .init(expect: mode))
        let loaded = Self.load(output.text)
        #expect(!loaded.hasErrors, "\(loaded.diagnostics.map(\.description))\n\(output.text)")
        let flow = try #require(loaded.flows.first)
        #expect(flow.name == "refund-captured")
        #expect(flow.opening == .agentFirst)
        let kinds = flow.steps.map(\.kind)
        #expect(kinds.filter { $0 == .send }.count == 2)
        #expect(kinds.contains(.event))
        #expect(kinds.filter { $0 == .expectTool }.count == 1)
        #expect(output.checkedReplies == 4)
        #expect(flow.tags == ["captured"])
    }

    @Test func recurringUserValuesBecomePersonaVariablesAndAgentValuesAreCaptured() throws {
        let output = FlowCapture.flow(Self.refund, options: .init(expect: .keywords))
        #expect(output.variables.map(\.name) == ["order_id", "email"])
        #expect(output.variables.map(\.value) == ["ORD-1042", "dana@example.com"])
        // The ticket came from the agent and the user repeats it: captured from the reply, sent back.
        #expect(output.captures == ["ticket"])
        #expect(output.text.contains(#"capture: { ticket: "/(T-\\d+)/" }"#), "\(output.text)")
        #expect(output.text.contains("Also, is ${ticket} on my e-mail ${persona.email}?"))
        #expect(output.text.contains("order ${persona.order_id}."))
        // The e-mail comes from the user and recurs in the agent's reply: a persona variable too.
        let flow = try #require(Self.load(output.text).flows.first)
        #expect(flow.personas.first?.name == "Dana Ortiz")
        #expect(
            flow.steps.contains { step in
                if case .expectTool(let tool) = step.action { return tool.arguments.map(\.key) == ["order_number"] }
                return false
            })
    }

    @Test func keywordsAreTheRepliesFacts() throws {
        let output = FlowCapture.flow(Self.refund, options: .init(expect: .keywords, actions: false))
        #expect(output.text.contains(#"{ all: ["${persona.order_id}", "$89.00"] }"#), "\(output.text)")
        #expect(output.text.contains("5 business days"))
        #expect(output.text.contains("\"Juno\""))
        #expect(!output.text.contains("expect_tool"))
    }

    @Test func exactChecksTheWholeReplyWithDollarSignsKeptLiteral() throws {
        let conversation = CapturedConversation(
            turns: [Turn(role: .user, text: "Price?"), Turn(role: .agent, text: "It is $${5} or ${x}, honestly.")],
            source: "s", suggestedName: "price")
        let output = FlowCapture.flow(conversation, options: .init(expect: .exact))
        let flow = try #require(Self.load(output.text).flows.first, "\(output.text)")
        guard case .expect(let expectation) = flow.steps[1].action, case .equals(let template) = expectation.matcher
        else {
            Issue.record("not an equals expectation: \(output.text)")
            return
        }
        #expect(
            try template.render(VariableScope(persona: nil, scenario: nil, environment: [:]))
                == "It is $${5} or ${x}, honestly.")
    }

    @Test func aJudgedReplyIsQuotedLineByLineInOneCriterion() throws {
        #expect(
            FlowCapture.equivalenceCriterion("First line.\nSecond \"quoted\" line.")
                == "The agent's latest reply is equivalent in meaning to: \u{201C}First line.\u{201D} / "
                + "\u{201C}Second \"quoted\" line.\u{201D}")
        let output = FlowCapture.flow(Self.refund, options: .init(expect: .judge))
        let flow = try #require(Self.load(output.text).flows.first)
        let judges = flow.steps.compactMap { step -> JudgeSpec? in
            if case .judge(let spec) = step.action { return spec }
            return nil
        }
        #expect(judges.count == 4)
        #expect(
            judges[0].criteria.first?.text
                == "The agent's latest reply is equivalent in meaning to: \"Hi, I'm Juno. How can I help?\"")
    }

    @Test func consecutiveAgentMessagesAreOneReply() throws {
        let conversation = CapturedConversation(
            messages: [
                (type: "user-message", interaction: "i1", text: "Hi"),
                (type: "agent-message", interaction: "i1", text: "Hello!"),
                (type: "agent-message", interaction: "i1", text: "How can I help?"),
                (type: "agent-inner-thought", interaction: "i1", text: "hidden"),
                (type: "external-event", interaction: "i2", text: "opened the app"),
                (type: "agent-message", interaction: "i2", text: "Welcome back."),
            ], source: "s", suggestedName: "x")
        #expect(conversation.turns.map(\.role) == [.user, .agent, .event, .agent])
        #expect(conversation.turns[1].text == "Hello!\nHow can I help?")
        let output = FlowCapture.flow(conversation, options: .init(expect: .exact))
        #expect(!Self.load(output.text).hasErrors, "\(output.text)")
    }

    @Test func anEmptyConversationStillLoads() {
        let output = FlowCapture.flow(
            CapturedConversation(turns: [], source: "s", suggestedName: "empty"), options: .init())
        #expect(!Self.load(output.text).hasErrors, "\(output.text)")
    }
}

@Suite struct FactFinderTests {
    @Test func factsAreFoundInOrderWithTheirKinds() {
        let facts = FactFinder().facts(
            in: "Order ORD-1042 for dana@example.com: $89.00 back within 5 business days, by 2025-03-01. "
                + "Call +1 415 555 0100 or ask Juno at Juniper & Pine about #48213.")
        #expect(
            facts.map { "\($0.kind.rawValue):\($0.text)" } == [
                "identifier:ORD-1042", "email:dana@example.com", "amount:$89.00", "quantity:5 business days",
                "date:2025-03-01", "phone:+1 415 555 0100", "name:Juno", "name:Juniper & Pine", "identifier:#48213",
            ])
    }

    @Test func aSentenceWithoutFactsGivesItsLongestWords() {
        #expect(FactFinder().facts(in: "Is there anything else I can help you with?").isEmpty)
        #expect(FactFinder().keywords(in: "Is there anything else I can help you with?") == ["else", "help"])
    }
}
