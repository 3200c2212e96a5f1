import ParleyFlow
import ParleyJSON

extension FlowRunResult {
    /// The result with every secret taken out of its texts — what the agent said, what the user
    /// sent, simulator candidates, provider ids and events, step details, notes and the failure —
    /// before any writer, printer or report encodes it.
    public func redacted(by redactor: SecretRedactor) -> FlowRunResult {
        guard !redactor.isEmpty else { return self }
        func clean(_ text: String) -> String { redactor.redact(text) }
        var result = self
        result.header.failure = header.failure?.redacted(by: redactor)
        result.header.conversationId = header.conversationId.map(clean)
        result.header.conversationTags = header.conversationTags.mapValues(clean)
        result.notes = notes.map(clean)
        result.turns = turns.map { turn in
            var turn = turn
            turn.text = clean(turn.text)
            turn.messages = turn.messages?.map(clean)
            turn.ids = turn.ids?.mapValues(clean)
            turn.events = turn.events?.map { ProviderEvent(kind: $0.kind, detail: $0.detail.map(clean)) }
            turn.candidates = turn.candidates?.map(clean)
            turn.actions = turn.actions?.map { $0.redacted(by: redactor) }
            return turn
        }
        result.judgments = judgments?.map { judgment in
            var judgment = judgment
            judgment.criteria = judgment.criteria.map { $0.redacted(by: redactor) }
            judgment.replies = judgment.replies.map { reply in
                var reply = reply
                reply.verdicts = reply.verdicts.map { $0.redacted(by: redactor) }
                return reply
            }
            return judgment
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

extension AgentAction {
    /// The action with secrets taken out of what it carries: arguments, result, detail.
    public func redacted(by redactor: SecretRedactor) -> AgentAction {
        var action = self
        action.name = redactor.redact(name)
        action.arguments = arguments?.redacted(by: redactor)
        action.result = result.map { redactor.redact($0) }
        action.detail = detail.map { redactor.redact($0) }
        action.from = from.map { redactor.redact($0) }
        return action
    }
}

extension CriterionVerdict {
    /// The verdict with secrets taken out of the criterion and the judge's reasoning.
    func redacted(by redactor: SecretRedactor) -> CriterionVerdict {
        var verdict = self
        verdict.criterion = redactor.redact(criterion)
        verdict.reasoning = redactor.redact(reasoning)
        return verdict
    }
}

extension JSONValue {
    /// The value with secrets taken out of every string in it, keys included.
    public func redacted(by redactor: SecretRedactor) -> JSONValue {
        switch self {
        case .string(let text): .string(redactor.redact(text))
        case .array(let items): .array(items.map { $0.redacted(by: redactor) })
        case .object(let members): .object(members.map { (redactor.redact($0.0), $0.1.redacted(by: redactor)) })
        default: self
        }
    }
}
