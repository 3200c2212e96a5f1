import ParleyFlow
import ParleyJSON
import ParleyRun

/// Folds the messages of successive polls (or webhook deliveries) into the agent's reply: skips
/// what is not the agent's words, collects texts, and notices the message that completes the turn.
///
/// A pure state machine — messages in, state out — so the reading rules are tested without sockets.
struct PollReplyCollector {
    let spec: MessageReading
    private var signalState: ReplySignalState
    private(set) var messages: [String] = []
    private(set) var firstText: ContinuousClock.Instant?
    /// True once `until` held, or a message said the agent ended the conversation.
    private(set) var finished = false
    /// Messages seen so far, skipped ones included.
    private(set) var seen = 0
    /// Bytes of text kept so far.
    private(set) var textBytes = 0

    init(spec: MessageReading) {
        self.spec = spec
        self.signalState = ReplySignalState(spec.signals)
    }

    var completed: Bool { signalState.completed }
    var events: [ProviderEvent] { signalState.events }
    var actions: [AgentAction] { signalState.actions }

    /// The messages in one poll's answer: what the `messages` path reaches, a list it reaches
    /// standing for its items (so `$.items` and `$.items[*]` read the same).
    func messages(in answer: JSONValue) -> [JSONValue] {
        let found = spec.messages.evaluate(answer)
        if found.count == 1, let items = found[0].array { return items }
        return found.filter { !$0.isNull }
    }

    /// Takes the messages of one poll, in order; returns how many were not skipped. Messages after
    /// the one that finished the reply are left alone.
    mutating func consume(_ items: [JSONValue], at instant: ContinuousClock.Instant, scope: VariableScope)
        throws(VariableError) -> Int
    {
        var kept = 0
        for item in items where !finished {
            seen += 1
            var skipped = false
            for condition in spec.skip where try condition.holds(on: item, scope: scope) {
                skipped = true
                break
            }
            if skipped { continue }
            kept += 1
            let texts = spec.text.texts(in: item).filter { !$0.allSatisfy(\.isWhitespace) }
            if !texts.isEmpty, firstText == nil { firstText = instant }
            messages += texts
            textBytes += texts.reduce(0) { $0 + $1.utf8.count }
            try signalState.observe(item, text: texts.isEmpty ? nil : texts.joined(separator: "\n"), scope: scope)
            if signalState.completed {
                finished = true
            } else if try spec.until.holds(on: item, scope: scope) {
                finished = true
            }
        }
        return kept
    }
}
