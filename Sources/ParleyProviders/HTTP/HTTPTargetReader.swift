import ParleyFlow
import ParleyJSON
import ParleyHTTP
import ParleyRun

/// Reads a `provider: http` target into ``HTTPTargetSettings``, reporting every problem with its
/// location: unknown keys, wrong types, bad paths, and placeholders naming variables that have no
/// value where they are used.
///
/// Which variables a template may use depends on where it is: the login knows `variables:` only;
/// `start` also knows what the login extracted; `send` also knows what `start` extracted, and
/// `${message}`; a reply also knows what its own request extracted.
final class HTTPTargetReader {
    static let keys = [
        "provider", "base_url", "headers", "query", "basic_auth", "cookies", "variables", "login", "start", "send",
        "end", "webhook", "insecure", "connect_timeout", "rate_limit", ReplyLimit.settingKey,
    ]
    static let requestKeys = ["method", "path", "url", "headers", "query", "basic_auth", "json", "form", "multipart"]
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    static let conditionKeys = ["path", "event", "equals", "in", "exists", "matches", "any", "all"]
    /// Names a configuration cannot take for its own variables.
    static let reserved: Set<String> = ["message", "webhook_url", "webhook_secret"]

    let target: TargetConfig
    let values: ConfigValues
    var reader: NodeReader { values.reader }

    init(target: TargetConfig, values: ConfigValues) {
        self.target = target
        self.values = values
    }

    /// What a template may refer to where it is written.
    struct Scope {
        /// Variables that have a value there.
        var known: Set<String>
        /// Whether `${persona.…}` and `${scenario.…}` may be used (not in the shared login).
        var conversation: Bool
        /// Why a variable is unknown here, when the answer is "not yet" rather than "nowhere".
        var later: [String: String] = [:]
        /// Whether conditions may test server-sent event names (in an SSE stream's reply).
        var sseEvents = false
    }

