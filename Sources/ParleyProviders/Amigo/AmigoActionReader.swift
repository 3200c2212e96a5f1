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
///
/// A payload is read from the event's bytes into a ``Payload`` (only the members these need, no
/// tree of the rest), and folded in once the event is known to be an action.
struct AmigoActionReader {
    private(set) var actions: [AgentAction] = []
    /// Open tool calls: (tool id, round) → index in `actions`.
    private var open: [String: Int] = [:]
    /// Where names, states, versions and step details are kept once for the whole run.
    private let strings: StringInterner

    init(strings: StringInterner = StringInterner(capacity: 0)) {
        self.strings = strings
    }

    /// The action types read for what they hold; any other is a step.
    fileprivate enum Kind: Int {
        case toolCallStarted, toolCallEnded, toolOutput, transition, behavior

        static let names = JSONMemberNames([
            "tool-call-started", "tool-call-ended", "navigate-state-machine-tool-call-state-tool-output-available",
            "navigate-state-machine-state-transitioned", "select-dynamic-behavior-completed",
        ])
    }

    /// The members of a payload that the types above read.
    private enum Field: Int {
        case type, toolID, toolVersion, round, inputParams, inputParameters, inputArguments, result, duration
        case toolOutput, nextState, previousState, selected, previouslySelected

        static let names = JSONMemberNames([
            "type", "tool_id", "tool_version", "tool_round_index", "input_params", "input_parameters",
            "input_arguments", "result", "duration", "tool_output", "next_state", "prev_state",
            "selected_dynamic_behavior_set_version_info", "previous_selected_dynamic_behavior_set_version_info",
        ])
    }

    /// One payload, read: what its type needs, and where it lies for a step's detail.
    struct Payload {
        /// A known type; `nil` for a step, or for a payload without a string `type`.
        fileprivate var kind: Kind?
        /// A step's type; `nil` when the payload has no string `type` (it is not an action).
        fileprivate var stepName: String?
        fileprivate var toolID: String?
        fileprivate var toolVersion: String?
        fileprivate var round: String?
        fileprivate var arguments: (params: JSONValue?, parameters: JSONValue?, arguments: JSONValue?)
        fileprivate var result: JSONValue?
        fileprivate var duration: Double?
        fileprivate var toolOutput: String?
        fileprivate var nextState: String?
        fileprivate var previousState: String?
        fileprivate var selected: JSONValue?
        fileprivate var previouslySelected: JSONValue?
        /// Where the payload lies in the document it was read from.
        fileprivate var range: Range<Int> = 0..<0

        fileprivate var isAction: Bool { kind != nil || stepName != nil }
    }

    /// Reads the payload `reader` is at into `payload` (an empty one: read in place, a payload being
    /// large to copy); `false` (the value checked and skipped) when it is not an object. Its strings
    /// come from the reader's `strings`, a step's type from `strings`.
    static func read(_ reader: inout JSONReader, into payload: inout Payload, strings: StringInterner)
        throws(JSONParseError) -> Bool
    {
        let start = reader.offset
        let isObject = try reader.readObject(Field.names) { reader, slot throws(JSONParseError) in
            switch Field(rawValue: slot) {
            case .type:
                _ = try reader.withString { type in
                    payload.kind = Kind.names.slot(of: type).flatMap(Kind.init(rawValue:))
                    if payload.kind == nil { payload.stepName = strings.string(type) }
                }
            case .toolID: payload.toolID = try reader.string()
            case .toolVersion: payload.toolVersion = try reader.scalarText()
            case .round: payload.round = try reader.scalarText()
            case .inputParams: payload.arguments.params = try reader.value()
            case .inputParameters: payload.arguments.parameters = try reader.value()
            case .inputArguments: payload.arguments.arguments = try reader.value()
            case .result: payload.result = try reader.value()
            case .duration: payload.duration = try reader.number()?.double
            case .toolOutput: payload.toolOutput = try reader.string()
            case .nextState: payload.nextState = try reader.string()
            case .previousState: payload.previousState = try reader.string()
            case .selected: payload.selected = try reader.value()
            case .previouslySelected: payload.previouslySelected = try reader.value()
            case nil: try reader.skip()
            }
        }
        payload.range = start..<reader.offset
        return isObject
    }

    /// Folds in a payload read from `document`.
    mutating func consume(_ payload: Payload, in document: UnsafeBufferPointer<UInt8>) {
        guard payload.isAction else { return }
        let tool = payload.toolID ?? "(unknown tool)"
        switch payload.kind {
        case .toolCallStarted:
            open[Self.key(payload)] = actions.count
            actions.append(.tool(tool, arguments: payload.arguments.params, version: payload.toolVersion))
        case .toolCallEnded:
            let result = payload.result.map { $0.string ?? $0.canonicalText }
            let duration = payload.duration.map { $0 * 1000 }
            if let index = open.removeValue(forKey: Self.key(payload)) {
                actions[index].result = result
                actions[index].durationMs = duration.map(Milliseconds.round)
                if actions[index].arguments == nil { actions[index].arguments = payload.arguments.parameters }
            } else {
                actions.append(
                    .tool(
                        tool, arguments: payload.arguments.parameters, result: result, version: payload.toolVersion,
                        durationMs: duration))
            }
        case .toolOutput:
            actions.append(
                .tool(
                    tool, arguments: payload.arguments.arguments, result: payload.toolOutput,
                    version: payload.toolVersion, durationMs: payload.duration.map { $0 * 1000 }))
        case .transition:
            actions.append(
                AgentAction(
                    kind: .stateTransition, name: payload.nextState ?? "(unknown state)", from: payload.previousState))
        case .behavior:
            guard let selected = payload.selected?.array, let id = selected.first?.scalarText else { return }
            let previous = payload.previouslySelected?[0]?.scalarText
            actions.append(
                AgentAction(
                    kind: .dynamicBehavior, name: strings.intern(id),
                    version: strings.intern(selected.count > 1 ? selected[1].scalarText : nil),
                    detail: strings.intern(previous.map { "previously \($0)" })))
        case nil:
            guard let name = payload.stepName else { return }
            // The same steps recur turn after turn: a payload's detail is made once.
            let detail = strings.string(
                derivedFrom: UnsafeBufferPointer(rebasing: document[payload.range]), make: Self.detail)
            actions.append(AgentAction(kind: .step, name: name, detail: detail))
        }
    }

    private static func key(_ payload: Payload) -> String {
        (payload.toolID ?? "") + "#" + (payload.round ?? "")
    }

    /// A step's payload without its type, when it has anything else to say: the payload is parsed
    /// again, whole (its members are any).
    private static func detail(_ payload: UnsafeBufferPointer<UInt8>) -> String? {
        guard let action = try? JSONValue(parsing: payload),
            let members = action.object?.filter({ $0.0 != "type" }), !members.isEmpty
        else { return nil }
        return JSONValue.object(members).canonicalText
    }
}
