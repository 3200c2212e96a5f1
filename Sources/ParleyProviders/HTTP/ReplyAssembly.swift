import ParleyCore

/// What every reply mode gathers besides text: whether the agent ended the conversation, and the
/// named events whose conditions held.
struct ReplySignalState {
    let signals: ReplySignals
    private(set) var completed = false
    private(set) var events: [ProviderEvent] = []

    init(_ signals: ReplySignals) {
        self.signals = signals
    }

    /// Checks `completed` and `events` on one value (a body, an event, a message).
    mutating func observe(_ value: JSONValue, text: String?, scope: VariableScope) throws(VariableError) {
        if let completed = signals.completed, try completed.holds(on: value, scope: scope) { self.completed = true }
        for (name, condition) in signals.events where try condition.holds(on: value, scope: scope) {
            events.append(ProviderEvent(kind: name, detail: text))
        }
    }
}

extension Extraction {
    /// The texts the path reaches: scalars as text, and the scalar items of a list it reaches
    /// (so `$.replies` and `$.replies[*]` both give each reply).
    func texts(in value: JSONValue) -> [String] {
        path.evaluate(value).flatMap { found -> [String] in
            if let items = found.array { return items.compactMap(\.scalarText) }
            return found.scalarText.map { [$0] } ?? []
        }
    }

    /// The variable's value: what the path reaches, several values joined with commas; `nil` when it reaches nothing.
    func value(in document: JSONValue) -> String? {
        let found = path.evaluate(document).compactMap(\.extractedText)
        return found.isEmpty ? nil : found.joined(separator: ",")
    }
}
