import ParleyJSON
import ParleyRun

/// Turns the `action` payloads of Amigo's `current-agent-action` events into agent actions, in
/// the order they arrive.
///
/// - `tool-call-started` opens a tool call (tool id, version, `input_params`); the matching
///   `tool-call-ended` (same tool and round) completes it with `result` and `duration` (seconds).
///   A tool-call state's `navigate-state-machine-tool-call-state-tool-output-available` is a whole
///   tool call of its own.
/// - `navigate-state-machine-state-transitioned` is a move from `prev_state` to `next_state`.
/// - `select-dynamic-behavior-completed` with a selected set is a dynamic behaviour (its id and
///   version); with none selected it is left out.
/// - Every other type is kept as a step named by its type.
struct AmigoActionReader {
    private(set) var actions: [AgentAction] = []
    /// Open tool calls: (tool id, round) → index in `actions`.
    private var open: [String: Int] = [:]
    /// Where names, states, versions and step details are kept once for the whole run.
    private let strings: StringInterner

    init(strings: StringInterner = StringInterner(capacity: 0)) {
        self.strings = strings
    }

    mutating func consume(_ action: JSONValue) {
        guard let type = action["type"]?.string else { return }
        switch type {
        case "tool-call-started":
            let tool = strings.intern(action["tool_id"]?.string ?? "(unknown tool)")
            open[Self.key(action)] = actions.count
            actions.append(
                .tool(
                    tool, arguments: action["input_params"],
                    version: strings.intern(action["tool_version"]?.scalarText)))
        case "tool-call-ended":
            let tool = strings.intern(action["tool_id"]?.string ?? "(unknown tool)")
            let result = action["result"]?.string ?? action["result"].map(\.canonicalText)
            let duration = action["duration"]?.double.map { $0 * 1000 }
            if let index = open.removeValue(forKey: Self.key(action)) {
                actions[index].result = result
                actions[index].durationMs = duration.map(Milliseconds.round)
                if actions[index].arguments == nil { actions[index].arguments = action["input_parameters"] }
            } else {
                actions.append(
                    .tool(
                        tool, arguments: action["input_parameters"], result: result,
                        version: strings.intern(action["tool_version"]?.scalarText), durationMs: duration))
            }
        case "navigate-state-machine-tool-call-state-tool-output-available":
            actions.append(
                .tool(
                    strings.intern(action["tool_id"]?.string ?? "(unknown tool)"), arguments: action["input_arguments"],
                    result: action["tool_output"]?.string, version: strings.intern(action["tool_version"]?.scalarText),
                    durationMs: action["duration"]?.double.map { $0 * 1000 }))
        case "navigate-state-machine-state-transitioned":
            actions.append(
                AgentAction(
                    kind: .stateTransition, name: strings.intern(action["next_state"]?.string ?? "(unknown state)"),
                    from: strings.intern(action["prev_state"]?.string)))
        case "select-dynamic-behavior-completed":
            guard let selected = action["selected_dynamic_behavior_set_version_info"]?.array,
                let id = selected.first?.scalarText
            else { return }
            let previous = action["previous_selected_dynamic_behavior_set_version_info"]?[0]?.scalarText
            actions.append(
                AgentAction(
                    kind: .dynamicBehavior, name: strings.intern(id),
                    version: strings.intern(selected.count > 1 ? selected[1].scalarText : nil),
                    detail: strings.intern(previous.map { "previously \($0)" })))
        default:
            actions.append(
                AgentAction(kind: .step, name: strings.intern(type), detail: strings.intern(Self.detail(action))))
        }
    }

    private static func key(_ action: JSONValue) -> String {
        (action["tool_id"]?.string ?? "") + "#" + (action["tool_round_index"]?.scalarText ?? "")
    }

    /// A step's payload without its type, when it has anything else to say.
    private static func detail(_ action: JSONValue) -> String? {
        guard let members = action.object?.filter({ $0.0 != "type" }), !members.isEmpty else { return nil }
        return JSONValue.object(members).canonicalText
    }
}
