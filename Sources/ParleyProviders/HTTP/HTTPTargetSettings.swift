import ParleyFlow
import ParleyJSON
import ParleyRun

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
    /// The largest reply accepted.
    var replyLimit: ReplyLimit = .default
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
