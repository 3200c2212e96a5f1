import Foundation

/// `history:` in parley.yaml: where runs are recorded.
public struct HistorySettings: Sendable {
    /// `postgres://…` or a SQLite file; `nil` for the default `.parley/history.sqlite`. Resolved
    /// (`${env.…}`) by the workspace, which knows the environment.
    public var url: String?
    /// `url` as written, before `${env.…}` is resolved.
    public var urlNode: YAMLNode?
    /// False turns recording off.
    public var enabled: Bool

    public init(url: String? = nil, enabled: Bool = true) {
        self.url = url
        self.enabled = enabled
    }
}

/// The password inside a database URL (`postgres://user:password@host/db`), which must never be
/// printed.
public enum HistoryURLPassword {
    public static func password(in url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let credentials = rest[..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return nil }
        let password = String(credentials[credentials.index(after: colon)...])
        return password.isEmpty ? nil : password.removingPercentEncoding ?? password
    }
}
