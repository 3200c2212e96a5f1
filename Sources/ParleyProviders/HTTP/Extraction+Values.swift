import ParleyFlow
import ParleyHTTP
import ParleyJSON

extension Extraction {
    /// The texts the path reaches: scalars as text, and the scalar items of a list it reaches
    /// (so `$.replies` and `$.replies[*]` both give each reply).
    func texts(in value: JSONValue) -> [String] {
        guard let path else { return [] }
        return path.evaluate(value).flatMap { found -> [String] in
            if let items = found.array { return items.compactMap(\.scalarText) }
            return found.scalarText.map { [$0] } ?? []
        }
    }

    /// The variable's value in a body (or event, or message): what the path reaches, several
    /// values joined with commas, narrowed by `matches`; `nil` when it reaches nothing. An
    /// extraction from a header finds nothing here.
    func value(in document: JSONValue) -> String? {
        value(in: document, headers: nil)
    }

    /// The variable's value in a response: its body (parsed, when the extraction reads it) or a header.
    func value(in document: JSONValue?, headers: HTTPHeaders?) -> String? {
        let found: String?
        switch source {
        case .path(let path):
            let values = document.map { path.evaluate($0).compactMap(\.extractedText) } ?? []
            found = values.isEmpty ? nil : values.joined(separator: ",")
        case .header(let name):
            found = headers?[name]
        }
        guard let found, let pattern else { return found }
        // Patterns in `extract` have no placeholders (checked when the configuration is read).
        guard let regex = try? pattern.compile(VariableScope(persona: nil, scenario: nil, environment: [:])),
            let groups = regex.firstMatch(in: found)
        else { return nil }
        return (groups.count > 1 ? groups[1] : nil) ?? groups[0]
    }
}