    func read() -> HTTPTargetSettings? {
        let before = values.sink.diagnostics.count
        guard let map = values.mapping(target, keys: Self.keys) else { return nil }
        var baseURL: String?
        if let base = values.string(map, "base_url") {
            baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
            if let node = map["base_url"], !(base.hasPrefix("http://") || base.hasPrefix("https://")) {
                reader.error("`base_url` must start with http:// or https://, not `\(base)`", at: node.location)
            }
        }

        var constants: [String: String] = [:]
        if let node = map["variables"] {
            if let pairs = node.mapping {
                for pair in pairs {
                    guard let name = variableName(pair.key, for: "variables") else { continue }
                    if let value = values.resolve(
                        pair.value, for: "variables.\(name)", secret: ConfigValues.isSecretName(name))
                    {
                        constants[name] = value
                    }
                }
            } else {
                reader.mismatch(node, for: "variables", expected: "a mapping of names to values")
            }
        }
        var known = Set(constants.keys)

        // What every request gets: read with the login's scope, as the login gets them too.
        let targetQuery =
            templatePairs(
                map["query"], for: "query", scope: Scope(known: known, conversation: false), secretNames: true)
        let basicAuth = map["basic_auth"].flatMap {
            self.basicAuth($0, for: "basic_auth", scope: Scope(known: known, conversation: false))
        }
        let cookies = map.bool("cookies") ?? true

        var login: HTTPTargetSettings.LoginOperation?
        if let node = map["login"] {
            login = loginOperation(node, scope: Scope(known: known, conversation: false))
            known.formUnion(Self.declaredVariables(node))
        }

        // `${webhook_url}` (and `${webhook_secret}`) name each conversation's callback, once a reply arrives by
        // webhook.
        let usesWebhook = ["start", "send"].contains { map[$0]?["reply"]?["webhook"] != nil }
        var webhook: HTTPWebhookSettings?
        if let node = map["webhook"] {
            webhook = HTTPWebhookSettings(node, values: values)
            if !usesWebhook {
                reader.error(
                    "`webhook` configures the receiver of `reply: { webhook: … }`, which no `start` or `send` uses",
                    at: map.keyLocation("webhook") ?? node.location)
            }
        } else if usesWebhook {
            webhook = HTTPWebhookSettings()
        }
        // Known even when `webhook:` has a mistake of its own, so that one mistake is reported once.
        if usesWebhook || map.has("webhook") { known.insert("webhook_url") }
        if webhook?.secretHeader != nil || map["webhook"]?["secret"] != nil { known.insert("webhook_secret") }

        var start: HTTPTargetSettings.Operation?
        let startLater = Dictionary(
            uniqueKeysWithValues: ["message"].map { ($0, "`${message}` is known in `send` only") })
        if let node = map["start"] {
            start = operation(
                node, name: "start", keys: ["request", "extract", "reply"],
                scope: Scope(known: known, conversation: true, later: startLater))
            known.formUnion(Self.declaredVariables(node))
        }
        let afterStart = known

        var send: HTTPTargetSettings.Operation?
        if let node = map.require("send") {
            send = operation(
                node, name: "send", keys: ["request", "extract", "reply"],
                scope: Scope(known: known.union(["message"]), conversation: true))
            if send != nil, send?.reply == nil, let sendMap = node.mapping, !sendMap.isEmpty {
                reader.error(
                    "`send` needs `reply:` — `json:`, `stream:` or `poll:` — to say where the agent's answer is",
                    at: node.location)
                send = nil
            }
        }

        var end: HTTPTargetSettings.Operation?
        if let node = map["end"] {
            var later: [String: String] = ["message": "`${message}` is known in `send` only"]
            for name in map["send"].map(Self.declaredVariables) ?? [] where !afterStart.contains(name) {
                later[name] =
                    "`\(name)` is extracted by `send`, which may not have happened before `end`; give it a starting "
                    + "value under `variables:`"
            }
            end = operation(
                node, name: "end", keys: ["request"], scope: Scope(known: afterStart, conversation: true, later: later))
        }

        // Common headers go on every request that has values for all their variables, so they may
        // use any variable the target defines (a token header is left off the login itself).
        var everything = afterStart
        everything.formUnion(map["send"].map(Self.declaredVariables) ?? [])
        let headers =
            templatePairs(
                map["headers"], for: "headers", scope: Scope(known: everything, conversation: false),
                secretNames: true) ?? []

        for (what, request) in [
            ("login", login?.request), ("start", start?.request), ("send", send?.request), ("end", end?.request),
        ] {
            guard let request, case .path = request.target, baseURL == nil else { continue }
            reader.error(
                "`\(what).request` has a `path` but the target has no `base_url`; add `base_url:` or write a whole "
                    + "`url:`",
                at: request.location)
        }

        let verifyTLS = !(map.bool("insecure") ?? false)
        let connectTimeout = map.duration("connect_timeout") ?? .seconds(10)
        let rateLimit = map.double("rate_limit", in: 0.001...1_000_000)
        let replyLimit = ReplyLimitSetting.read(map, values: values)
        guard values.sink.diagnostics.count == before, let send, let targetQuery, let replyLimit else { return nil }
        var settings = HTTPTargetSettings(
            name: target.name, baseURL: baseURL, headers: headers, constants: constants, login: login, start: start,
            send: send,
            end: end, verifyTLS: verifyTLS, connectTimeout: connectTimeout, rateLimit: rateLimit,
            environment: values.environment,
            secrets: values.secrets)
        settings.query = targetQuery
        settings.basicAuth = basicAuth
        settings.cookies = cookies
        settings.webhook = webhook
        settings.replyLimit = replyLimit
        return settings
    }

    /// `basic_auth: { user, password }`; when both are known at load time, the encoded header is a secret too.
    func basicAuth(_ node: YAMLNode, for what: String, scope: Scope) -> BasicAuth? {
        guard let map = reader.mapping(node, for: "`\(what)`", keys: ["user", "password"]) else { return nil }
        let user = map.require("user").flatMap { template($0, for: "\(what).user", scope: scope) }
        let password = map.require("password").flatMap { template($0, for: "\(what).password", scope: scope) }
        guard let user, let password else { return nil }
        let environmentOnly = VariableScope(persona: nil, scenario: nil, environment: values.environment)
        if password.isConstant { values.noteSecret(password.raw) }
        if let plainUser = try? user.render(environmentOnly), let plainPassword = try? password.render(environmentOnly)
        {
            values.noteSecret(plainPassword)
            values.noteSecret(String(BasicAuth.header(user: plainUser, password: plainPassword).dropFirst(6)))
        }
        return BasicAuth(user: user, password: password)
    }

    // MARK: - Operations

