import Foundation
import ParleyFlow
import ParleyJSON
import ParleyRun

/// A checked `provider: amigo` target. Unset credentials fall back to the environment variables
/// Amigo's SDKs read (AMIGO_API_KEY, AMIGO_API_KEY_ID, AMIGO_USER_ID, AMIGO_ORGANIZATION_ID,
/// AMIGO_BASE_URL), so an existing Amigo set-up needs no new names.
public struct AmigoSettings: Sendable {
    public var baseURL: String
    public var organization: String
    public var apiKey: String
    public var apiKeyID: String
    /// Users conversations run as; one open conversation per user and service, so concurrent
    /// flow runs need as many users as run at once.
    public var userIDs: [String]
    public var serviceID: String
    public var versionSet: String
    public var verifyTLS: Bool
    public var connectTimeout: Duration
    /// Requests per minute by endpoint; empty means no client-side limits.
    public var rateLimits: [String: Double]
    /// The largest reply accepted.
    public var replyLimit: ReplyLimit

    /// The `current_agent_action_type` expression sent on create and interact: which agent-action
    /// events the streams carry (default all: `^.*$`; `^$` for none).
    public var agentActions: String = Self.allAgentActions

    public static let allAgentActions = "^.*$"

    public static let keys = [
        "provider", "base_url", "organization", "api_key", "api_key_id", "user_id", "user_ids", "service_id",
        "service_version_set_name", "insecure", "connect_timeout", "rate_limits", "agent_actions",
        ReplyLimit.settingKey,
    ]

    /// Amigo's documented per-minute limits, per organization and endpoint.
    public static let documentedLimits: [String: Double] = [
        "signin": 5, "create": 5, "interact": 15, "finish": 5, "messages": 20, "list": 15,
        "tags": 50, "recommend": 20, "insights": 20,
    ]

    public init?(_ target: TargetConfig, values: ConfigValues) {
        guard let map = values.mapping(target, keys: Self.keys) else { return nil }
        let env = values.environment
        func setting(_ key: String, env name: String, secret: Bool = false) -> String? {
            if map.has(key) { return values.string(map, key, secret: secret) }
            guard let value = env[name], !value.isEmpty else { return nil }
            if secret || value.count >= 6 { values.noteSecret(value) }
            return value
        }
        func required(_ key: String, env name: String, secret: Bool = false) -> String? {
            if let value = setting(key, env: name, secret: secret) { return value }
            if !map.has(key) {
                values.sink.error(
                    "target `\(target.name)` (amigo) needs `\(key)` or the environment variable \(name)",
                    at: target.location)
            }
            return nil
        }
        let base = setting("base_url", env: "AMIGO_BASE_URL") ?? "https://api.amigo.ai"
        let organization = required("organization", env: "AMIGO_ORGANIZATION_ID")
        let apiKey = required("api_key", env: "AMIGO_API_KEY", secret: true)
        let apiKeyID = required("api_key_id", env: "AMIGO_API_KEY_ID", secret: true)
        var userIDs: [String]?
        if let node = map["user_ids"] {
            if map.has("user_id") {
                values.sink.error(
                    "use either `user_id` or `user_ids`, not both", at: map.keyLocation("user_ids") ?? node.location)
            } else if let list = node.sequence, !list.isEmpty {
                let resolved = list.compactMap { values.resolve($0, for: "user_ids[]") }
                if resolved.count == list.count { userIDs = resolved }
            } else {
                values.reader.mismatch(node, for: "user_ids", expected: "a non-empty list of user ids")
            }
        } else if let single = required("user_id", env: "AMIGO_USER_ID") {
            userIDs = [single]
        }
        let serviceID = map.has("service_id") ? values.string(map, "service_id") : nil
        if !map.has("service_id") {
            values.sink.error(
                "target `\(target.name)` (amigo) needs `service_id` (24 hex characters)", at: target.location)
        }
        if let serviceID, !Self.isObjectID(serviceID), let node = map["service_id"] {
            values.sink.error("`service_id` must be 24 lowercase hex characters, not `\(serviceID)`", at: node.location)
            return nil
        }
        guard let organization, let apiKey, let apiKeyID, let userIDs, let serviceID else { return nil }
        baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.organization = organization
        self.apiKey = apiKey
        self.apiKeyID = apiKeyID
        self.userIDs = userIDs
        self.serviceID = serviceID
        versionSet = values.string(map, "service_version_set_name") ?? "release"
        verifyTLS = !(map.bool("insecure") ?? false)
        connectTimeout = map.duration("connect_timeout") ?? .seconds(10)
        guard let limits = RateLimitSetting.read(map, documented: Self.documentedLimits, values: values),
            let replyLimit = ReplyLimitSetting.read(map, values: values)
        else {
            return nil
        }
        rateLimits = limits
        self.replyLimit = replyLimit
        if let node = map["agent_actions"], let pattern = values.resolve(node, for: "agent_actions") {
            guard (try? NSRegularExpression(pattern: pattern)) != nil else {
                values.sink.error("`agent_actions` is not a valid regular expression: `\(pattern)`", at: node.location)
                return nil
            }
            agentActions = pattern
        }
    }

