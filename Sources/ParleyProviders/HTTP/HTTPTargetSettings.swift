import ParleyCore

/// A checked `provider: http` target: the whole protocol of an agent, described in parley.yaml.
///
/// Everything is parsed and checked when the configuration is loaded — keys, types, paths, and
/// that every placeholder names a variable that has a value by the time its request is made — so
/// a mistake is a located diagnostic from `parley validate`, never a surprise mid-run. The format
/// is documented in docs/http-provider.md.
struct HTTPTargetSettings: Sendable {
    var name: String
    /// Prefix of every `path:`; `nil` when every request gives a whole `url:`.
    var baseURL: String?
    /// Sent on every request that has values for all their variables.
    var headers: [(String, Template)]
    /// Values every conversation starts with (`variables:`), already resolved.
    var constants: [String: String]
    var login: LoginOperation?
    var start: Operation?
    var send: Operation
    var end: Operation?
    var verifyTLS: Bool
    var connectTimeout: Duration
    /// Requests per minute for the whole target, if limited on the client side.
    var rateLimit: Double?
    /// The environment templates read `${env.NAME}` from.
    var environment: [String: String]
    /// Credentials and environment values this target uses; never shown in messages.
    var secrets: Set<String>

    /// `start`, `send` or `end`: a request, variables to take from its response, and how the agent's reply arrives.
    struct Operation: Sendable {
        /// `start`, `send`, `end`: for messages.
        var name: String
        var request: RequestTemplate
        var extract: [Extraction]
        var reply: ReplySpec?
    }

    /// How to log in, what to keep from the answer, and which statuses mean "log in again".
    struct LoginOperation: Sendable {
        var request: RequestTemplate
        var extract: [Extraction]
        var reloginOn: Set<Int>
    }

    /// The agent can speak first only when the start's reply (its greeting) is described.
    var capabilities: ProviderCapabilities {
        start?.reply != nil ? [.userFirst, .agentFirst] : [.userFirst]
    }
}

/// A variable taken from a response by a path: `extract: { conversation_id: $.session.id }`.
struct Extraction: Sendable {
    var name: String
    var path: JSONPath
    /// Where the path is written, for messages.
    var location: SourceLocation
}

/// Where the agent's reply to a request comes from.
enum ReplySpec: Sendable {
    /// The response body is JSON; the reply's text is at a path.
    case json(JSONReply)
    /// The response is a stream of JSON events (NDJSON lines or server-sent events) carrying text pieces.
    case stream(StreamReply)
    /// The reply appears later at another URL, polled until a condition holds.
    case poll(PollReply)

    var signals: ReplySignals {
        switch self {
        case .json(let r): r.signals
        case .stream(let r): r.signals
        case .poll(let r): r.signals
        }
    }
}

/// What a reply may say besides text: that the agent ended the conversation, or named events.
struct ReplySignals: Sendable {
    /// When it holds (on the body, an event or a message), the agent has ended the conversation.
    var completed: ReplyCondition?
    /// Event kinds recorded in the transcript when their condition holds (`escalation: {…}`).
    var events: [(String, ReplyCondition)] = []
}

struct JSONReply: Sendable {
    var text: Extraction
    var signals: ReplySignals
}

struct StreamReply: Sendable {
    enum Format: String, Sendable, CaseIterable {
        case ndjson, sse
    }

    var format: Format
    /// The text piece in each event; pieces are joined into the reply.
    var text: Extraction
    /// The event that ends the reply; without it, the reply ends with the response.
    var done: ReplyCondition?
    var signals: ReplySignals
}

struct PollReply: Sendable {
    var request: RequestTemplate
    /// Wait before the first poll after a silent one, doubling up to `maxEvery` while nothing new arrives.
    var every: Duration
    var maxEvery: Duration
    /// The messages in each poll's answer.
    var messages: JSONPath
    /// A message's text, if it has any.
    var text: Extraction
    /// Messages that are not the agent's words (echoes, typing indicators).
    var skip: [ReplyCondition]
    /// The message that completes the reply (it is included when it has text).
    var until: ReplyCondition
    var signals: ReplySignals
    /// Variables updated from each poll's answer (a cursor); a path that finds nothing keeps the old value.
    var extract: [Extraction]
}