    private func loginOperation(_ node: YAMLNode, scope: Scope) -> HTTPTargetSettings.LoginOperation? {
        guard let map = reader.mapping(node, for: "`login`", keys: ["request", "extract", "relogin_on"]) else {
            return nil
        }
        guard let requestNode = map.require("request"),
            let request = self.request(requestNode, for: "login.request", scope: scope)
        else { return nil }
        let extract = map["extract"].map { extractions($0, for: "login.extract") } ?? []
        var reloginOn: Set<Int> = [401]
        if let node = map["relogin_on"] {
            let items = node.asList
            var statuses: Set<Int> = []
            for item in items {
                if let status = reader.int(item, for: "relogin_on", in: 100...599) { statuses.insert(status) }
            }
            reloginOn = statuses
        }
        guard let extract else { return nil }
        return HTTPTargetSettings.LoginOperation(request: request, extract: extract, reloginOn: reloginOn)
    }

    private func operation(_ node: YAMLNode, name: String, keys: [String], scope: Scope) -> HTTPTargetSettings
        .Operation?
    {
        guard let map = reader.mapping(node, for: "`\(name)`", keys: keys) else { return nil }
        guard let requestNode = map.require("request") else { return nil }
        let request = self.request(requestNode, for: "\(name).request", scope: scope)
        let extract = map["extract"].map { extractions($0, for: "\(name).extract") } ?? []
        var replyScope = scope
        replyScope.known.formUnion(map["extract"].map(Self.extractedNames) ?? [])
        let reply = map["reply"].map { self.reply($0, for: "\(name).reply", scope: replyScope) }
        guard let request, let extract else { return nil }
        if let reply, reply == nil { return nil }
        return HTTPTargetSettings.Operation(name: name, request: request, extract: extract, reply: reply ?? nil)
    }

    // MARK: - Requests

    func request(_ node: YAMLNode, for what: String, scope: Scope) -> RequestTemplate? {
        guard let map = reader.mapping(node, for: "`\(what)`", keys: Self.requestKeys) else { return nil }
        var ok = true
        let target: RequestTemplate.Target?
        switch (map["path"], map["url"]) {
        case (let path?, nil):
            target = template(path, for: "\(what).path", scope: scope).map(RequestTemplate.Target.path)
        case (nil, let url?):
            target = template(url, for: "\(what).url", scope: scope).map(RequestTemplate.Target.url)
        case (.some, .some):
            reader.error(
                "`\(what)` takes `path` (appended to base_url) or `url`, not both",
                at: map.keyLocation("url") ?? node.location)
            target = nil
        case (nil, nil):
            reader.error("`\(what)` needs `path` (appended to base_url) or a whole `url`", at: node.location)
            target = nil
        }
        let headers = templatePairs(map["headers"], for: "\(what).headers", scope: scope, secretNames: true)
        let query = templatePairs(map["query"], for: "\(what).query", scope: scope, secretNames: true)
        let bodyKeys = ["json", "form", "multipart"].filter { map.has($0) }
        var body: RequestTemplate.Body?
        if bodyKeys.count > 1 {
            reader.error(
                "`\(what)` takes one body — `\(bodyKeys[0])` or `\(bodyKeys[1])`, not both",
                at: map.keyLocation(bodyKeys[1]) ?? node.location)
            ok = false
        } else if let key = bodyKeys.first, let value = map[key] {
            switch key {
            case "json":
                if let json = jsonTemplate(value, for: "\(what).json", scope: scope, key: nil) {
                    body = .json(json)
                } else {
                    ok = false
                }
            default:
                if let pairs = templatePairs(value, for: "\(what).\(key)", scope: scope, secretNames: true) {
                    body = key == "form" ? .form(pairs) : .multipart(pairs)
                } else {
                    ok = false
                }
            }
        }
        var method: HTTPMethod = body == nil ? .get : .post
        if let methodNode = map["method"], let text = reader.nonEmptyString(methodNode, for: "method") {
            let upper = text.uppercased()
            if Self.methods.contains(upper) {
                method = HTTPMethod(rawValue: upper)
            } else {
                reader.error(
                    "unknown method `\(text)`\(Suggestion.hint(for: upper, in: Self.methods)); use one of "
                        + "\(Self.methods.joined(separator: ", "))",
                    at: methodNode.location)
                ok = false
            }
        }
        var basicAuth: BasicAuth?
        if let authNode = map["basic_auth"] {
            basicAuth = self.basicAuth(authNode, for: "\(what).basic_auth", scope: scope)
            if basicAuth == nil { ok = false }
        }
        guard ok, let target, let headers, let query else { return nil }
        return RequestTemplate(
            method: method, target: target, headers: headers, query: query, body: body, basicAuth: basicAuth,
            location: node.location)
    }