    public init(
        baseURL: String, organization: String, apiKey: String, apiKeyID: String, userIDs: [String], serviceID: String,
        versionSet: String = "release", verifyTLS: Bool = true, connectTimeout: Duration = .seconds(10),
        rateLimits: [String: Double] = [:], replyLimit: ReplyLimit = .default
    ) {
        self.baseURL = baseURL
        self.organization = organization
        self.apiKey = apiKey
        self.apiKeyID = apiKeyID
        self.userIDs = userIDs
        self.serviceID = serviceID
        self.versionSet = versionSet
        self.verifyTLS = verifyTLS
        self.connectTimeout = connectTimeout
        self.rateLimits = rateLimits
        self.replyLimit = replyLimit
    }

    public static func isObjectID(_ text: String) -> Bool {
        text.utf8.count == 24 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// `https://api.amigo.ai/v1/<org>/<path>`.
    public func url(_ path: String) -> String { "\(baseURL)/v1/\(organization)/\(path)" }

    /// `&current_agent_action_type=…`, percent-encoded, for the create and interact query strings;
    /// nothing for every action, the parameter's documented default (`^.*$`). The parameter is not
    /// free to send: libcurl formats a request's URL a character at a time, several times over,
    /// and these 36 characters cost about 8,500 instructions a turn (BENCHMARKS.md).
    var agentActionQuery: String {
        if agentActions == Self.allAgentActions { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = agentActions.addingPercentEncoding(withAllowedCharacters: allowed) ?? agentActions
        return "&current_agent_action_type=" + encoded
    }
}

/// Reads a target's `rate_limits:` — `documented` (the default), `off`, or `{ endpoint: per-minute }`
/// on top of the documented ones — and `rate_scale` is not needed: write the numbers you have.
enum RateLimitSetting {
    static func read(_ map: MappingReader, documented: [String: Double], values: ConfigValues) -> [String: Double]? {
        guard let node = map["rate_limits"] else { return documented }
        if let word = node.string, node.scalar != nil {
            switch word {
            case "documented": return documented
            case "off": return [:]
            default:
                values.sink.error(
                    "`rate_limits` must be `documented`, `off` or a mapping of endpoints to requests per minute, not "
                        + "`\(word)`",
                    at: node.location)
                return nil
            }
        }
        guard let pairs = node.mapping else {
            values.reader.mismatch(
                node, for: "rate_limits",
                expected: "`documented`, `off` or a mapping of endpoints to requests per minute")
            return nil
        }
        var limits = documented
        for pair in pairs {
            guard let key = pair.key.string else { continue }
            guard documented.keys.contains(key) else {
                values.sink.error(
                    "unknown endpoint `\(key)` in `rate_limits`\(Suggestion.hint(for: key, in: documented.keys)); "
                        + "endpoints: \(documented.keys.sorted().joined(separator: ", "))",
                    at: pair.key.location)
                return nil
            }
            guard let limit = values.reader.double(pair.value, for: "rate_limits.\(key)", in: 0.001...1_000_000) else {
                return nil
            }
            limits[key] = limit
        }
        return limits
    }
}
