import ParleyCore

/// Reads a YAML value of `parley.yaml` (metadata, extra request fields) as the JSON a provider sends.
///
/// Mappings become objects (in written order), lists arrays; plain `true`/`false`, numbers and
/// null keep their type, while quoted scalars are always text — so `"123"` stays a string.
enum ConfigJSON {
    /// The value of `node`; `text` turns each string scalar into its final text (resolving
    /// `${env.NAME}` and the like) and reports problems itself. Returns `nil` after a reported problem.
    static func value(_ node: YAMLNode, for what: String, reader: NodeReader, depth: Int = 0,
                      text: (YAMLNode, String) -> String?) -> JSONValue? {
        guard depth < 16 else {
            reader.error("`\(what)` is nested too deeply", at: node.location)
            return nil
        }
        if let pairs = node.mapping {
            var members: [(String, JSONValue)] = []
            var ok = true
            for pair in pairs {
                guard let key = pair.key.string else {
                    reader.mismatch(pair.key, for: "\(what) keys", expected: "text")
                    ok = false
                    continue
                }
                if let member = value(pair.value, for: "\(what).\(key)", reader: reader, depth: depth + 1, text: text) {
                    members.append((key, member))
                } else {
                    ok = false
                }
            }
            return ok ? .object(members) : nil
        }
        if let items = node.sequence {
            var elements: [JSONValue] = []
            var ok = true
            for item in items {
                if let element = value(item, for: "\(what)[]", reader: reader, depth: depth + 1, text: text) {
                    elements.append(element)
                } else {
                    ok = false
                }
            }
            return ok ? .array(elements) : nil
        }
        guard let scalar = node.scalar else { return nil }
        if node.isNull { return .null }
        if scalar.style == .plain, node.tag == nil {
            switch scalar.value {
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default:
                if let number = Int(scalar.value) { return .number(Double(number)) }
                if let number = Double(scalar.value), number.isFinite, scalar.value.contains(".") { return .number(number) }
            }
        }
        return text(node, what).map(JSONValue.string)
    }
}