    /// A JSON body: strings are templates; plain numbers, booleans and null keep their type.
    func jsonTemplate(_ node: YAMLNode, for what: String, scope: Scope, key: String?) -> JSONTemplate? {
        switch node.content {
        case .scalar(let scalar):
            if node.isNull { return .constant(.null) }
            if scalar.style == .plain, node.tag == nil {
                switch scalar.value {
                case "true", "True", "TRUE": return .constant(.bool(true))
                case "false", "False", "FALSE": return .constant(.bool(false))
                default:
                    // A plain scalar JSON reads as a number (`-1`, `0.5`, `2e3`, not `0x10` or `.5`), digit for digit.
                    if let number = JSONNumber(scalar.value) { return .constant(.number(number)) }
                }
            }
            guard let parsed = template(node, for: what, scope: scope) else { return nil }
            if let key, ConfigValues.isSecretName(key), parsed.isConstant { values.noteSecret(parsed.raw) }
            return .string(parsed)
        case .sequence(let items):
            var out: [JSONTemplate] = []
            var ok = true
            for (index, item) in items.enumerated() {
                if let value = jsonTemplate(item, for: "\(what)[\(index)]", scope: scope, key: key) {
                    out.append(value)
                } else {
                    ok = false
                }
            }
            return ok ? .array(out) : nil
        case .mapping(let pairs):
            var out: [(String, JSONTemplate)] = []
            var ok = true
            for pair in pairs {
                guard let name = reader.string(pair.key, for: "a key in `\(what)`") else {
                    ok = false
                    continue
                }
                if let value = jsonTemplate(pair.value, for: "\(what).\(name)", scope: scope, key: name) {
                    out.append((name, value))
                } else {
                    ok = false
                }
            }
            return ok ? .object(out) : nil
        }
    }

    /// A mapping of names to templated text (headers, query, form fields).
    func templatePairs(_ node: YAMLNode?, for what: String, scope: Scope, secretNames: Bool) -> [(String, Template)]? {
        guard let node else { return [] }
        guard let pairs = node.mapping else {
            reader.mismatch(node, for: what, expected: "a mapping of names to values")
            return nil
        }
        var out: [(String, Template)] = []
        var ok = true
        for pair in pairs {
            guard let name = reader.nonEmptyString(pair.key, for: "a name in `\(what)`") else {
                ok = false
                continue
            }
            guard let value = template(pair.value, for: "\(what).\(name)", scope: scope) else {
                ok = false
                continue
            }
            if secretNames, ConfigValues.isSecretName(name) {
                // A literal credential (`X-Api-Key: abc`) is as secret as one from the environment.
                for case .literal(let text) in value.segments where value.isConstant { values.noteSecret(text) }
            }
            out.append((name, value))
        }
        return ok ? out : nil
    }

    // MARK: - Templates

    /// Text with placeholders, each checked against what is known where it is written.
    func template(_ node: YAMLNode, for what: String, scope: Scope) -> Template? {
        guard node.scalar != nil, !node.isNull else {
            reader.mismatch(node, for: what, expected: "text")
            return nil
        }
        guard let parsed = reader.template(node, for: what) else { return nil }
        return check(parsed, for: what, scope: scope) ? parsed : nil
    }

    /// Reports placeholders that have no value where `template` is used.
    func check(_ template: Template, for what: String, scope: Scope) -> Bool {
        var ok = true
        for (reference, location) in template.references {
            switch reference {
            case .env(let name):
                if let value = values.environment[name] {
                    if value.count >= 6 { values.noteSecret(value) }
                } else {
                    reader.error(
                        "environment variable `\(name)` is not set (for `\(what)`; set it or add it to .env)",
                        at: location)
                    ok = false
                }
            case .case:
                reader.error(
                    "\(reference) cannot be used in `\(what)`: target settings see the persona and scenario, not a "
                        + "flow's `cases:` rows",
                    at: location)
                ok = false
            case .persona, .scenario:
                if !scope.conversation {
                    reader.error(
                        "\(reference) cannot be used in `\(what)`: it is shared by every conversation of the target, "
                            + "whatever the persona",
                        at: location)
                    ok = false
                }
            case .local(let name):
                guard !scope.known.contains(name) else { continue }
                if let why = scope.later[name] {
                    reader.error("\(reference) has no value in `\(what)`: \(why)", at: location)
                } else {
                    let known = scope.known.sorted()
                    let listed = known.isEmpty ? "none is defined here" : "known here: " + known.joined(separator: ", ")
                    reader.error(
                        "unknown variable \(reference) in `\(what)`\(Suggestion.hint(for: name, in: known)) "
                            + "(\(listed); "
                            + "variables come from `variables:` and `extract:`)", at: location)
                }
                ok = false
            }
        }
        return ok
    }

