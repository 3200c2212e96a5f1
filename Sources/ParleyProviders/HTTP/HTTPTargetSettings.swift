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
    /// Query parameters added to every request.
    var query: [(String, Template)] = []
    /// Basic authentication on every request.
    var basicAuth: BasicAuth?
    /// Whether cookies are kept and sent back (`cookies:`, on by default).
    var cookies = true
    /// The receiver of `reply: { webhook: … }` replies, when a reply uses one.
    var webhook: HTTPWebhookSettings?
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

    /// What every request gets from the target.
    var defaults: RequestDefaults {
        RequestDefaults(baseURL: baseURL, headers: headers, query: query, basicAuth: basicAuth)
    }

    /// The agent can speak first only when the start's reply (its greeting) is described.
    /// Agent-first with a greeting (`start.reply`); actions when `send.reply` says where they are.
    var capabilities: ProviderCapabilities {
        var capabilities: ProviderCapabilities = start?.reply != nil ? [.userFirst, .agentFirst] : [.userFirst]
        if send.reply?.signals.actions != nil { capabilities.insert(.actions) }
        return capabilities
    }
}

/// A variable taken from a response: by a path into the body (`extract: { conversation_id:
/// $.session.id }`), or from a header (`{ header: Location, matches: "/([^/]+)$" }`), optionally
/// narrowed to a regular expression's first group.
struct Extraction: Sendable {
    /// Where the value is.
    enum Source: Sendable {
        /// A path into the JSON body (or event, or message).
        case path(JSONPath)
        /// A response header, by name (case-insensitive).
        case header(String)
    }

    var name: String
    var source: Source
    /// Keeps the first group of the expression's first match (the whole match without groups);
    /// a value it does not match counts as nothing found.
    var pattern: RegexPattern?
    /// Where it is written, for messages.
    var location: SourceLocation

    init(name: String, path: JSONPath, pattern: RegexPattern? = nil, location: SourceLocation) {
        self.init(name: name, source: .path(path), pattern: pattern, location: location)
    }

    init(name: String, source: Source, pattern: RegexPattern? = nil, location: SourceLocation) {
        self.name = name
        self.source = source
        self.pattern = pattern
        self.location = location
    }

    /// The path into the body, for extractions that read one.
    var path: JSONPath? {
        if case .path(let path) = source { return path }
        return nil
    }

    /// Whether the body must be read (and be JSON) for this value.
    var readsBody: Bool { path != nil }

    /// How it reads in messages: `$.session.id`, ``header Location matching `/([^/]+)$` ``.
    var summary: String {
        var text: String
        switch source {
        case .path(let path): text = path.description
        case .header(let name): text = "header \(name)"
        }
        if let pattern {
            text += " matching `\(pattern.source.raw)`" + (pattern.flags.isEmpty ? "" : " (flags \(pattern.flags))")
        }
        return text
    }
}
