import Foundation
import ParleyDemoAgent

/// The NDJSON events of Amigo's create and interact streams, keys in the documented order.
enum AmigoEvents {
    static func conversationCreated(_ id: String) -> JSON {
        .object([("type", "conversation-created"), ("conversation_id", .string(id))])
    }

    static func userMessageAvailable(messageID: String, text: String) -> JSON {
        .object([
            ("type", "user-message-available"), ("message_id", .string(messageID)), ("user_message", .string(text)),
        ])
    }

    static func newMessage(_ chunk: String, sequence: Int, stop: Bool, messageID: String) -> JSON {
        .object([
            ("type", "new-message"), ("message", .string(chunk)), ("transcript_alignment", .null),
            ("stop", .bool(stop)), ("sequence_number", .int(sequence)), ("message_id", .string(messageID)),
        ])
    }

    static func interactionComplete(messageID: String, interactionID: String, fullMessage: String, completed: Bool)
        -> JSON
    {
        .object([
            ("type", "interaction-complete"), ("message_id", .string(messageID)),
            ("interaction_id", .string(interactionID)),
            ("full_message", .string(fullMessage)), ("conversation_completed", .bool(completed)),
        ])
    }

    static func currentAgentAction(_ action: JSON) -> JSON {
        .object([("type", "current-agent-action"), ("action", action)])
    }

    /// The agent-action payloads of a turn, in the order the agent acted: a selected dynamic
    /// behaviour (`select-dynamic-behavior-completed`, then `engage-user-dynamic-behavior-override`),
    /// each state transition, each tool call (`tool-call-started`, `tool-call-ended`), then the
    /// action selected in the state the agent ends in. `stateMachine` is the `[id, version]` pair.
    static func agentActions(for turn: DemoTurn, insights: DemoInsights, stateMachine: JSON) -> [JSON] {
        var actions: [JSON] = []
        var round = 0
        for action in turn.actions {
            switch action {
            case .behavior(let name, let previous):
                actions.append(
                    .object([
                        ("type", "select-dynamic-behavior-completed"),
                        ("selected_dynamic_behavior_set_version_info", .array([.string(name), .int(1)])),
                        (
                            "previous_selected_dynamic_behavior_set_version_info",
                            previous.map { JSON.array([.string($0), .int(1)]) } ?? .null
                        ),
                    ]))
                actions.append(
                    .object([
                        ("type", "engage-user-dynamic-behavior-override"), ("overriding_instructions", true),
                        ("overriding_tool_candidates", false),
                    ]))
            case .transition(let transition):
                actions.append(
                    .object([
                        ("type", "navigate-state-machine-state-transitioned"),
                        ("prev_state", .string(transition.from)),
                        ("prev_state_state_machine_version_info", stateMachine),
                        ("next_state", .string(transition.to)), ("next_state_state_machine_version_info", stateMachine),
                    ]))
            case .tool(let call):
                let input = JSON.object(call.input.map { ($0.name, .string($0.value)) })
                let result = JSON.object(call.result.map { ($0.name, .string($0.value)) })
                actions.append(
                    .object([
                        ("type", "tool-call-started"), ("tool_round_index", .int(round)), ("tool_id", .string(call.id)),
                        ("tool_version", .string(call.version)), ("input_params", input),
                    ]))
                actions.append(
                    .object([
                        ("type", "tool-call-ended"), ("tool_round_index", .int(round)), ("tool_id", .string(call.id)),
                        ("tool_version", .string(call.version)), ("input_parameters", input),
                        ("result", .string(result.text)), ("duration", .double(call.duration)),
                    ]))
                round += 1
            }
        }
        actions.append(
            .object([
                ("type", "navigate-state-machine-action-state-action-selected"), ("action", .string(insights.action)),
            ]))
        return actions
    }

    /// Splits a message into pieces of `words` words each; the pieces concatenate to the exact text,
    /// white space travelling at the start of the next piece (" there! How can I…").
    static func chunks(of text: String, words: Int) -> [String] {
        let perChunk = max(1, words)
        var pieces: [String] = []
        var current = ""
        var wordsInCurrent = 0
        var previousWasSpace = true
        for character in text {
            let isSpace = character.isWhitespace
            if isSpace && !previousWasSpace && wordsInCurrent >= perChunk {
                pieces.append(current)
                current = ""
                wordsInCurrent = 0
            }
            if !isSpace && previousWasSpace { wordsInCurrent += 1 }
            current.append(character)
            previousWasSpace = isSpace
        }
        if !current.isEmpty || pieces.isEmpty { pieces.append(current) }
        return pieces
    }
}

extension AmigoAPI {
    /// The timed lines of one agent turn and how long they take to stream after the first delay.
    func agentTurnLines(
        _ turn: DemoTurn, insights: DemoInsights, messageID: String, interactionID: String,
        firstDelay: Duration, actionFilter: NSRegularExpression?
    ) -> (lines: [TimedLine], duration: Duration) {
        var lines: [TimedLine] = []
        var pendingDelay = firstDelay
        for action in AmigoEvents.agentActions(for: turn, insights: insights, stateMachine: versionInfo(stateMachineID))
        {
            guard Self.passes(action, filter: actionFilter) else { continue }
            lines.append(TimedLine(after: pendingDelay, AmigoEvents.currentAgentAction(action)))
            pendingDelay = .zero
        }
        let text = turn.text
        let pieces = AmigoEvents.chunks(of: text, words: configuration.wordsPerChunk)
        for (index, piece) in pieces.enumerated() {
            let delay = index == 0 ? pendingDelay : timing.chunkDelay
            lines.append(
                TimedLine(
                    after: delay,
                    AmigoEvents.newMessage(
                        piece, sequence: index + 1, stop: index == pieces.count - 1,
                        messageID: messageID)))
        }
        lines.append(
            TimedLine(
                AmigoEvents.interactionComplete(
                    messageID: messageID, interactionID: interactionID,
                    fullMessage: text, completed: turn.completed)))
        return (lines, firstDelay + timing.streamDuration(chunks: pieces.count))
    }

    /// Whether an agent action's `type` matches the request's `current_agent_action_type`.
    static func passes(_ action: JSON, filter: NSRegularExpression?) -> Bool {
        guard let filter else { return true }
        let type = action["type"]?.stringValue ?? ""
        return filter.firstMatch(in: type, range: NSRange(type.startIndex..., in: type)) != nil
    }

    /// Reads `current_agent_action_type`; `.failure` when it is not a valid expression.
    static func actionFilter(_ request: SandboxRequest, _ validation: inout AmigoValidation) -> NSRegularExpression? {
        guard let pattern = request.queryValue("current_agent_action_type"), pattern != "^.*$" else { return nil }
        do {
            return try NSRegularExpression(pattern: pattern)
        } catch {
            validation.add(
                "value_error", ["query", "current_agent_action_type"], "Value error, invalid regular expression",
                input: .string(pattern), context: [("error", "invalid regular expression")])
            return nil
        }
    }
}