    // MARK: - Paths and conditions

    /// A JSONPath, its syntax errors pointing at the offending character.
    func path(_ node: YAMLNode, for what: String) -> JSONPath? {
        guard let text = reader.nonEmptyString(node, for: what) else { return nil }
        do {
            return try JSONPath(parsing: text)
        } catch {
            var location = node.location
            if let offset = reader.columnOffset(of: node, text: text) {
                location.column += offset + error.offset
            }
            reader.error("bad path `\(text)` in `\(what)`: \(error.message)", at: location)
            return nil
        }
    }

    /// `{ name: path, … }`.
    func extractions(_ node: YAMLNode, for what: String) -> [Extraction]? {
        guard let pairs = node.mapping else {
            reader.mismatch(
                node, for: what,
                expected: "a mapping of variable names to paths, such as { conversation_id: $.session.id }")
            return nil
        }
        var out: [Extraction] = []
        var ok = true
        for pair in pairs {
            guard let name = variableName(pair.key, for: what) else {
                ok = false
                continue
            }
            guard let extraction = extraction(pair.value, name: name, for: "\(what).\(name)") else {
                ok = false
                continue
            }
            out.append(extraction)
        }
        return ok ? out : nil
    }

    /// `$.path`, or `{ path: $.path | header: Name, matches: /regex/ }`.
    private func extraction(_ node: YAMLNode, name: String, for what: String) -> Extraction? {
        guard node.mapping != nil else {
            return path(node, for: what).map { Extraction(name: name, path: $0, location: node.location) }
        }
        guard let map = reader.mapping(node, for: "`\(what)`", keys: ["path", "header", "matches"]) else { return nil }
        let source: Extraction.Source?
        switch (map["path"], map["header"]) {
        case (let pathNode?, nil):
            source = path(pathNode, for: "\(what).path").map(Extraction.Source.path)
        case (nil, let headerNode?):
            source = reader.nonEmptyString(headerNode, for: "\(what).header").map(Extraction.Source.header)
        case (.some, .some):
            reader.error(
                "`\(what)` reads the body (`path`) or a header (`header`), not both",
                at: map.keyLocation("header") ?? node.location)
            return nil
        case (nil, nil):
            reader.error(
                "`\(what)` needs `path` (a place in the body) or `header` (a response header's name)", at: node.location
            )
            return nil
        }
        var pattern: RegexPattern?
        if let matchesNode = map["matches"] {
            guard let parsed = reader.regex(matchesNode, for: "\(what).matches") else { return nil }
            guard parsed.source.isConstant else {
                reader.error("`\(what).matches` cannot use placeholders", at: matchesNode.location)
                return nil
            }
            pattern = parsed
        }
        guard let source else { return nil }
        return Extraction(name: name, source: source, pattern: pattern, location: node.location)
    }

    /// A name for a variable: a letter or `_` first, then letters, digits, `_` or `-`; not a reserved one.
    private func variableName(_ node: YAMLNode, for what: String) -> String? {
        guard let name = reader.nonEmptyString(node, for: "a name in `\(what)`") else { return nil }
        guard let first = name.first, first.isLetter || first == "_",
            name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        else {
            reader.error(
                "`\(name)` cannot name a variable: use letters, digits, `_` and `-`, starting with a letter",
                at: node.location)
            return nil
        }
        if Self.reserved.contains(name) {
            let why =
                name == "message"
                ? "`${message}` is the user's message" : "Parley sets `${\(name)}` for replies that arrive by webhook"
            reader.error("`\(name)` is reserved (\(why)); choose another name", at: node.location)
            return nil
        }
        return name
    }

