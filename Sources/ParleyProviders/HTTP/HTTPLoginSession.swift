import Foundation
import ParleyFlow
import ParleyHTTP
import ParleyJSON
import ParleyRun

/// Logs in once for the whole target and shares what the login extracted (a token) with every
/// conversation; logs in again when a request answers one of `relogin_on`. Concurrent
/// conversations waiting for a login share it.
actor HTTPLoginSession {
    private let settings: HTTPTargetSettings
    private let login: HTTPTargetSettings.LoginOperation
    private let http: ProviderHTTP
    private let cookies: TargetCookies?
    private var current: (generation: Int, variables: [String: String])?
    private var pending: Task<[String: String], Error>?
    private var generation = 0
    /// Every value a login extracted: tokens, redacted from messages.
    private(set) var secrets: Set<String> = []

    init(
        settings: HTTPTargetSettings, login: HTTPTargetSettings.LoginOperation, http: ProviderHTTP,
        cookies: TargetCookies?
    ) {
        self.settings = settings
        self.login = login
        self.http = http
        self.cookies = cookies
    }

    /// What the current login extracted, logging in first if needed; with the login's generation,
    /// to hand back to ``invalidate(_:)`` when a request is refused.
    func variables() async throws(ProviderError) -> (generation: Int, variables: [String: String]) {
        if let current { return current }
        let task = pending ?? Task { try await self.logIn() }
        pending = task
        do {
            let variables = try await task.value
            if pending == task {
                pending = nil
                generation += 1
                current = (generation, variables)
            }
            return current ?? (generation, variables)
        } catch {
            if pending == task { pending = nil }
            throw (error as? ProviderError)
                ?? ProviderError(.authRefused, "target `\(settings.name)`: the login failed: \(error)")
        }
    }

    /// Forgets the login of `generation` (unless a newer one replaced it already).
    func invalidate(_ generation: Int) {
        if current?.generation == generation { current = nil }
    }

    private func logIn() async throws(ProviderError) -> [String: String] {
        let scope = VariableScope(
            persona: nil, scenario: nil, environment: settings.environment, locals: settings.constants)
        var rendered: RenderedRequest
        do {
            rendered = try login.request.render(settings.defaults, scope: scope)
        } catch {
            throw ProviderError(
                .configuration,
                "target `\(settings.name)`: \(error.reference) has no value for `login.request` (\(error.location))")
        }
        // A login again sends what the earlier logins set (a CSRF cookie, a device cookie).
        rendered.attachCookies(login: cookies?.snapshot, conversation: nil)
        let request = http.request(
            rendered.method, rendered.url, headers: rendered.headers, body: rendered.body, timeout: .seconds(30))
        let response = try await http.send(request, endpoint: HTTPProvider.endpoint, idempotent: true)
        cookies?.store(response.headers, from: rendered.url)
        let excerpt = ResponseExcerpt(secrets: settings.secrets.union(secrets))
        guard (200..<300).contains(response.status) else {
            if response.status == 429 {
                throw http.statusError(429, body: excerpt.redactedBytes(response.body), doing: "logging in")
            }
            // The whole answer, not one field of it: gateways put the reason in different places
            // (Amelia answers bad credentials with a 500 whose `message` says so).
            throw ProviderError(
                .authRefused,
                "target `\(settings.name)` refused the login (\(response.status)) to \(rendered.summary); "
                    + "check the credentials in `login.request`. It answered: \(excerpt.text(response.body)). "
                    + "Parley sent \(rendered.sentDescription)",
                status: response.status)
        }
        guard !login.extract.isEmpty else { return [:] }
        // An answer read only for its headers may have any body, or none.
        let json: JSONValue? =
            login.extract.contains(where: \.readsBody) ? try? JSONValue(parsing: response.body) : .null
        guard let json else {
            throw ProviderError(
                .authRefused,
                "target `\(settings.name)`: the login answer to \(rendered.summary) (\(response.status)) is not JSON, "
                    + "so `login.extract` cannot read it: \(excerpt.text(response.body))", status: response.status)
        }
        var variables: [String: String] = [:]
        for extraction in login.extract {
            guard let value = extraction.value(in: json, headers: response.headers) else {
                throw ProviderError(
                    .authRefused,
                    "target `\(settings.name)`: `login.extract.\(extraction.name)` (\(extraction.summary), "
                        + "\(extraction.location)) found nothing in the login answer to \(rendered.summary) "
                        + "(\(response.status)): "
                        + excerpt.text(response.body), status: response.status)
            }
            variables[extraction.name] = value
            if value.count >= 4 { secrets.insert(value) }
        }
        return variables
    }
}
