import ParleyJSON
import ParleyRun

/// Builds tool calls from chat-completion `tool_calls`: whole ones from a JSON answer, or the
/// pieces a stream sends — the id and name first, the arguments string in fragments — joined by
/// their `index`.
struct ToolCallAssembler {
    private var order: [Int] = []
    private var ids: [Int: String] = [:]
    private var names: [Int: String] = [:]
    private var arguments: [Int: String] = [:]

    mutating func add(_ call: JSONValue, index: Int) {
        if !order.contains(index) { order.append(index) }
        if let id = call["id"]?.string, !id.isEmpty { ids[index] = id }
        if let name = call["function"]?["name"]?.string, !name.isEmpty { names[index, default: ""] += name }
        if let piece = call["function"]?["arguments"]?.string { arguments[index, default: ""] += piece }
    }

    /// The calls in order. Arguments that are JSON are kept as JSON; anything else as a string.
    var actions: [AgentAction] {
        order.map { index in
            let raw = arguments[index] ?? ""
            let parsed: JSONValue? = raw.isEmpty ? nil : ((try? JSONValue(parsing: raw)) ?? .string(raw))
            var action = AgentAction.tool(names[index] ?? "(unnamed)", arguments: parsed)
            action.detail = ids[index].map { "call id \($0)" }
            return action
        }
    }
}