    /// `{path, equals|in|exists|matches}` or `{any|all: [...]}`.
    func condition(_ node: YAMLNode, for what: String, scope: Scope) -> ReplyCondition? {
        guard let map = reader.mapping(node, for: "`\(what)`", keys: Self.conditionKeys) else { return nil }
        if let eventNode = map["event"] {
            guard map.has("path") == false,
                !["equals", "in", "exists", "matches", "any", "all"].contains(where: map.has)
            else {
                reader.error(
                    "`event` stands alone in a condition; combine it with other tests using `any:` or `all:`",
                    at: map.keyLocation("event") ?? node.location)
                return nil
            }
            guard scope.sseEvents else {
                reader.error(
                    "`event` tests the name of a server-sent event, so it applies to a `stream` with `format: sse` "
                        + "only", at: map.keyLocation("event") ?? node.location)
                return nil
            }
            let items = eventNode.asList
            let names = items.map { template($0, for: "\(what).event", scope: scope) }
            guard !names.isEmpty, names.allSatisfy({ $0 != nil }) else { return nil }
            return .event(names.compactMap { $0 })
        }
        let combinators = ["any", "all"].filter { map.has($0) }
        let tests = ["equals", "in", "exists", "matches"].filter { map.has($0) }
        if let combinator = combinators.first, let value = map[combinator] {
            guard combinators.count == 1, tests.isEmpty, !map.has("path") else {
                reader.error(
                    "`\(combinator)` stands alone in a condition; put the other tests inside its list",
                    at: node.location)
                return nil
            }
            guard let items = value.sequence, !items.isEmpty else {
                reader.mismatch(value, for: "\(what).\(combinator)", expected: "a non-empty list of conditions")
                return nil
            }
            let parsed = items.enumerated().map { condition($1, for: "\(what).\(combinator)[\($0)]", scope: scope) }
            guard parsed.allSatisfy({ $0 != nil }) else { return nil }
            let conditions = parsed.compactMap { $0 }
            return combinator == "any" ? .any(conditions) : .all(conditions)
        }
        guard let pathNode = map.require("path") else { return nil }
        let path = self.path(pathNode, for: "\(what).path")
        guard tests.count == 1, let key = tests.first, let value = map[key] else {
            if tests.count > 1 {
                reader.error(
                    "a condition takes one test — `\(tests[0])` or `\(tests[1])`; "
                        + "combine tests with `any:` or `all:`",
                    at: map.keyLocation(tests[1]) ?? node.location)
            } else if map.has("path") {
                reader.error("`\(what)` needs a test: `equals`, `in`, `exists` or `matches`", at: node.location)
            }
            return nil
        }
        let test: ConditionTest?
        switch key {
        case "equals":
            test = template(value, for: "\(what).equals", scope: scope).map(ConditionTest.equals)
        case "in":
            if let items = value.sequence, !items.isEmpty {
                let parsed = items.map { template($0, for: "\(what).in[]", scope: scope) }
                test = parsed.allSatisfy { $0 != nil } ? .oneOf(parsed.compactMap { $0 }) : nil
            } else {
                reader.mismatch(value, for: "\(what).in", expected: "a non-empty list of values")
                test = nil
            }
        case "exists":
            test = reader.bool(value, for: "\(what).exists").map(ConditionTest.exists)
        default:
            if let pattern = reader.regex(value, for: "\(what).matches"),
                check(pattern.source, for: "\(what).matches", scope: scope)
            {
                test = .matches(pattern)
            } else {
                test = nil
            }
        }
        guard let path, let test else { return nil }
        return .test(path, test)
    }

    /// A condition, or a list of them any of which may hold (`skip:`).
    func conditionList(_ node: YAMLNode, for what: String, scope: Scope) -> [ReplyCondition]? {
        guard let items = node.sequence else { return condition(node, for: what, scope: scope).map { [$0] } }
        let parsed = items.enumerated().map { condition($1, for: "\(what)[\($0)]", scope: scope) }
        return parsed.allSatisfy { $0 != nil } ? parsed.compactMap { $0 } : nil
    }

    // MARK: - Replies

    static let replyModes = ["json", "stream", "poll", "webhook"]

