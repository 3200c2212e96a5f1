import Foundation
import ParleyFlow
import ParleyJSON
import ParleyHTTP

/// One request as configured: method, where it goes, headers, query and body, with placeholders
/// filled in each time it is sent.
struct RequestTemplate: Sendable {
    enum Target: Sendable {
        /// Appended to the target's `base_url`; values inserted into it are percent-encoded.
        case path(Template)
        /// A whole URL, used as written once its placeholders are filled.
        case url(Template)
    }

    enum Body: Sendable {
        case json(JSONTemplate)
        case form([(String, Template)])
        case multipart([(String, Template)])
    }

    var method: HTTPMethod
    var target: Target
    var headers: [(String, Template)]
    var query: [(String, Template)]
    var body: Body?
    /// Basic authentication for this request alone (a login that signs in with it).
    var basicAuth: BasicAuth?
    /// Where `request:` is written, for messages.
    var location: SourceLocation

    /// Every template inside, for checking placeholders when the configuration is loaded.
    var templates: [Template] {
        var all: [Template] = []
        switch target {
        case .path(let t), .url(let t): all.append(t)
        }
        all += headers.map(\.1) + query.map(\.1)
        if let basicAuth { all += [basicAuth.user, basicAuth.password] }
        switch body {
        case .json(let json)?: all += json.templates
        case .form(let pairs)?, .multipart(let pairs)?: all += pairs.map(\.1)
        case nil: break
        }
        return all
    }

    /// The request with placeholders filled, ready to send, with what the target adds to every request.
    func render(_ defaults: RequestDefaults, scope: VariableScope) throws(VariableError) -> RenderedRequest {
        var url: String
        switch target {
        case .path(let template):
            let path = try template.render(scope, transform: Self.encodePathValue)
            let base = defaults.baseURL ?? ""
            let trimmedBase = base.hasSuffix("/") ? String(base.dropLast()) : base
            url = trimmedBase + (path.hasPrefix("/") ? path : "/" + path)
        case .url(let template):
            url = try template.render(scope)
        }
        // The target's query first; a parameter of the request's own with the same name replaces it.
        let ownNames = Set(query.map(\.0))
        let allQuery = defaults.query.filter { !ownNames.contains($0.0) } + query
        if !allQuery.isEmpty {
            var pairs: [String] = []
            for (name, template) in allQuery {
                pairs.append(
                    Self.encodeQueryComponent(name) + "=" + Self.encodeQueryComponent(try template.render(scope)))
            }
            url += (url.contains("?") ? "&" : "?") + pairs.joined(separator: "&")
        }
        var fields = HTTPHeaders()
        if let basic = defaults.basicAuth {
            fields.replaceOrAdd(name: "Authorization", value: try basic.header(scope))
        }
        // A common header whose variables have no value yet (a token before the login) is left off.
        for (name, template) in defaults.headers {
            if let value = try? template.render(scope) { fields.replaceOrAdd(name: name, value: value) }
        }
        if let basicAuth { fields.replaceOrAdd(name: "Authorization", value: try basicAuth.header(scope)) }
        for (name, template) in headers { fields.replaceOrAdd(name: name, value: try template.render(scope)) }
        var rendered: HTTPBody?
        switch body {
        case .json(let json)?:
            rendered = .json(try json.render(scope).bytes)
        case .form(let pairs)?:
            var values: [(String, String)] = []
            for (name, template) in pairs { values.append((name, try template.render(scope))) }
            rendered = .form(values)
        case .multipart(let pairs)?:
            var form = MultipartForm()
            for (name, template) in pairs { form.addField(name: name, value: try template.render(scope)) }
            rendered = .multipart(form)
        case nil:
            rendered = nil
        }
        return RenderedRequest(method: method, url: url, headers: fields, body: rendered)
    }

    /// Characters a value may keep inside a path segment; everything else is percent-encoded, `/` included.
    private static let pathValueAllowed = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:@!$&'()*+,;=")
    private static let queryAllowed = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encodePathValue(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: pathValueAllowed) ?? value
    }

    static func encodeQueryComponent(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? value
    }
}

/// What a target adds to every request: the URL prefix, headers, query parameters, Basic authentication.
struct RequestDefaults: Sendable {
    var baseURL: String?
    var headers: [(String, Template)] = []
    var query: [(String, Template)] = []
    var basicAuth: BasicAuth?
}

/// `basic_auth: { user, password }`: `Authorization: Basic base64(user:password)`.
struct BasicAuth: Sendable {
    var user: Template
    var password: Template

    func header(_ scope: VariableScope) throws(VariableError) -> String {
        Self.header(user: try user.render(scope), password: try password.render(scope))
    }

    static func header(user: String, password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
}

/// A request with its placeholders filled.
struct RenderedRequest: Sendable {
    var method: HTTPMethod
    var url: String
    var headers: HTTPHeaders
    var body: HTTPBody?
    /// The cookies added from the jars, each with the jar it came from (`login`, `conversation`).
    var cookies: [(name: String, from: String)] = []

    /// `POST http://host/path`, without the query and userinfo (which may carry credentials), for messages.
    var summary: String {
        var shown = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        if let userinfo = Self.userinfo(of: shown), let range = shown.range(of: userinfo + "@") {
            shown.removeSubrange(range)
        }
        return "\(method) \(shown)"
    }

    /// The `user:password` part of a URL, if it has one.
    static func userinfo(of url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        let authority = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return nil }
        return String(authority[..<at])
    }

    /// What was sent, without a single value: header names, cookie names and where they came
    /// from — for errors about a request the server refused for something missing.
    var sentDescription: String {
        let names = headers.map(\.name).filter { $0.caseInsensitiveCompare("Cookie") != .orderedSame }
        var text = names.isEmpty ? "no headers of its own" : "the headers " + names.joined(separator: ", ")
        if cookies.isEmpty {
            text += headers.contains("Cookie") ? " and a Cookie header" : " and no cookies"
        } else {
            text += " and the cookies " + cookies.map { "\($0.name) (from the \($0.from))" }.joined(separator: ", ")
        }
        return names.isEmpty && !headers.contains("Cookie") ? text : text + " (values not shown)"
    }
}
