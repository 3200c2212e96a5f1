import ParleyFlow
import ParleyJSON
import ParleyRun

/// What every reply mode gathers besides text: whether the agent ended the conversation, and the
/// named events whose conditions held.
struct ReplySignalState {
    let signals: ReplySignals
    private(set) var completed = false
    private(set) var events: [ProviderEvent] = []
    private(set) var actions: [AgentAction] = []

    init(_ signals: ReplySignals) {
        self.signals = signals
    }

    /// Checks `completed` and `events` on one value (a body, an event, a message); `event` is a
    /// server-sent event's name.
    mutating func observe(_ value: JSONValue, event: String? = nil, text: String?, scope: VariableScope)
        throws(VariableError)
    {
        if let completed = signals.completed, try completed.holds(on: value, event: event, scope: scope) {
            self.completed = true
        }
        for (name, condition) in signals.events where try condition.holds(on: value, event: event, scope: scope) {
            // A flood of events is cut off rather than kept without end.
            guard events.count < AmigoReplyReader.maxEvents else { break }
            events.append(ProviderEvent(kind: name, detail: text))
        }
        if let spec = signals.actions, actions.count < AmigoReplyReader.maxEvents { actions += spec.actions(in: value) }
    }
}