    func reply(_ node: YAMLNode, for what: String, scope: Scope) -> ReplySpec? {
        guard let map = reader.mapping(node, for: "`\(what)`", keys: Self.replyModes) else { return nil }
        let modes = Self.replyModes.filter { map.has($0) }
        guard modes.count == 1, let mode = modes.first, let value = map[mode] else {
            if modes.count > 1 {
                reader.error(
                    "`\(what)` takes one of `json`, `stream`, `poll` or `webhook`, not both `\(modes[0])` and "
                        + "`\(modes[1])`",
                    at: map.keyLocation(modes[1]) ?? node.location)
            } else {
                reader.error("`\(what)` needs `json:`, `stream:`, `poll:` or `webhook:`", at: node.location)
            }
            return nil
        }
        let modeWhat = "\(what).\(mode)"
        switch mode {
        case "json":
            guard let m = reader.mapping(value, for: "`\(modeWhat)`", keys: ["text", "completed", "events", "actions"])
            else {
                return nil
            }
            let text = m.require("text").flatMap { textExtraction($0, for: "\(modeWhat).text") }
            let signals = self.signals(m, for: modeWhat, scope: scope)
            guard let text, let signals else { return nil }
            return .json(JSONReply(text: text, signals: signals))
        case "stream":
            guard
                let m = reader.mapping(
                    value, for: "`\(modeWhat)`",
                    keys: ["format", "text", "event_text", "done", "skip", "completed", "events", "actions"])
            else { return nil }
            var format = StreamReply.Format.ndjson
            var ok = true
            if let formatNode = m["format"], let name = reader.string(formatNode, for: "\(modeWhat).format") {
                if let parsed = StreamReply.Format(rawValue: name.lowercased()) {
                    format = parsed
                } else {
                    reader.error(
                        "`format` must be `ndjson` (one JSON object a line) or `sse` (server-sent events), not "
                            + "`\(name)`",
                        at: formatNode.location)
                    ok = false
                }
            }
            var eventText = StreamReply.EventText.piece
            if let node = m["event_text"], let name = reader.string(node, for: "\(modeWhat).event_text") {
                if let parsed = StreamReply.EventText(rawValue: name.lowercased()) {
                    eventText = parsed
                } else {
                    reader.error(
                        "`event_text` must be `piece` (each event adds to the text) or `message` (each event is a "
                            + "whole message), not `\(name)`", at: node.location)
                    ok = false
                }
            }
            var eventScope = scope
            eventScope.sseEvents = format == .sse
            let text = m.require("text").flatMap { textExtraction($0, for: "\(modeWhat).text") }
            let done = m["done"].map { condition($0, for: "\(modeWhat).done", scope: eventScope) }
            let skip = m["skip"].map { conditionList($0, for: "\(modeWhat).skip", scope: eventScope) } ?? []
            let signals = self.signals(m, for: modeWhat, scope: eventScope)
            guard ok, let text, let signals, let skip else { return nil }
            if let done, done == nil { return nil }
            return .stream(
                StreamReply(
                    format: format, text: text, eventText: eventText, done: done ?? nil, skip: skip, signals: signals))
        case "webhook":
            return webhookReply(value, for: modeWhat, scope: scope).map(ReplySpec.webhook)
        default:
            return poll(value, for: modeWhat, scope: scope).map(ReplySpec.poll)
        }
    }

    /// How messages are read from answers or deliveries: `messages`, `text`, `skip`, `until`,
    /// `completed`, `events` of an opened `poll:` or `webhook:` mapping.
    private func messageReading(_ m: MappingReader, for what: String, scope: Scope, defaultMessages: String)
        -> MessageReading?
    {
        let messages = m["messages"].map { path($0, for: "\(what).messages") } ?? JSONPath(root: defaultMessages)
        let text = m.require("text").flatMap { textExtraction($0, for: "\(what).text") }
        let skip = m["skip"].map { conditionList($0, for: "\(what).skip", scope: scope) } ?? []
        let until = m.require("until").flatMap { condition($0, for: "\(what).until", scope: scope) }
        let signals = self.signals(m, for: what, scope: scope)
        guard let messages, let text, let skip, let until, let signals else { return nil }
        return MessageReading(messages: messages, text: text, skip: skip, until: until, signals: signals)
    }

    static let messageReadingKeys = ["messages", "text", "skip", "until", "completed", "events", "actions"]

    private func webhookReply(_ node: YAMLNode, for what: String, scope: Scope) -> WebhookReply? {
        guard let m = reader.mapping(node, for: "`\(what)`", keys: Self.messageReadingKeys + ["id"]) else {
            return nil
        }
        let id = m["id"].map { path($0, for: "\(what).id") }
        let reading = messageReading(m, for: what, scope: scope, defaultMessages: "$")
        guard let reading else { return nil }
        if let id, id == nil { return nil }
        return WebhookReply(
            reading: reading, id: (id ?? nil).map { Extraction(name: "id", path: $0, location: node.location) })
    }

