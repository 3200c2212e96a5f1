/// A URL split into its pieces; lenient, because redaction and cookies only have to find the
/// parts, never to validate them.
struct URLParts {
    var scheme: Substring?
    var userinfo: Substring?
    var host: Substring
    var path: Substring
    var query: Substring?
    var fragment: Substring?

    init(_ url: String) {
        var rest = Substring(url)
        if let hash = rest.firstIndex(of: "#") {
            fragment = rest[rest.index(after: hash)...]
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        if let separator = rest.firstRange(of: "://") {
            scheme = rest[..<separator.lowerBound]
            rest = rest[separator.upperBound...]
            let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                userinfo = authority[..<at]
                authority = authority[authority.index(after: at)...]
            }
            host = authority
            path = rest[authorityEnd...]
        } else {
            host = ""
            path = rest
        }
    }

    /// The host without port or IPv6 brackets, lower-cased: what cookie domains are matched against.
    var hostName: String {
        var name = host
        if name.hasPrefix("["), let close = name.firstIndex(of: "]") {
            name = name[name.index(after: name.startIndex)..<close]
        } else if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        return name.lowercased()
    }

    var isSecure: Bool { scheme?.lowercased() == "https" }
}
