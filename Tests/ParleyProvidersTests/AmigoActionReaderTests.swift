import ParleyJSON
@testable import ParleyProviders
import ParleyRun
import Testing

/// Amigo's `current-agent-action` payloads folded into agent actions (no sockets).
@Suite struct AmigoActionReaderTests {
    func read(_ payloads: [JSONValue]) -> [AgentAction] {
        var reader = AmigoActionReader()
        for payload in payloads { reader.consume(payload) }
        return reader.actions
    }

    @Test func aToolCallIsOneActionFromItsStartAndEnd() {
        let actions = read([
            [
                "type": "tool-call-started", "tool_round_index": 0, "tool_id": "lookup", "tool_version": "3",
                "input_params": ["b": 1, "a": "x"],
            ],
            [
                "type": "tool-call-started", "tool_round_index": 0, "tool_id": "other", "tool_version": "1",
                "input_params": [:],
            ],
            [
                "type": "tool-call-ended", "tool_round_index": 0, "tool_id": "lookup", "tool_version": "3",
                "input_parameters": ["a": "x", "b": 1], "result": #"{"ok":true}"#, "duration": 0.125,
            ],
        ])
        #expect(actions.map(\.name) == ["lookup", "other"], "in the order the calls started")
        #expect(actions[0].arguments == ["a": "x", "b": 1])
        #expect(actions[0].result == #"{"ok":true}"#)
        #expect(actions[0].durationMs == 125)
        #expect(actions[0].version == "3")
        #expect(actions[1].result == nil, "a call that never ended has no result")
    }

    @Test func anEndWithoutAStartAndAToolCallStateOutputAreWholeCalls() {
        let actions = read([
            [
                "type": "tool-call-ended", "tool_round_index": 1, "tool_id": "refund", "tool_version": "1",
                "input_parameters": ["n": 2], "result": "done", "duration": 1,
            ],
            [
                "type": "navigate-state-machine-tool-call-state-tool-output-available", "tool_id": "crm",
                "tool_version": "2", "tool_output": "{}", "duration": 0.5, "input_arguments": ["id": "7"],
            ],
        ])
        #expect(actions.map(\.kind) == [.toolCall, .toolCall])
        #expect(actions.map(\.durationMs) == [1000, 500])
        #expect(actions[1].arguments == ["id": "7"])
    }

    @Test func transitionsBehavioursAndOtherSteps() {
        let actions = read([
            [
                "type": "select-dynamic-behavior-completed", "selected_dynamic_behavior_set_version_info": ["calm", 4],
                "previous_selected_dynamic_behavior_set_version_info": nil,
            ],
            [
                "type": "select-dynamic-behavior-completed", "selected_dynamic_behavior_set_version_info": nil,
                "previous_selected_dynamic_behavior_set_version_info": ["calm", 4],
            ],
            [
                "type": "navigate-state-machine-state-transitioned", "prev_state": "a",
                "prev_state_state_machine_version_info": ["sm", 1], "next_state": "b",
                "next_state_state_machine_version_info": ["sm", 1],
            ],
            [
                "type": "engage-user-dynamic-behavior-override", "overriding_instructions": true,
                "overriding_tool_candidates": false,
            ],
            ["type": "select-dynamic-behavior-vector-generated"],
        ])
        #expect(actions.map(\.kind) == [.dynamicBehavior, .stateTransition, .step, .step])
        #expect(actions[0].name == "calm" && actions[0].version == "4")
        #expect(actions[1].from == "a" && actions[1].name == "b")
        #expect(actions[2].detail == #"{"overriding_instructions":true,"overriding_tool_candidates":false}"#)
        #expect(actions[3].detail == nil)
    }

    @Test func payloadsThatAreNotObjectsOrHaveNoTypeAreLeftOut() {
        #expect(read([[1], "tool-call-started", nil, ["tool_id": "x"], ["type": 7]]).isEmpty)
    }
}

extension AmigoActionReader {
    /// Folds in a payload given as a tree, read from its JSON text as a stream's payload is, its
    /// strings through `strings` (the table the reader was made with, where one is shared).
    mutating func consume(_ action: JSONValue, strings: StringInterner = StringInterner(capacity: 0)) {
        action.bytes.withUnsafeBufferPointer { bytes in
            var payload = Payload()
            var isObject = false
            try? JSONReader.read(bytes, strings: strings) { reader throws(JSONParseError) in
                isObject = try Self.read(&reader, into: &payload, strings: strings)
            }
            if isObject { consume(payload, in: bytes) }
        }
    }
}
