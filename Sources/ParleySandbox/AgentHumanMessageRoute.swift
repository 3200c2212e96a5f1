/// Where and how the sandbox serves AgentHuman's Send Message call.
///
/// The vendor has not published that call, so clients make its shape configurable; the sandbox
/// can speak another shape too, so that a client's override is tested against a server that
/// really expects it. The default is the documented shape (docs/providers.md).
public struct AgentHumanMessageRoute: Sendable, Hashable {
    /// The HTTP method, upper case.
    public var method: String
    /// The path under `/api/v1/`, with `{session_id}` standing for the session's id.
    public var path: String
    /// The request's JSON member that carries the user's text.
    public var textField: String
    /// Where the agent's text sits in the response, member by member (`["response", "text"]`);
    /// its siblings are `message_id` and `created_at`.
    public var replyPath: [String]

    /// A route from its parts.
    public init(method: String, path: String, textField: String, replyPath: [String]) {
        self.method = method.uppercased()
        self.path = path
        self.textField = textField
        self.replyPath = replyPath.isEmpty ? ["text"] : replyPath
    }

    /// `POST sessions/{session_id}/messages` `{"message": …}` → `{"success":true,"response":{"text": …}}`.
    public static let `default` = AgentHumanMessageRoute(
        method: "POST", path: "sessions/{session_id}/messages",
        textField: "message", replyPath: ["response", "text"])

    /// The path's segments, `{session_id}` included as written.
    var segments: [String] { path.split(separator: "/", omittingEmptySubsequences: true).map(String.init) }

    /// The session id in `segments` of a request, when they match this route's path.
    func sessionID(in requestSegments: [String]) -> String? {
        let template = segments
        guard template.count == requestSegments.count else { return nil }
        var id: String?
        for (expected, actual) in zip(template, requestSegments) {
            if expected == "{session_id}" {
                id = actual
            } else if expected != actual {
                return nil
            }
        }
        return id
    }

    /// The response body: the reply object (`message_id`, the text, `created_at`) nested at `replyPath`.
    func responseBody(messageID: String, text: String, createdAt: String) -> JSON {
        var value = JSON.object([
            ("message_id", .string(messageID)), (replyPath.last ?? "text", .string(text)),
            ("created_at", .string(createdAt)),
        ])
        for key in replyPath.dropLast().reversed() {
            value = .object([(key, value)])
        }
        guard case .object(let members) = value else { return value }
        return .object([("success", true)] + members)
    }
}
