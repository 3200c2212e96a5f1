import ParleyFlow
import ParleyJSON
import ParleyRun
import ParleyWebhooks

/// A checked `provider: amelia` target. `username` and `password` fall back to AMELIA_USERNAME and
/// AMELIA_PASSWORD when not written, so credentials can stay out of parley.yaml altogether.
public struct AmeliaSettings: Sendable {
    /// The REST API root: `https://<instance>/AmeliaRest/api/v1`.
    public var apiBase: String
    public var domain: String
    public var username: String
    public var password: String
    public var verifyTLS: Bool
    public var connectTimeout: Duration
    /// First pause between empty polls; it doubles while polls stay empty, up to ``maxPollInterval``.
    public var pollInterval: Duration
    public var maxPollInterval: Duration
    /// The largest reply accepted (all of a turn's polled or delivered messages together).
    public var replyLimit: ReplyLimit
    /// How Amelia hands over its messages: polled (the default), or POSTed to Parley's receiver.
    public var delivery: Delivery

    /// How Amelia hands over its messages.
    public enum Delivery: Sendable, Hashable {
        /// `deliveryMode: POLLING`: Parley polls after each message.
        case polling
        /// `deliveryMode: WEBHOOK`: Amelia POSTs each message to Parley's receiver.
        case webhook(AmeliaWebhookSettings)
    }

    public static let keys = [
        "provider", "base_url", "domain", "username", "password", "insecure", "connect_timeout", "poll_interval",
        "delivery", "webhook", ReplyLimit.settingKey,
    ]
    public static let apiPath = "/AmeliaRest/api/v1"
    public static let defaultPollInterval = Duration.milliseconds(100)
    /// Amelia's replies take seconds; polling more slowly than this would add visible latency.
    public static let pollIntervalCap = Duration.seconds(1)

    public init?(_ target: TargetConfig, values: ConfigValues) {
        guard let map = values.mapping(target, keys: Self.keys) else { return nil }
        let env = values.environment
        func required(_ key: String, env name: String? = nil, secret: Bool = false) -> String? {
            if map.has(key) { return values.string(map, key, secret: secret) }
            if let name, let value = env[name], !value.isEmpty {
                if secret || value.count >= 6 { values.noteSecret(value) }
                return value
            }
            let fallback = name.map { " or the environment variable \($0)" } ?? ""
            values.sink.error("target `\(target.name)` (amelia) needs `\(key)`\(fallback)", at: target.location)
            return nil
        }
        let base = required("base_url")
        if let base, let node = map["base_url"], !(base.hasPrefix("https://") || base.hasPrefix("http://")) {
            values.sink.error("`base_url` must start with https:// (or http://), not `\(base)`", at: node.location)
            return nil
        }
        let domain = required("domain")
        let username = required("username", env: "AMELIA_USERNAME")
        let password = required("password", env: "AMELIA_PASSWORD", secret: true)
        var delivery = Delivery.polling
        if let node = map["delivery"], let mode = values.resolve(node, for: "delivery") {
            switch mode.lowercased() {
            case "polling": break
            case "webhook": delivery = .webhook(AmeliaWebhookSettings())
            default:
                values.sink.error(
                    "`delivery` must be `polling` (Parley polls for messages) or `webhook` (Amelia POSTs them to "
                        + "Parley's receiver), not `\(mode)`", at: node.location)
                return nil
            }
        }
        if let node = map["webhook"] {
            guard case .webhook = delivery else {
                values.sink.error(
                    "`webhook` settings apply to `delivery: webhook`; add it, or remove `webhook`",
                    at: map.keyLocation("webhook") ?? node.location)
                return nil
            }
            guard let settings = AmeliaWebhookSettings(node, values: values) else { return nil }
            delivery = .webhook(settings)
        }
        var pollInterval = Self.defaultPollInterval
        if let node = map["poll_interval"] {
            guard let value = values.reader.duration(node, for: "poll_interval") else { return nil }
            guard value >= .milliseconds(10), value <= .seconds(10) else {
                values.sink.error(
                    "`poll_interval` must be between 10ms and 10s, not \(DurationText.format(value))", at: node.location
                )
                return nil
            }
            pollInterval = value
        }
        guard let base, let domain, let username, let password,
            let replyLimit = ReplyLimitSetting.read(map, values: values)
        else { return nil }
        self.replyLimit = replyLimit
        apiBase = Self.apiBase(from: base)
        self.domain = domain
        self.username = username
        self.password = password
        verifyTLS = !(map.bool("insecure") ?? false)
        connectTimeout = map.duration("connect_timeout") ?? .seconds(10)
        self.pollInterval = pollInterval
        maxPollInterval = max(pollInterval, Self.pollIntervalCap)
        self.delivery = delivery
    }

    public init(
        baseURL: String, domain: String, username: String, password: String, verifyTLS: Bool = true,
        connectTimeout: Duration = .seconds(10), pollInterval: Duration = Self.defaultPollInterval,
        delivery: Delivery = .polling, replyLimit: ReplyLimit = .default
    ) {
        self.replyLimit = replyLimit
        apiBase = Self.apiBase(from: baseURL)
        self.domain = domain
        self.username = username
        self.password = password
        self.verifyTLS = verifyTLS
        self.connectTimeout = connectTimeout
        self.pollInterval = pollInterval
        maxPollInterval = max(pollInterval, Self.pollIntervalCap)
        self.delivery = delivery
    }

    /// The API root for an instance URL, whether or not it was written with `/AmeliaRest/api/v1`.
    public static func apiBase(from base: String) -> String {
        var root = base
        while root.hasSuffix("/") { root.removeLast() }
        if root.hasSuffix(apiPath) { return root }
        if root.hasSuffix("/AmeliaRest") { return root + "/api/v1" }
        return root + apiPath
    }

    /// `https://<instance>/AmeliaRest/api/v1/<path>`.
    public func url(_ path: String) -> String { "\(apiBase)/\(path)" }
}
