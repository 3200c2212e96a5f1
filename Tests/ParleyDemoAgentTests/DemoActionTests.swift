import ParleyDemoAgent
import ParleyFlow
import Testing

/// The demo agent's tools, transitions and behaviours, in the order it acts.
@Suite struct DemoActionTests {
    @Test func theRefundPathLooksTheOrderUpThenIssuesTheRefund() {
        var demo = DemoConversation(script: .supportDesk)
        _ = demo.open(.agentFirst)
        let offer = demo.reply(to: "My blender arrived cracked, order ORD-1042")
        #expect(offer.actions.count == 2)
        guard case .transition(let move) = offer.actions[0], case .tool(let lookup) = offer.actions[1] else {
            Issue.record("expected a transition then a tool call: \(offer.actions)")
            return
        }
        #expect(move.from == "greeting" && move.to == "refund_offer")
        #expect(lookup.id == "order-lookup" && lookup.version == "2")
        #expect(lookup.input == [DemoField(name: "order_number", value: "ORD-1042")])
        #expect(lookup.result.map(\.name) == ["order_number", "status", "total"])
        #expect(lookup.result[2].value.hasPrefix("$"), "derived values are rendered")
        #expect(offer.messages.first?.contains(lookup.result[2].value) == true, "the reply quotes the tool's result")
        let issued = demo.reply(to: "yes please")
        #expect(issued.toolCalls.map(\.id) == ["issue-refund"])
        #expect(issued.toolCalls[0].result.first?.value.hasPrefix("T-") == true)
    }

    @Test func aFrustratedMessageSelectsTheBehaviourBeforeAnythingElse() {
        var demo = DemoConversation(script: .supportDesk)
        let turn = demo.open(.userMessage("This is ridiculous, where is my order ORD-2077?"))
        guard case .behavior(let name, let previous) = turn.actions.first else {
            Issue.record("expected a behaviour first: \(turn.actions)")
            return
        }
        #expect(name == "calm-frustrated-customer" && previous == nil)
        #expect(turn.messages.first == "I'm sorry this has been frustrating; let's get it sorted out.")
        #expect(turn.toolCalls.map(\.id) == ["order-lookup"])
        let again = demo.reply(to: "I'm still angry about it")
        #expect(
            again.actions.first == .behavior(name: "calm-frustrated-customer", previous: "calm-frustrated-customer"))
        #expect(demo.reply(to: "thanks").actions.allSatisfy { if case .behavior = $0 { false } else { true } })
    }

    @Test func scriptsReadToolsAndBehavioursWithLocatedErrors() {
        let sink = DiagnosticSink()
        let script = AgentScript.parse(
            text: """
                start: a
                states:
                  a:
                    objective: o
                    action: x
                    say: hi
                    tool: { id: t, input: { n: "${v}" }, result: { ok: "yes" }, duraton: 1 }
                behaviors:
                  - { name: b, when: /x/, say: sorry }
                  - { when: /y/ }
                """, file: "agent.yaml", sink: sink)
        #expect(script == nil)
        let messages = sink.sorted.map(\.description)
        #expect(
            messages.contains { $0.hasPrefix("agent.yaml:7:") && $0.contains("unknown key `duraton`") }, "\(messages)")
        #expect(messages.contains { $0.contains("a behaviour is missing `name`") }, "\(messages)")
    }
}
