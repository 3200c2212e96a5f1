import ParleyFlow
import ParleyJSON

/// A test on a JSON value (a response body, a streamed event, a polled message): whether a path
/// reaches a value that equals a text, is one of several, exists, or matches a regular expression;
/// or a combination of tests with `any` / `all`.
///
/// Values are compared as text (`true`, `42`, `done`), so a YAML `equals: true` matches JSON `true`;
/// numbers by exact value, so `equals: 1` matches `1.0` and every digit of a long id counts.
/// A path reaching several values holds when any of them passes. In a stream of server-sent
/// events, a condition may also test the event's name (`{ event: done }`).
indirect enum ReplyCondition: Sendable {
    /// The longest a `matches:` test may take on the values of one answer.
    static let patternBudget: Duration = .seconds(1)

    case test(JSONPath, ConditionTest)
    /// The server-sent event's `event:` name is one of these (`message` when it has none).
    case event([Template])
    case any([ReplyCondition])
    case all([ReplyCondition])

    /// Whether the condition holds on `value` — of a server-sent event named `event` — with
    /// placeholders filled from `scope`.
    func holds(on value: JSONValue, event: String? = nil, scope: VariableScope) throws(VariableError) -> Bool {
        switch self {
        case .event(let names):
            guard let event else { return false }
            for name in names where try name.render(scope) == event { return true }
            return false
        case .test(let path, let test):
            let found = path.evaluate(value).filter { !$0.isNull }
            switch test {
            case .exists(let expected):
                return found.isEmpty != expected
            case .equals(let template):
                let wanted = try template.render(scope)
                return found.contains { $0.reads(as: wanted) }
            case .oneOf(let templates):
                var wanted: Set<String> = []
                for template in templates { wanted.insert(try template.render(scope)) }
                return found.contains { value in wanted.contains { value.reads(as: $0) } }
            case .matches(let pattern):
                let regex: CompiledRegex
                do {
                    regex = try pattern.compile(scope)
                } catch {
                    if case .unknownVariable(let variable) = error { throw variable }
                    // The expression compiled with stand-in values at load time; a value that
                    // breaks it now cannot match anything.
                    return false
                }
                // A pattern still matching after its budget (catastrophic backtracking) does not
                // hold: the reply then never completes, and the turn ends at its timeout.
                let deadline = ContinuousClock.now + Self.patternBudget
                return found.contains { value in
                    guard let text = value.extractedText else { return false }
                    return (try? regex.firstMatch(in: text, deadline: deadline, pattern: pattern)) != nil
                }
            }
        case .any(let conditions):
            for condition in conditions where try condition.holds(on: value, event: event, scope: scope) {
                return true
            }
            return false
        case .all(let conditions):
            for condition in conditions where !(try condition.holds(on: value, event: event, scope: scope)) {
                return false
            }
            return true
        }
    }

    /// Whether the condition looks at server-sent event names.
    var testsEventName: Bool {
        switch self {
        case .event: true
        case .test: false
        case .any(let conditions), .all(let conditions): conditions.contains(where: \.testsEventName)
        }
    }

    /// How the condition reads in messages: `$.type equals done`.
    var summary: String {
        switch self {
        case .test(let path, let test):
            switch test {
            case .exists(let expected): return "\(path) \(expected ? "exists" : "does not exist")"
            case .equals(let template): return "\(path) equals \(template.raw)"
            case .oneOf(let templates): return "\(path) in [\(templates.map(\.raw).joined(separator: ", "))]"
            case .matches(let pattern): return "\(path) matches /\(pattern.source.raw)/\(pattern.flags)"
            }
        case .event(let names):
            return names.count == 1
                ? "event is \(names[0].raw)" : "event in [\(names.map(\.raw).joined(separator: ", "))]"
        case .any(let conditions): return "any of (" + conditions.map(\.summary).joined(separator: "; ") + ")"
        case .all(let conditions): return "all of (" + conditions.map(\.summary).joined(separator: "; ") + ")"
        }
    }
}

/// What a condition checks about the values its path reaches.
enum ConditionTest: Sendable {
    case equals(Template)
    case oneOf([Template])
    case exists(Bool)
    case matches(RegexPattern)
}

extension JSONValue {
    /// Whether the value is what `text` says: the same text, or, for a number, a number of the same
    /// exact value.
    fileprivate func reads(as text: String) -> Bool {
        if case .number(let number) = self, let wanted = JSONNumber(text) { return number == wanted }
        return extractedText == text
    }
}
