import Foundation
import ParleyHTTP
import ParleyJSON
import ParleyFlow
import ParleyRun

/// AgentHuman's Send Message call, whose shape the vendor has not published: the method, the path,
/// the request member carrying the user's text, extra members, and where the reply text sits in
/// the answer. Each part can be overridden under a target's `send_message:`; the defaults are the
/// shape AgentHuman documents for its sessions (docs/providers.md):
///
/// ```yaml
/// send_message:
///   method: POST
///   path: /api/v1/sessions/${session_id}/messages
///   text_field: message
///   fields: {}              # extra members, e.g. { channel: text, session: "${session_id}" }
///   reply_path: response.text
/// ```
///
/// `path` and text in `fields` may use `${session_id}`, `${agent_id}` and `${env.NAME}`.
struct AgentHumanMessageShape: Sendable {
    var method: HTTPMethod
    /// The path from the base URL, with ``sessionMark`` and ``agentMark`` where the ids go.
    var path: String
    /// The request member that carries the user's text (dotted for a nested member).
    var textField: JSONPath
    /// Extra request members; their text may hold the id marks too.
    var fields: [(String, JSONValue)]
    /// Where the reply text is in the answer.
    var replyPath: JSONPath

    static let keys = ["method", "path", "text_field", "fields", "reply_path"]
    static let methods: [String] = ["POST", "PUT", "PATCH"]
    // Control characters cannot come from YAML text, so these marks never collide with a value.
    static let sessionMark = "\u{1}session_id\u{1}"
    static let agentMark = "\u{1}agent_id\u{1}"

    /// `POST /api/v1/sessions/${session_id}/messages` `{"message": …}` → `response.text`.
    static let `default` = AgentHumanMessageShape(
        method: .post, path: "/api/v1/sessions/\(sessionMark)/messages",
        textField: JSONPath(keys: ["message"]), fields: [], replyPath: JSONPath(keys: ["response", "text"]))

    /// The path as written in configuration, for messages.
    var pathDescription: String {
        path.replacingOccurrences(of: Self.sessionMark, with: "${session_id}").replacingOccurrences(
            of: Self.agentMark, with: "${agent_id}")
    }

    /// The call's URL for one session.
    func url(base: String, sessionID: String, agentID: String) -> String {
        base + fill(path, sessionID: sessionID, agentID: agentID, encode: true)
    }

    /// The request body for one user message.
    func body(text: String, sessionID: String, agentID: String) -> JSONValue {
        var body = JSONValue.object(fields.map { ($0.0, fill($0.1, sessionID: sessionID, agentID: agentID)) })
        body = textField.inserting(.string(text), into: body)
        return body
    }

    /// The agent's text in an answer, or an error saying where it was looked for and what was there.
    func replyText(in answer: JSONValue) throws(ProviderError) -> String {
        switch replyPath.evaluate(answer).first {
        case .string(let text)?:
            return text
        case let other? where !other.isNull:
            throw ProviderError(
                .protocolViolation,
                "AgentHuman's Send Message answer has \(other.kindDescription) at `\(replyPath)`, "
                    + "not the reply text — check `send_message.reply_path` of the target")
        default:
            throw ProviderError(
                .protocolViolation,
                "the reply text is not where `send_message.reply_path` says (`\(replyPath)`): "
                    + "\(replyPath.explainMiss(in: answer)) — check `send_message` of the target against what the "
                    + "deployment answers"
            )
        }
    }

    /// The id of the reply message, when it sits beside the text as in the default shape.
    func messageID(in answer: JSONValue) -> String? {
        guard let holder = replyPath.parent.evaluate(answer).first else { return nil }
        return holder["message_id"]?.scalarText ?? holder["id"]?.scalarText
    }

    private func fill(_ value: JSONValue, sessionID: String, agentID: String) -> JSONValue {
        switch value {
        case .string(let text): return .string(fill(text, sessionID: sessionID, agentID: agentID, encode: false))
        case .array(let items): return .array(items.map { fill($0, sessionID: sessionID, agentID: agentID) })
        case .object(let members):
            return .object(members.map { ($0.0, fill($0.1, sessionID: sessionID, agentID: agentID)) })
        default: return value
        }
    }

    private func fill(_ text: String, sessionID: String, agentID: String, encode: Bool) -> String {
        guard text.contains("\u{1}") else { return text }
        let session = encode ? Self.pathSegment(sessionID) : sessionID
        let agent = encode ? Self.pathSegment(agentID) : agentID
        return text.replacingOccurrences(of: Self.sessionMark, with: session).replacingOccurrences(
            of: Self.agentMark, with: agent)
    }

    /// An id made safe for a path segment (ids are numbers in practice, but a server could say anything).
    static func pathSegment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
