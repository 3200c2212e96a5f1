/// Cookies a server set, kept and sent back as a browser would (RFC 6265): matched by domain,
/// path and scheme, dropped when they expire or the server deletes them.
///
/// A value type, responses in and `Cookie` headers out, so that a caller decides what a jar
/// belongs to (a target's login, one conversation) and cookie handling is tested without sockets.
/// Times are seconds since 1970.
public struct CookieJar: Sendable, Equatable {
    /// One stored cookie.
    public struct Cookie: Sendable, Equatable {
        public var name: String
        public var value: String
        /// The domain it is sent to (the host that set it, or the `Domain` attribute).
        public var domain: String
        /// Sent to `domain` only, not to its subdomains (no `Domain` attribute).
        public var hostOnly: Bool
        public var path: String
        /// When it expires; `nil` for a session cookie, kept as long as the jar.
        public var expires: Double?
        /// Sent over https only.
        public var secure: Bool
    }

    public private(set) var cookies: [Cookie] = []

    public init() {}

    public var isEmpty: Bool { cookies.isEmpty }

    /// Takes the `Set-Cookie` fields of a response to a request for `url`. Malformed fields and
    /// cookies for another domain are ignored; an expired date or `Max-Age` of 0 or less deletes.
    public mutating func store(_ headers: HTTPHeaders, from url: String, now: Double) {
        for field in headers.values(for: "Set-Cookie") {
            store(setCookie: field, from: url, now: now)
        }
    }

    /// Takes one `Set-Cookie` field value.
    public mutating func store(setCookie field: String, from url: String, now: Double) {
        let parts = URLParts(url)
        let host = parts.hostName
        var attributes = field.split(separator: ";", omittingEmptySubsequences: false).map {
            $0.trimmingASCIISpaces
        }
        let pair = attributes.removeFirst()
        guard let equals = pair.firstIndex(of: "=") else { return }
        let name = pair[..<equals].trimmingASCIISpaces
        let value = pair[pair.index(after: equals)...].trimmingASCIISpaces
        guard !name.isEmpty else { return }
        var cookie = Cookie(
            name: String(name), value: String(value), domain: host, hostOnly: true,
            path: Self.defaultPath(String(parts.path)), expires: nil, secure: false)
        var maxAge: Double?
        for attribute in attributes {
            let split = attribute.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = split[0].trimmingASCIISpaces.lowercased()
            let argument = split.count > 1 ? split[1].trimmingASCIISpaces : ""
            switch key {
            case "domain":
                var domain = argument.lowercased()
                if domain.hasPrefix(".") { domain.removeFirst() }
                guard !domain.isEmpty else { continue }
                // A server may set cookies for its own domain and its parents, never for another.
                guard Self.domainMatches(host: host, domain: domain) else { return }
                cookie.domain = domain
                cookie.hostOnly = false
            case "path":
                if argument.hasPrefix("/") { cookie.path = String(argument) }
            case "max-age":
                if let seconds = Double(argument) { maxAge = seconds }
            case "expires":
                if maxAge == nil, let date = HTTPDate.parse(String(argument)) { cookie.expires = date }
            case "secure":
                cookie.secure = true
            default:
                break
            }
        }
        if let maxAge { cookie.expires = maxAge <= 0 ? -.infinity : now + maxAge }
        cookies.removeAll {
            $0.name == cookie.name && $0.domain == cookie.domain && $0.path == cookie.path
        }
        if let expires = cookie.expires, expires <= now { return }
        cookies.append(cookie)
    }

    /// Adds every cookie of `other`, replacing those of the same name, domain and path.
    public mutating func merge(_ other: CookieJar) {
        for cookie in other.cookies {
            cookies.removeAll { $0.name == cookie.name && $0.domain == cookie.domain && $0.path == cookie.path }
            cookies.append(cookie)
        }
    }

    /// The cookies to send with a request for `url`, longest path first (RFC 6265 §5.4).
    public func cookies(for url: String, now: Double) -> [Cookie] {
        let parts = URLParts(url)
        let host = parts.hostName
        let path = parts.path.isEmpty ? "/" : String(parts.path)
        let matching = cookies.filter { cookie in
            if let expires = cookie.expires, expires <= now { return false }
            if cookie.secure, !parts.isSecure { return false }
            let domainOK =
                cookie.hostOnly ? host == cookie.domain : Self.domainMatches(host: host, domain: cookie.domain)
            return domainOK && Self.pathMatches(path, cookie.path)
        }
        return matching.enumerated().sorted { a, b in
            a.element.path.count != b.element.path.count
                ? a.element.path.count > b.element.path.count : a.offset < b.offset
        }.map(\.element)
    }

    /// The `Cookie` header value for `url` (`a=1; b=2`), `nil` when no cookie applies.
    public func header(for url: String, now: Double) -> String? {
        let matching = cookies(for: url, now: now)
        return matching.isEmpty ? nil : matching.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
    }

    static func domainMatches(host: String, domain: String) -> Bool {
        host == domain || (host.hasSuffix("." + domain) && !host.allSatisfy { $0.isNumber || $0 == "." })
    }

    static func pathMatches(_ requestPath: String, _ cookiePath: String) -> Bool {
        guard requestPath.hasPrefix(cookiePath) else { return false }
        return requestPath.count == cookiePath.count || cookiePath.hasSuffix("/")
            || requestPath.dropFirst(cookiePath.count).first == "/"
    }

    /// The directory of the request's path: where a cookie without `Path` applies.
    static func defaultPath(_ path: String) -> String {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

/// Dates as `Expires` writes them, read leniently as RFC 6265 §5.1.1 asks: `Wed, 21 Oct 2026
/// 07:28:00 GMT`, the obsolete `Wednesday, 21-Oct-26 07:28:00 GMT`, and `asctime` forms.
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Seconds since 1970, or `nil` when the text is not a date.
    static func parse(_ text: String) -> Double? {
        var time: (Int, Int, Int)?
        var day: Int?
        var month: Int?
        var year: Int?
        let tokens = text.split { !($0.isLetter || $0.isNumber || $0 == ":") }
        for token in tokens {
            let parts = token.split(separator: ":")
            if time == nil, parts.count == 3, let h = Int(parts[0]), let m = Int(parts[1]), let s = Int(parts[2]) {
                time = (h, m, s)
            } else if day == nil, token.count <= 2, let value = Int(token) {
                day = value
            } else if month == nil, token.count >= 3, let index = months.firstIndex(of: token.prefix(3).lowercased()) {
                month = index + 1
            } else if year == nil, (2...4).contains(token.count), let value = Int(token) {
                year = value < 70 && token.count <= 2 ? 2000 + value : (value < 100 ? 1900 + value : value)
            }
        }
        guard let (hour, minute, second) = time, let day, let month, let year, (1...31).contains(day), year >= 1601,
            hour < 24, minute < 60, second < 61
        else { return nil }
        return Double(daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second)
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingASCIISpaces: Substring {
        let scalars = Substring(self)
        guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) ?? start
        return scalars[start...end]
    }
}
