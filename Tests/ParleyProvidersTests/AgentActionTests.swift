import Foundation
import ParleyFlow
import ParleyJSON
@testable import ParleyProviders
@testable import ParleyRuntime
import ParleyRun
import ParleySandbox
import Testing

/// Agent actions from every provider that reports them, over real HTTP against the sandbox, and
/// each action assertion on each of them.
@Suite struct AgentActionTests {
    /// Every action assertion, passing, on the demo agent's refund path (user-first).
    static let refundWithActions = """
        flow: refund-actions
        steps:
          - send: Hi, my blender arrived cracked. The order is ORD-1042.
          - expect_tool: { name: order-lookup, args: { order_number: ORD-1042 }, result: /"status":/, times: 1 }
          - expect_no_tool: issue-refund
          - send: Yes, please refund it.
          - expect_tool: { name: issue-refund, args: { order_number: ORD-1042 } }
          - expect_tools: { sequence: [order-lookup, issue-refund], in: conversation }
          - expect_no_tool: { name: create-replacement, in: conversation }
        """

    /// The same conversation with a failing assertion of each kind.
    static let failing: [(String, String)] = [
        ("expect_tool: { name: issue-refund }", "expected a call of tool \"issue-refund\" at least once"),
        ("expect_no_tool: order-lookup", "the agent called `order-lookup`"),
        ("expect_tools: [issue-refund, order-lookup]", "missing \"issue-refund\""),
    ]

    static func failingFlow(_ step: String) -> String {
        "flow: failing\nsteps:\n  - send: Hi, my blender arrived cracked. The order is ORD-1042.\n  - \(step)\n"
    }

