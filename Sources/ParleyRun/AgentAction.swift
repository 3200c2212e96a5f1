import Foundation
import ParleyJSON

/// Something the agent did while answering, as its platform reported it: a tool call, a move
/// between states, a dynamic behaviour it selected, or another step of its reasoning.
///
/// Actions are kept in the order they happened, on the turn whose reply they belong to, so
/// assertions and judges see what the agent *did*, not only what it said.
public struct AgentAction: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A tool call: `name` is the tool, with its arguments and result.
        case toolCall = "tool-call"
        /// A move between states: `from` → `name`.
        case stateTransition = "state-transition"
        /// A dynamic behaviour selected for the turn: `name` is the behaviour (set).
        case dynamicBehavior = "dynamic-behavior"
        /// Any other step the platform reports (Amigo's current-agent-action types): `name` is its type.
        case step
    }

    public var kind: Kind
    /// The tool, the state entered, the behaviour, or the step's type.
    public var name: String
    /// The tool's version, or the behaviour set's.
    public var version: String?
    /// A tool call's input (usually an object), members sorted by name so that the same input
    /// always reads, prints and caches the same.
    public var arguments: JSONValue? {
        didSet { arguments = arguments?.canonical }
    }
    /// A tool call's result, as text (JSON stays JSON text).
    public var result: String?
    /// How long a tool call took, in milliseconds.
    public var durationMs: Double?
    /// The state left, for a transition.
    public var from: String?
    /// Anything else worth showing (the step's payload, a provider's call id).
    public var detail: String?

    public init(
        kind: Kind, name: String, version: String? = nil, arguments: JSONValue? = nil, result: String? = nil,
        durationMs: Double? = nil, from: String? = nil, detail: String? = nil
    ) {
        self.kind = kind
        self.name = name
        self.version = version
        self.arguments = arguments?.canonical
        self.result = result
        self.durationMs = durationMs.map(Milliseconds.round)
        self.from = from
        self.detail = detail
    }

    /// A tool call.
    public static func tool(
        _ name: String, arguments: JSONValue? = nil, result: String? = nil, version: String? = nil,
        durationMs: Double? = nil
    ) -> AgentAction {
        AgentAction(
            kind: .toolCall, name: name, version: version, arguments: arguments, result: result, durationMs: durationMs)
    }

    /// One line for messages and prompts: `tool order-lookup {"order_number":"ORD-1"} → {"status":"shipped"}`,
    /// `state greeting → refund_offer`, `behavior frustrated-customer`, `step engage-user`.
    public var summary: String {
        switch kind {
        case .toolCall:
            var text = "tool \(name)"
            if let arguments { text += " " + arguments.canonicalText }
            if let result { text += " → " + result }
            return text
        case .stateTransition:
            return "state " + (from.map { "\($0) → " } ?? "→ ") + name
        case .dynamicBehavior:
            return "behavior \(name)"
        case .step:
            return "step \(name)"
        }
    }

    /// The argument `key` of a tool call as text (strings as they are, other values as JSON).
    public func argument(_ key: String) -> String? {
        guard let members = arguments?.object, let value = members.first(where: { $0.0 == key })?.1 else { return nil }
        return value.string ?? value.canonicalText
    }
}

extension JSONValue {
    /// Compact JSON with object members sorted by name: the same value always reads the same,
    /// whatever order a server sent the members in (prompts and cache keys depend on it).
    public var canonicalText: String { canonical.serialized }

    /// The value with every object's members sorted by name.
    public var canonical: JSONValue {
        // Most values are canonical already (small payloads, members in order): returned as they
        // are, without rebuilding every array and object.
        if isCanonical { return self }
        switch self {
        case .object(let members): return .object(members.sorted { $0.0 < $1.0 }.map { ($0.0, $0.1.canonical) })
        case .array(let items): return .array(items.map(\.canonical))
        default: return self
        }
    }

    /// Whether every object's members are sorted by name, as ``canonical`` sorts them.
    var isCanonical: Bool {
        switch self {
        case .object(let members):
            for index in members.indices {
                if index > 0, members[index].0 < members[index - 1].0 { return false }
                if !members[index].1.isCanonical { return false }
            }
            return true
        case .array(let items): return items.allSatisfy(\.isCanonical)
        default: return true
        }
    }
}

/// A list of actions as a message shows it: one per line, or a note that there were none.
public enum ActionListing {
    public static func text(_ actions: [AgentAction]) -> String {
        actions.isEmpty ? "(the agent reported no actions)" : actions.map(\.summary).joined(separator: "\n")
    }
}
