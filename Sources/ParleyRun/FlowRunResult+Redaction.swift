import ParleyFlow
import ParleyJSON

extension FlowRunResult {
    /// The result with every secret taken out of its texts — what the agent said, what the user
    /// sent, simulator candidates, provider ids and events, step details, notes and the failure —
    /// before any writer, printer or report encodes it.
    public func redacted(by redactor: SecretRedactor) -> FlowRunResult {
        var result = self
        result.redact(by: redactor)
        return result
    }

    /// Takes every secret out of the result's texts (as ``redacted(by:)``) where they are. Only a
    /// text that changes is written back: a result without secrets, nearly every one, is looked
    /// through and not copied (rebuilding its turns, actions and ids cost 4,500 instructions a turn).
    public mutating func redact(by redactor: SecretRedactor) {
        guard !redactor.isEmpty else { return }
        if let failure = header.failure?.changes(by: redactor) { header.failure = failure }
        if let id = header.conversationId, let clean = redactor.changes(id) { header.conversationId = clean }
        if let tags = redactor.changes(header.conversationTags) { header.conversationTags = tags }
        if let notes = redactor.changes(notes) { self.notes = notes }
        // Each member read on its own (a copy of the whole turn retains every one of them).
        for index in turns.indices {
            if let text = redactor.changes(turns[index].text) { turns[index].text = text }
            if let messages = turns[index].messages, let clean = redactor.changes(messages) {
                turns[index].messages = clean
            }
            if let ids = turns[index].ids, let clean = redactor.changes(ids) { turns[index].ids = clean }
            if let events = turns[index].events, let clean = redactor.changes(events) { turns[index].events = clean }
            if let candidates = turns[index].candidates, let clean = redactor.changes(candidates) {
                turns[index].candidates = clean
            }
            if let actions = turns[index].actions, let clean = redactor.changes(actions) {
                turns[index].actions = clean
            }
        }
        judgments = judgments?.map { judgment in
            var judgment = judgment
            judgment.criteria = judgment.criteria.map { $0.redacted(by: redactor) }
            judgment.replies = judgment.replies.map { reply in
                var reply = reply
                reply.verdicts = reply.verdicts.map { $0.redacted(by: redactor) }
                return reply
            }
            return judgment
        }
        for index in steps.indices {
            if let detail = steps[index].detail, let clean = redactor.changes(detail) { steps[index].detail = clean }
        }
    }
}

extension SecretRedactor {
    /// `texts` redacted, or `nil` when none holds a secret.
    func changes(_ texts: [String]) -> [String]? {
        for text in texts where changes(text) != nil { return texts.map(redact) }
        return nil
    }

    /// `values` with their values redacted, or `nil` when none holds a secret.
    func changes(_ values: [String: String]) -> [String: String]? {
        for value in values.values where changes(value) != nil { return values.mapValues(redact) }
        return nil
    }

    /// `events` with their details redacted, or `nil` when none holds a secret.
    func changes(_ events: [ProviderEvent]) -> [ProviderEvent]? {
        for event in events {
            if let detail = event.detail, changes(detail) != nil {
                return events.map { ProviderEvent(kind: $0.kind, detail: $0.detail.map(redact)) }
            }
        }
        return nil
    }

    /// `actions` redacted, or `nil` when none carries a secret.
    func changes(_ actions: [AgentAction]) -> [AgentAction]? {
        // By index: the subscript lends each action where `for action in actions` copied it.
        for index in actions.indices where actions[index].changes(by: self) != nil {
            return actions.map { $0.redacted(by: self) }
        }
        return nil
    }
}

extension FailureInfo {
    /// The failure with secrets taken out of its message, expectation and reply.
    public func redacted(by redactor: SecretRedactor) -> FailureInfo {
        changes(by: redactor) ?? self
    }

    /// ``redacted(by:)``, or `nil` when nothing in it holds a secret.
    func changes(by redactor: SecretRedactor) -> FailureInfo? {
        let message = redactor.changes(message)
        let expected = expected.flatMap { redactor.changes($0) }
        let actual = actual.flatMap { redactor.changes($0) }
        guard message != nil || expected != nil || actual != nil else { return nil }
        var info = self
        if let message { info.message = message }
        if let expected { info.expected = expected }
        if let actual { info.actual = actual }
        return info
    }
}

extension AgentAction {
    /// The action with secrets taken out of what it carries: arguments, result, detail.
    public func redacted(by redactor: SecretRedactor) -> AgentAction {
        changes(by: redactor) ?? self
    }

    /// ``redacted(by:)``, or `nil` when nothing in it holds a secret.
    func changes(by redactor: SecretRedactor) -> AgentAction? {
        let name = redactor.changes(name)
        let arguments = arguments?.changes(by: redactor)
        let result = result.flatMap { redactor.changes($0) }
        let detail = detail.flatMap { redactor.changes($0) }
        let from = from.flatMap { redactor.changes($0) }
        guard name != nil || arguments != nil || result != nil || detail != nil || from != nil else { return nil }
        var action = self
        if let name { action.name = name }
        if let arguments { action.arguments = arguments }
        if let result { action.result = result }
        if let detail { action.detail = detail }
        if let from { action.from = from }
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
        changes(by: redactor) ?? self
    }

    /// ``redacted(by:)``, or `nil` when no string in it holds a secret.
    func changes(by redactor: SecretRedactor) -> JSONValue? {
        switch self {
        case .string(let text):
            return redactor.changes(text).map(JSONValue.string)
        case .array(let items):
            guard items.contains(where: { $0.changes(by: redactor) != nil }) else { return nil }
            return .array(items.map { $0.redacted(by: redactor) })
        case .object(let members):
            guard members.contains(where: { redactor.changes($0.0) != nil || $0.1.changes(by: redactor) != nil })
            else { return nil }
            return .object(members.map { (redactor.redact($0.0), $0.1.redacted(by: redactor)) })
        default:
            return nil
        }
    }
}