    @Test func amigoRecordsToolCallsTransitionsAndBehavioursInOrder() async throws {
        try await withSandbox { server in
            let target = Wire.amigo.target(server.baseURL)
            let result = try await run(Self.refundWithActions, target: target)
            #expect(result.outcome == .passed, "\(result.summary)")
            let actions = try #require(result.turns[1].actions)
            #expect(actions.map(\.kind) == [.stateTransition, .toolCall, .step])
            #expect(actions[0].from == "greeting" && actions[0].name == "refund_offer")
            #expect(actions[1].name == "order-lookup" && actions[1].version == "2")
            #expect(actions[1].arguments == ["order_number": "ORD-1042"])
            #expect(actions[1].durationMs == 250)
            #expect(actions[1].result?.hasPrefix(#"{"order_number":"ORD-1042","status":"#) == true)
            #expect(actions[2].name == "navigate-state-machine-action-state-action-selected")

            let state = try await run(
                "flow: s\nsteps:\n  - send: this is ridiculous, where is my order ORD-1042?\n"
                    + "  - expect_state: status_given\n  - expect_state: { state: /status/, in: conversation }\n",
                target: target)
            #expect(state.outcome == .passed, "\(state.summary)")
            let first = try #require(state.turns[1].actions?.first)
            #expect(first.kind == .dynamicBehavior && first.name == "calm-frustrated-customer" && first.version == "1")
            #expect(!state.transcriptJSON.contains("agent-action"), "actions are not duplicated as events")
            for (step, message) in Self.failing {
                let failed = try await run(Self.failingFlow(step), target: target)
                #expect(failed.outcome == .failed, "\(step): \(failed.summary)")
                #expect(failed.failure?.message.contains(message) == true, "\(failed.failure?.message ?? "")")
                #expect(failed.failure?.actual?.contains("tool order-lookup") == true)
            }
            let wrongState = try await run(Self.failingFlow("expect_state: escalated"), target: target)
            #expect(
                wrongState.failure?.message
                    == "expected a transition into a state matching \"escalated\" in the latest reply")
        }
    }

    @Test func amigoAsksForAgentActionsOnCreateAndInteract() async throws {
        try await withSandbox { server in
            // `^$` asks for none: the replies come without actions.
            let quiet = try await run(
                Self.refundWithActions, target: Wire.amigo.target(server.baseURL, extra: "    agent_actions: \"^$\""))
            #expect(quiet.outcome == .failed)
            #expect(quiet.turns.allSatisfy { $0.actions == nil })
            let toolsOnly = try await run(
                Self.refundWithActions,
                target: Wire.amigo.target(server.baseURL, extra: "    agent_actions: \"^tool-call-\""))
            #expect(toolsOnly.outcome == .passed, "\(toolsOnly.summary)")
            #expect(toolsOnly.turns[1].actions?.map(\.kind) == [.toolCall])
        }
        let invalid = parseTarget(Wire.amigo.target("http://x", extra: "    agent_actions: \"(\""))
        #expect(invalid.errors == ["`agent_actions` is not a valid regular expression: `(`"])
    }

    /// Every action is Amigo's default: the parameter is left out then, sent percent-encoded otherwise.
    @Test func amigoSendsTheAgentActionExpressionOnlyWhenItIsNotTheDefault() {
        var settings = AmigoSettings(
            baseURL: "http://x", organization: "o", apiKey: "k", apiKeyID: "i", userIDs: ["u"], serviceID: "s")
        #expect(settings.agentActionQuery == "")
        settings.agentActions = "^$"
        #expect(settings.agentActionQuery == "&current_agent_action_type=%5E%24")
        settings.agentActions = "^tool-call-"
        #expect(settings.agentActionQuery == "&current_agent_action_type=%5Etool-call-")
    }

    @Test(arguments: [true, false])
    func openAIRecordsToolCallsStreamedOrNot(stream: Bool) async throws {
        try await withSandbox { server in
            let target = """
                targets:
                  t:
                    provider: openai
                    base_url: \(server.baseURL)/openai/v1
                    model: parley-support-desk
                    api_key: \(SandboxCredentials.default.openAIAPIKey)
                    stream: \(stream)
                """
            // Chat completions carry no tool results: the assertions leave `result` out.
            let flow = Self.refundWithActions.replacingOccurrences(of: #", result: /"status":/"#, with: "")
            let result = try await run(flow, target: target)
            #expect(result.outcome == .passed, "\(result.summary)")
            let call = try #require(result.turns[1].actions?.first)
            #expect(call.kind == .toolCall && call.name == "order-lookup")
            #expect(call.arguments == ["order_number": "ORD-1042"], "streamed argument pieces are joined")
            #expect(call.detail?.hasPrefix("call id call_") == true)
            for (step, message) in Self.failing {
                let failed = try await run(Self.failingFlow(step), target: target)
                #expect(failed.failure?.message.contains(message) == true, "\(step): \(failed.summary)")
            }
        }
    }

    @Test func httpExtractsActionsByPath() async throws {
        try await withSandbox { server in
            let target = """
                targets:
                  t:
                    provider: http
                    base_url: \(server.baseURL)/openai/v1
                    headers: { Authorization: "Bearer \(SandboxCredentials.default.openAIAPIKey)" }
                    send:
                      request:
                        path: /chat/completions
                        json: { model: parley-support-desk, messages: [ { role: user, content: "${message}" } ] }
                      reply:
                        json:
                          text: "$.choices[0].message.content"
                          actions:
                            path: "$.choices[0].message.tool_calls"
                            name: $.function.name
                            arguments: $.function.arguments
                """
            let parsed = parseTarget(target)
            #expect(parsed.spec?.capabilities.contains(.actions) == true)
            let flow = """
                flow: http-actions
                steps:
                  - send: My blender arrived cracked, order ORD-1042; I'd like a refund.
                  - expect_tool: { name: order-lookup, args: { order_number: ORD-1042 } }
                  - expect_no_tool: issue-refund
                  - expect_tools: { sequence: [order-lookup] }
                """
            let result = try await run(flow, target: target)
            #expect(result.outcome == .passed, "\(result.summary)")
            let failed = try await run(Self.failingFlow("expect_tool: issue-refund"), target: target)
            #expect(failed.outcome == .failed)
            let bad = ProviderTestSupport.diagnostics(
                target.replacingOccurrences(of: "name: $.function.name", with: "name: $..name"))
            #expect(bad.contains { $0.contains("send.reply.json.actions.name") }, "\(bad)")
            let plain = parseTarget(target.replacingOccurrences(of: "actions:", with: "x_actions:"))
            #expect(plain.errors.first?.contains("unknown key `x_actions`") == true)
        }
    }

    @Test func theLocalDemoAgentReportsItsActions() async throws {
        let result = await run(try loadFlow(Self.refundWithActions), on: LocalProvider())
        #expect(result.outcome == .passed, "\(result.summary)")
        #expect(result.turns[3].actions?.map(\.name) == ["refund_issued", "issue-refund"])
    }

    @Test func providersWithoutActionsSayWhat() {
        #expect(!AmeliaProvider.capabilities.contains(.actions))
        #expect(!AgentHumanProvider.capabilities.contains(.actions))
        #expect(AmigoProvider.capabilities.contains(.actions))
        #expect(LocalProvider.capabilities.contains(.actions))
    }
}
