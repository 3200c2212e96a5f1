import ParleyFlow
import ParleyJSON

/// A JSON request body written as YAML, strings holding `${...}` placeholders.
///
/// Plain YAML scalars keep their JSON type — `42` is a number, `true` a boolean, `null` null —
/// and quoted scalars are strings, so `"42"` sends the text. A string with placeholders is always
/// sent as a string.
indirect enum JSONTemplate: Sendable {
    case constant(JSONValue)
    case string(Template)
    case array([JSONTemplate])
    case object([(String, JSONTemplate)])

    /// The body with every placeholder filled from `scope`.
    func render(_ scope: VariableScope) throws(VariableError) -> JSONValue {
        switch self {
        case .constant(let value): return value
        case .string(let template): return .string(try template.render(scope))
        case .array(let items):
            var out: [JSONValue] = []
            for item in items { out.append(try item.render(scope)) }
            return .array(out)
        case .object(let members):
            var out: [(String, JSONValue)] = []
            for (key, value) in members { out.append((key, try value.render(scope))) }
            return .object(out)
        }
    }

    /// Every template inside, for checking placeholders when the configuration is loaded.
    var templates: [Template] {
        switch self {
        case .constant: []
        case .string(let template): [template]
        case .array(let items): items.flatMap(\.templates)
        case .object(let members): members.flatMap(\.1.templates)
        }
    }

    /// True for a plain scalar JSON would read as a number: `-1`, `0.5`, `2e3` (not `0x10`, `inf`, `.5`).
    static func isJSONNumber(_ text: String) -> Bool {
        var chars = Substring(text)
        if chars.first == "-" { chars = chars.dropFirst() }
        func digits() -> Int {
            let count = chars.prefix { $0.isASCII && $0.isNumber }.count
            chars = chars.dropFirst(count)
            return count
        }
        let integer = chars
        guard digits() > 0 else { return false }
        if integer.first == "0", integer.count > 1, integer.dropFirst().first?.isNumber == true { return false }
        if chars.first == "." {
            chars = chars.dropFirst()
            guard digits() > 0 else { return false }
        }
        if chars.first == "e" || chars.first == "E" {
            chars = chars.dropFirst()
            if chars.first == "+" || chars.first == "-" { chars = chars.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return chars.isEmpty
    }
}
