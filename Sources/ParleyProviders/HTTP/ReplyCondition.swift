import ParleyFlow
import ParleyJSON

/// A test on a JSON value (a response body, a streamed event, a polled message): whether a path
/// reaches a value that equals a text, is one of several, exists, or matches a regular expression;
/// or a combination of tests with `any` / `all`.
///
/// Values are compared as text (`true`, `42`, `done`), so a YAML `equals: true` matches JSON `true`.
/// A path reaching several values holds when any of them passes.
indirect enum ReplyCondition: Sendable {
    /// The longest a `matches:` test may take on the values of one answer.
    static let patternBudget: Duration = .seconds(1)

    case test(JSONPath, ConditionTest)
    case any([ReplyCondition])
    case all([ReplyCondition])

    /// Whether the condition holds on `value`, with placeholders filled from `scope`.
    func holds(on value: JSONValue, scope: VariableScope) throws(VariableError) -> Bool {
        switch self {
        case .test(let path, let test):
            let found = path.evaluate(value).filter { !$0.isNull }
            switch test {
            case .exists(let expected):
                return found.isEmpty != expected
            case .equals(let template):
                let wanted = try template.render(scope)
                return found.contains { $0.extractedText == wanted }
            case .oneOf(let templates):
                var wanted: Set<String> = []
                for template in templates { wanted.insert(try template.render(scope)) }
                return found.contains { $0.extractedText.map(wanted.contains) ?? false }
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
            for condition in conditions where try condition.holds(on: value, scope: scope) { return true }
            return false
        case .all(let conditions):
            for condition in conditions where !(try condition.holds(on: value, scope: scope)) { return false }
            return true
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
