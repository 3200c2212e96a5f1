/// Where a webhook receiver listens and how senders reach it.
public struct WebhookReceiverSettings: Sendable, Hashable {
    /// The address to listen on: loopback by default; `0.0.0.0` to accept deliveries from other machines.
    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int
    /// The URL senders use when they cannot reach `host:port` directly (an ingress, a tunnel);
    /// requests may arrive with its path in front of the receiver's own or without it.
    public var publicURL: String?
    /// Largest delivery accepted, in bytes; larger ones are answered 413 and dropped.
    public var maxBodySize: Int

    public static let defaultMaxBodySize = 256 * 1024

    public init(host: String = "127.0.0.1", port: Int = 0, publicURL: String? = nil, maxBodySize: Int? = nil) {
        self.host = host
        self.port = port
        self.publicURL = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.maxBodySize = maxBodySize ?? Self.defaultMaxBodySize
    }

    /// Why `text` cannot be a `public_url`, or `nil` when it can: an absolute http(s) URL with a
    /// host, without a query or fragment (Parley appends paths to it).
    public static func problem(publicURL text: String) -> String? {
        let lowered = text.lowercased()
        guard let scheme = ["https://", "http://"].first(where: { lowered.hasPrefix($0) }) else {
            return "it must be an http:// or https:// URL"
        }
        let rest = text.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        guard !authority.isEmpty, !authority.contains(where: { $0 == " " || $0 == "@" }) else {
            return "it has no host name"
        }
        if text.contains("?") || text.contains("#") {
            return "it must not have a query or fragment (Parley appends a path to it)"
        }
        if text.contains(where: { $0.isWhitespace }) { return "it must not contain spaces" }
        return nil
    }
}
