import Foundation
import Testing
@testable import ParleyDemoAgent
import ParleyFlow

@Suite struct AgentScriptTests {
    /// The repository root, found from this file so the test works from any working directory.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func embeddedSupportDeskIsByteIdenticalToTheExampleFile() throws {
        let url = Self.repositoryRoot.appendingPathComponent("examples/agents/support-desk.yaml")
        let fileBytes = try Data(contentsOf: url)
        #expect(
            fileBytes == Data(AgentScript.supportDeskText.utf8),
            "the built-in script must be the package resource read from examples/agents/support-desk.yaml")
    }

    @Test func exampleFileLoadsWithoutDiagnostics() throws {
        let sink = DiagnosticSink()
        let path = Self.repositoryRoot.appendingPathComponent("examples/agents/support-desk.yaml").path
        let script = try #require(AgentScript.load(path: path, sink: sink))
        #expect(sink.diagnostics.isEmpty)
        #expect(script.start == "greeting")
        #expect(script.stateOrder.contains("refund_offer"))
        #expect(script.simulatedUser.goals.map(\.name) == ["human", "refund", "status"])
    }

    @Test func builtInScriptIsTheSupportDesk() {
        let script = AgentScript.supportDesk
        #expect(script.name == "Juniper & Pine support desk")
        #expect(script.states.count == script.stateOrder.count)
        #expect(script.derived.keys.sorted() == ["order_status", "refund_amount", "ticket"])
    }

    @Test func missingFileIsReportedNotThrown() {
        let sink = DiagnosticSink()
        #expect(AgentScript.load(path: "/nonexistent/agent.yaml", sink: sink) == nil)
        #expect(
            sink.diagnostics.map(\.description) == [
                "/nonexistent/agent.yaml:1:1: error: cannot read agent script `/nonexistent/agent.yaml`"
            ])
    }

    @Test func aMinimalScriptWorks() throws {
        let sink = DiagnosticSink()
        let script = try #require(
            AgentScript.parse(
                text: """
                    start: only
                    states:
                      only:
                        objective: Listen.
                        action: Echo.
                        say: Hello.
                        routes:
                          - when: ping
                            say: pong
                    """, file: "mini.yaml", sink: sink))
        var conversation = DemoConversation(script: script)
        #expect(conversation.open(.agentFirst).messages == ["Hello."])
        #expect(conversation.reply(to: "PING!").messages == ["pong"])
        #expect(
            conversation.reply(to: "what?").messages == ["Sorry, I didn't catch that. Could you say it another way?"])
    }

    /// One invalid script and the exact diagnostics it must produce.
    struct InvalidCase: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let expected: [String]
        var testDescription: String { name }
    }

    static let invalidCases: [InvalidCase] = [
        InvalidCase(
            name: "empty file", text: "# nothing here\n",
            expected: ["bad.yaml:1:1: error: agent script is empty; it needs at least `start` and `states`"]),
        InvalidCase(
            name: "missing start",
            text: """
                states:
                  a: { objective: x, action: y }
                """,
            expected: ["bad.yaml:1:1: error: the agent script is missing `start`"]),
        InvalidCase(
            name: "unknown top-level key with suggestion",
            text: """
                start: a
                stats:
                  a: { objective: x, action: y }
                """,
            expected: ["bad.yaml:2:1: error: unknown key `stats` in the agent script; did you mean `states`?"]),
        InvalidCase(
            name: "unknown state key",
            text: """
                start: a
                states:
                  a:
                    objective: x
                    action: y
                    rotues: []
                """,
            expected: ["bad.yaml:6:5: error: unknown key `rotues` in state `a`; did you mean `routes`?"]),
        InvalidCase(
            name: "start names no state",
            text: """
                start: gretting
                states:
                  greeting: { objective: x, action: y }
                """,
            expected: ["bad.yaml:1:8: error: no state is named `gretting`; did you mean `greeting`?"]),
        InvalidCase(
            name: "goto an undefined state",
            text: """
                start: a
                states:
                  a:
                    objective: x
                    action: y
                    routes:
                      - when: /yes/i
                        goto: refund_ofer
                  refund_offer: { objective: x, action: y }
                """,
            expected: ["bad.yaml:8:15: error: no state is named `refund_ofer`; did you mean `refund_offer`?"]),
        InvalidCase(
            name: "invalid regular expression",
            text: """
                start: a
                states:
                  a:
                    objective: x
                    action: y
                    routes:
                      - when: /(ORD-\\d+/i
                        say: ok
                """,
            expected: ["bad.yaml:7:15: error: invalid regular expression /(ORD-\\d+/"]),
        InvalidCase(
            name: "unknown regex flag",
            text: """
                start: a
                states:
                  a:
                    objective: x
                    action: y
                    routes:
                      - when: /yes/q
                        say: ok
                """,
            expected: ["bad.yaml:7:15: error: unknown regular-expression flag `q`; use i, m, s or x"]),
        InvalidCase(
            name: "wrong type for end",
            text: """
                start: a
                states:
                  a:
                    objective: x
                    action: y
                    end: maybe
                """,
            expected: ["bad.yaml:6:10: error: `end` must be true or false, not a string"]),
        InvalidCase(
            name: "missing objective",
            text: """
                start: a
                states:
                  a:
                    action: y
                """,
            expected: ["bad.yaml:4:5: error: state `a` is missing `objective`"]),
        InvalidCase(
            name: "persona value in an agent reply",
            text: """
                start: a
                states:
                  a:
                    objective: x
                    action: y
                    say: Hello ${persona.name}!
                """,
            expected: [
                "bad.yaml:6:16: error: an agent reply can use only remembered or derived values such as "
                    + "`${order_id}`, not `${persona.name}`"
            ]),
        InvalidCase(
            name: "value never remembered",
            text: """
                start: a
                states:
                  a:
                    objective: x
                    action: y
                    say: Your ticket is ${tiket}.
                derived:
                  ticket: { from: order_id, format: "T-###" }
                """,
            expected: [
                "bad.yaml:6:25: error: `${tiket}` is never remembered or derived; did you mean `ticket`?",
                "bad.yaml:8:19: error: `order_id` is never remembered: no route captures it",
            ]),
        InvalidCase(
            name: "route after a catch-all",
            text: """
                start: a
                states:
                  a:
                    objective: x
                    action: y
                    routes:
                      - say: anything
                      - when: hello
                        say: hi
                """,
            expected: ["bad.yaml:8:9: error: this route is never taken: the route at line 7 takes every message"]),
        InvalidCase(
            name: "route that does nothing",
            text: """
                start: a
                states:
                  a:
                    objective: x
                    action: y
                    routes:
                      - when: hello
                """,
            expected: ["bad.yaml:7:9: error: a route must `say` something, raise an `event` or `goto` a state"]),
        InvalidCase(
            name: "derived value with both rules",
            text: """
                start: a
                states:
                  a:
                    objective: x
                    action: y
                    routes:
                      - when: /(\\d+)/
                        capture: { n: /(\\d+)/ }
                        say: ${code}
                derived:
                  code: { from: n, format: "##", one_of: [a] }
                """,
            expected: [
                "bad.yaml:9:14: error: `${code}` is never remembered or derived",
                "bad.yaml:11:9: error: derived value `code` needs exactly one of `one_of` or `format`",
            ]),
        InvalidCase(
            name: "recommend for an unknown goal",
            text: """
                start: a
                states:
                  a:
                    objective: x
                    action: y
                    recommend:
                      refnd: [Please refund me.]
                simulated_user:
                  goals:
                    refund: { objective: refund, ask: [I want a refund.], reached: [a] }
                """,
            expected: ["bad.yaml:7:7: error: no goal is named `refnd`; did you mean `refund`?"]),
        InvalidCase(
            name: "YAML syntax error", text: "start: a\nstates: [\n",
            expected: [
                "bad.yaml:3:1: error: did not find expected node content (while parsing a flow node at line 3, "
                    + "column 1)"
            ]),
        InvalidCase(
            name: "states is a list", text: "start: a\nstates:\n  - a\n",
            expected: ["bad.yaml:3:3: error: `states` must be a mapping of state names to states, not a list"]),
    ]

    @Test(arguments: invalidCases)
    func invalidScriptsAreReportedWithLocations(_ testCase: InvalidCase) {
        let sink = DiagnosticSink()
        let script = AgentScript.parse(text: testCase.text, file: "bad.yaml", sink: sink)
        #expect(script == nil)
        #expect(sink.sorted.map(\.description) == testCase.expected)
    }

    @Test func diagnosticsCarryTheSourceLine() throws {
        let sink = DiagnosticSink()
        _ = AgentScript.parse(
            text: "start: a\nstates:\n  a: { objective: x, action: y, sya: hi }\n", file: "bad.yaml", sink: sink)
        let diagnostic = try #require(sink.diagnostics.first)
        #expect(diagnostic.message == "unknown key `sya` in state `a`; did you mean `say`?")
        #expect(diagnostic.sourceLine == "  a: { objective: x, action: y, sya: hi }")
        #expect(diagnostic.location.column == 33)
    }
}
