import ParleyFlow
import ParleyJSON
import ParleyRun

/// A checked `provider: agenthuman` target. `api_key` falls back to AGENTHUMAN_API_KEY.
public struct AgentHumanSettings: Sendable {
    public var baseURL: String
    public var apiKey: String
    /// As written: a number in the documented API (`123`), kept as text if it is not one.
    public var agentID: JSONValue
    public var sessionType: String
    /// Sent with the session when it is created.
    public var metadata: [(String, JSONValue)]
    public var verifyTLS: Bool
    public var connectTimeout: Duration
    var sendMessage: AgentHumanMessageShape
    /// Requests per minute for the whole API (the limit is per API key); empty means no client-side limit.
    public var rateLimits: [String: Double]
    /// The largest reply accepted.
    public var replyLimit: ReplyLimit

    public static let keys = [
        "provider", "base_url", "api_key", "agent_id", "session_type", "metadata", "insecure", "connect_timeout",
        "send_message", "rate_limits", ReplyLimit.settingKey,
    ]
    public static let defaultBaseURL = "https://api.agenthuman.com"
    public static let sessionTypes = ["agent_chat", "agent_voice", "agent_video", "webrtc_video"]
    /// The rate-limit bucket every call draws from: AgentHuman counts requests per API key, not per endpoint.
    public static let rateLimitBucket = "requests"
    public static let documentedLimits: [String: Double] = [rateLimitBucket: 60]

    public init?(_ target: TargetConfig, values: ConfigValues) {
        guard let map = values.mapping(target, keys: Self.keys) else { return nil }
        let base = map.has("base_url") ? values.string(map, "base_url") : Self.defaultBaseURL
        if let base, let node = map["base_url"], !(base.hasPrefix("https://") || base.hasPrefix("http://")) {
            values.sink.error("`base_url` must start with https:// (or http://), not `\(base)`", at: node.location)
            return nil
        }
        var apiKey: String?
        if map.has("api_key") {
            apiKey = values.string(map, "api_key", secret: true)
        } else if let value = values.environment["AGENTHUMAN_API_KEY"], !value.isEmpty {
            values.noteSecret(value)
            apiKey = value
        } else {
            values.sink.error(
                "target `\(target.name)` (agenthuman) needs `api_key` or the environment variable AGENTHUMAN_API_KEY",
                at: target.location)
        }
        var agentID: JSONValue?
        if let node = map["agent_id"] {
            if let text = values.resolve(node, for: "agent_id") {
                // An id of digits is a number in the API, however long (`007` is 7).
                let digits = text.drop { $0 == "0" }
                agentID =
                    !text.isEmpty && text.allSatisfy({ $0.isASCII && $0.isNumber })
                    ? .number(JSONNumber(digits.isEmpty ? "0" : String(digits)) ?? JSONNumber(0)) : .string(text)
            }
        } else {
            values.sink.error(
                "target `\(target.name)` (agenthuman) needs `agent_id` (the agent the sessions talk to)",
                at: target.location)
        }
        var sessionType = "agent_chat"
        if let node = map["session_type"], let text = values.resolve(node, for: "session_type") {
            guard Self.sessionTypes.contains(text) else {
                values.sink.error(
                    "`session_type` must be one of \(Self.sessionTypes.joined(separator: ", ")), not `\(text)`"
                        + Suggestion.hint(for: text, in: Self.sessionTypes), at: node.location)
                return nil
            }
            sessionType = text
        }
        var metadata: [(String, JSONValue)] = []
        if let node = map["metadata"] {
            guard node.mapping != nil else {
                values.reader.mismatch(node, for: "metadata", expected: "a mapping of names to values")
                return nil
            }
            guard
                let value = JSONValue.configured(
                    node, for: "metadata", reader: values.reader,
                    text: { node, what in
                        values.resolve(node, for: what)
                    }), let members = value.object
            else { return nil }
            metadata = members
        }
        var shape = AgentHumanMessageShape.default
        if let node = map["send_message"] {
            guard let read = AgentHumanMessageShape.read(node, values: values) else { return nil }
            shape = read
        }
        guard let limits = RateLimitSetting.read(map, documented: Self.documentedLimits, values: values),
            let replyLimit = ReplyLimitSetting.read(map, values: values)
        else {
            return nil
        }
        guard let base, let apiKey, let agentID else { return nil }
        self.replyLimit = replyLimit
        baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.apiKey = apiKey
        self.agentID = agentID
        self.sessionType = sessionType
        self.metadata = metadata
        verifyTLS = !(map.bool("insecure") ?? false)
        connectTimeout = map.duration("connect_timeout") ?? .seconds(10)
        sendMessage = shape
        rateLimits = limits
    }

    /// Settings for an endpoint that speaks the documented message shape, with these rate limits.
    public init(baseURL: String, apiKey: String, agentID: Int, rateLimits: [String: Double]) {
        self.init(baseURL: baseURL, apiKey: apiKey, agentID: agentID, sendMessage: .default, rateLimits: rateLimits)
    }

    init(
        baseURL: String, apiKey: String, agentID: Int, sessionType: String = "agent_chat",
        metadata: [(String, JSONValue)] = [],
        verifyTLS: Bool = true, connectTimeout: Duration = .seconds(10), sendMessage: AgentHumanMessageShape = .default,
        rateLimits: [String: Double] = Self.documentedLimits, replyLimit: ReplyLimit = .default
    ) {
        self.replyLimit = replyLimit
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.agentID = .int(agentID)
        self.sessionType = sessionType
        self.metadata = metadata
        self.verifyTLS = verifyTLS
        self.connectTimeout = connectTimeout
        self.sendMessage = sendMessage
        self.rateLimits = rateLimits
    }

    /// The agent id as it appears in paths and messages.
    public var agentIDText: String { agentID.scalarText ?? "" }

    /// `https://api.agenthuman.com/api/v1/<path>`.
    public func url(_ path: String) -> String { "\(baseURL)/api/v1/\(path)" }
}