    private func poll(_ node: YAMLNode, for what: String, scope: Scope) -> PollReply? {
        let keys = ["request", "every", "max_every"] + Self.messageReadingKeys + ["extract"]
        guard let m = reader.mapping(node, for: "`\(what)`", keys: keys) else { return nil }
        let request = m.require("request").flatMap { self.request($0, for: "\(what).request", scope: scope) }
        let extract = m["extract"].map { extractions($0, for: "\(what).extract") } ?? []
        var conditionScope = scope
        conditionScope.known.formUnion(m["extract"].map(Self.extractedNames) ?? [])
        let every = m.duration("every") ?? .milliseconds(250)
        let maxEvery = m.duration("max_every") ?? max(every, .seconds(2))
        var ok = true
        if every <= .zero, let everyNode = m["every"] {
            reader.error("`every` must be longer than zero", at: everyNode.location)
            ok = false
        }
        if maxEvery < every, let maxNode = m["max_every"] {
            reader.error(
                "`max_every` (\(DurationText.format(maxEvery))) must not be shorter than `every` "
                    + "(\(DurationText.format(every)))",
                at: maxNode.location)
            ok = false
        }
        let reading = messageReading(m, for: what, scope: conditionScope, defaultMessages: "$[*]")
        guard ok, let request, let extract, let reading else { return nil }
        return PollReply(request: request, every: every, maxEvery: maxEvery, reading: reading, extract: extract)
    }

    private func textExtraction(_ node: YAMLNode, for what: String) -> Extraction? {
        path(node, for: what).map { Extraction(name: "text", path: $0, location: node.location) }
    }

    /// `completed:` and `events:` of a reply.
    private func signals(_ map: MappingReader, for what: String, scope: Scope) -> ReplySignals? {
        var signals = ReplySignals()
        var ok = true
        if let node = map["completed"] {
            if let condition = condition(node, for: "\(what).completed", scope: scope) {
                signals.completed = condition
            } else {
                ok = false
            }
        }
        if let node = map["events"] {
            if let pairs = node.mapping {
                for pair in pairs {
                    guard let name = reader.nonEmptyString(pair.key, for: "an event name in `\(what).events`") else {
                        ok = false
                        continue
                    }
                    if let condition = condition(pair.value, for: "\(what).events.\(name)", scope: scope) {
                        signals.events.append((name, condition))
                    } else {
                        ok = false
                    }
                }
            } else {
                reader.mismatch(node, for: "\(what).events", expected: "a mapping of event names to conditions")
                ok = false
            }
        }
        if let node = map["actions"] {
            if let spec = actionSpec(node, for: "\(what).actions") { signals.actions = spec } else { ok = false }
        }
        return ok ? signals : nil
    }

    /// `actions: { path, name, arguments, result }`: where a reply lists the agent's tool calls.
    private func actionSpec(_ node: YAMLNode, for what: String) -> ActionExtraction? {
        guard let m = reader.mapping(node, for: "`\(what)`", keys: ["path", "name", "arguments", "result"]) else {
            return nil
        }
        let list = m.require("path").flatMap { path($0, for: "\(what).path") }
        let name = m.require("name").flatMap { path($0, for: "\(what).name") }
        var ok = list != nil && name != nil
        var arguments: JSONPath?
        if let node = m["arguments"] {
            arguments = path(node, for: "\(what).arguments")
            if arguments == nil { ok = false }
        }
        var result: JSONPath?
        if let node = m["result"] {
            result = path(node, for: "\(what).result")
            if result == nil { ok = false }
        }
        guard ok, let list, let name else { return nil }
        return ActionExtraction(list: list, name: name, arguments: arguments, result: result)
    }

    /// The variables an operation (`login`, `start`, `send`) extracts — from its answer and from its
    /// polls — as written, whether or not they are valid, so that one mistake in an operation does
    /// not also make every later use of its variables an error.
    static func declaredVariables(_ operation: YAMLNode) -> Set<String> {
        var names = operation["extract"].map(extractedNames) ?? []
        if let poll = operation["reply"]?["poll"], let extract = poll["extract"] {
            names.formUnion(extractedNames(extract))
        }
        return names
    }

    /// The keys of an `extract:` mapping.
    static func extractedNames(_ extract: YAMLNode) -> Set<String> {
        Set(extract.mapping?.compactMap { $0.key.string } ?? [])
    }

}

extension JSONPath {
    /// A path written in the source code, known to parse.
    init(root text: String) {
        do {
            self = try JSONPath(parsing: text)
        } catch {
            preconditionFailure("built-in path `\(text)` does not parse: \(error.message)")
        }
    }
}
