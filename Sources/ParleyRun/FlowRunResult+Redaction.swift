import ParleyFlow

extension FlowRunResult {
    /// The result with every secret taken out of its texts — what the agent said, what the user
    /// sent, simulator candidates, provider ids and events, step details, notes and the failure —
    /// before any writer, printer or report encodes it.
    public func redacted(by redactor: SecretRedactor) -> FlowRunResult {
        guard !redactor.isEmpty else { return self }
        func clean(_ text: String) -> String { redactor.redact(text) }
        var result = self
        result.failure = failure?.redacted(by: redactor)
        result.conversationId = conversationId.map(clean)
        result.conversationTags = conversationTags.mapValues(clean)
        result.notes = notes.map(clean)
        result.turns = turns.map { turn in
            var turn = turn
            turn.text = clean(turn.text)
            turn.messages = turn.messages?.map(clean)
            turn.ids = turn.ids?.mapValues(clean)
            turn.events = turn.events?.map { ProviderEvent(kind: $0.kind, detail: $0.detail.map(clean)) }
            turn.candidates = turn.candidates?.map(clean)
            return turn
        }
        result.steps = steps.map { step in
            var step = step
            step.detail = step.detail.map(clean)
            return step
        }
        return result
    }
}

extension FailureInfo {
    /// The failure with secrets taken out of its message, expectation and reply.
    public func redacted(by redactor: SecretRedactor) -> FailureInfo {
        var info = self
        info.message = redactor.redact(message)
        info.expected = expected.map(redactor.redact)
        info.actual = actual.map(redactor.redact)
        return info
    }
}
