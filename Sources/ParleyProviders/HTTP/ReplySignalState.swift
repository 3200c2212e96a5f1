import ParleyFlow
import ParleyJSON
import ParleyRun

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
            // A flood of events is counted by the reply limit, not kept without end.
            guard events.count < AmigoReplyReader.maxEvents else { break }
            events.append(ProviderEvent(kind: name, detail: text))
        }
    }
}
