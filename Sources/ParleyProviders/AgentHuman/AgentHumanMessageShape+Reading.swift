import ParleyFlow
import ParleyJSON
import ParleyHTTP

extension AgentHumanMessageShape {
    /// Reads a target's `send_message:` block over the defaults; problems go to the sink and yield `nil`.
    static func read(_ node: YAMLNode, values: ConfigValues) -> AgentHumanMessageShape? {
        let reader = values.reader
        guard let map = reader.mapping(node, for: "`send_message`", keys: keys) else { return nil }
        var shape = AgentHumanMessageShape.default
        var ok = true
        if let node = map["method"], let text = reader.string(node, for: "send_message.method") {
            if methods.contains(text.uppercased()) {
                shape.method = HTTPMethod(rawValue: text.uppercased())
            } else {
                reader.error(
                    "`send_message.method` must be one of \(methods.joined(separator: ", ")) (the call carries a "
                        + "body), not `\(text)`",
                    at: node.location)
                ok = false
            }
        } else if map.has("method") {
            ok = false
        }
        if let node = map["path"] {
            if let text = template(node, for: "send_message.path", values: values) {
                if text.hasPrefix("/") {
                    shape.path = text
                } else {
                    reader.error(
                        "`send_message.path` must start with `/` (it follows base_url), not `\(text)`",
                        at: node.location)
                    ok = false
                }
            } else {
                ok = false
            }
        }
        if let node = map["text_field"] {
            if let path = jsonPath(node, for: "send_message.text_field", reader: reader) {
                shape.textField = path
            } else {
                ok = false
            }
        }
        if let node = map["reply_path"] {
            if let path = jsonPath(node, for: "send_message.reply_path", reader: reader) {
                shape.replyPath = path
            } else {
                ok = false
            }
        }
        if let node = map["fields"] {
            if node.mapping == nil {
                reader.mismatch(node, for: "send_message.fields", expected: "a mapping of request members to values")
                ok = false
            } else if let value = JSONValue.configured(
                node, for: "send_message.fields", reader: reader,
                text: { node, what in
                    template(node, for: what, values: values)
                }), let members = value.object
            {
                shape.fields = members
            } else {
                ok = false
            }
        }
        return ok ? shape : nil
    }

    /// A path such as `response.text` (or `$.response.text`, the JSONPath subset of `provider: http`).
    private static func jsonPath(_ node: YAMLNode, for what: String, reader: NodeReader) -> JSONPath? {
        guard let text = reader.string(node, for: what) else { return nil }
        do {
            return try JSONPath(parsingShortForm: text)
        } catch {
            reader.error(
                "`\(what)` must be a path such as `response.text` or `$.response.text`, not `\(text)`: "
                    + "\(error.message)",
                at: node.location)
            return nil
        }
    }

    /// Text in which `${session_id}` and `${agent_id}` become marks filled per call, and
    /// `${env.NAME}` is filled now (and remembered as a secret).
    private static func template(_ node: YAMLNode, for what: String, values: ConfigValues) -> String? {
        guard let template = values.reader.template(node, for: what) else { return nil }
        var ok = true
        for (reference, location) in template.references {
            switch reference {
            case .local("session_id"), .local("agent_id"):
                break
            case .env(let name):
                if let value = values.environment[name] {
                    if value.count >= 6 { values.noteSecret(value) }
                } else {
                    values.sink.error(
                        "environment variable `\(name)` is not set (for `\(what)`; set it or add it to .env)",
                        at: location)
                    ok = false
                }
            default:
                values.sink.error(
                    "only `${session_id}`, `${agent_id}` and `${env.NAME}` can be used in `\(what)`, not \(reference)",
                    at: location)
                ok = false
            }
        }
        guard ok else { return nil }
        let scope = VariableScope(
            persona: nil, scenario: nil, environment: values.environment,
            locals: ["session_id": sessionMark, "agent_id": agentMark])
        return try? template.render(scope)
    }
}
