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
}
