/// Removes the parts of a URL that may carry secrets before it appears in an error.
enum URLRedaction {
    /// Drops userinfo and fragment and replaces a query with `?…`:
    /// `https://user:pw@host/p?key=1#f` becomes `https://host/p?…`.
    static func redact(_ url: String) -> String {
        let parts = URLParts(url)
        var result = parts.scheme.map { "\($0)://" } ?? ""
        result += parts.host
        result += parts.path
        if parts.query != nil { result += "?…" }
        return result
    }

    /// Whether `text` mentions any secret-bearing part of `url` (userinfo, user, password,
    /// query or fragment), in which case it must not be shown.
    static func mentionsSecrets(_ text: Substring, of url: String) -> Bool {
        let parts = URLParts(url)
        var secrets: [Substring] = []
        if let userinfo = parts.userinfo {
            secrets.append(userinfo)
            secrets.append(contentsOf: userinfo.split(separator: ":"))
        }
        if let query = parts.query { secrets.append(query) }
        if let fragment = parts.fragment { secrets.append(fragment) }
        return secrets.contains { !$0.isEmpty && text.contains($0) }
    }
}
