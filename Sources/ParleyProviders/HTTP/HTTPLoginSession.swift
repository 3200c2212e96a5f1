import Foundation
import ParleyFlow
import ParleyHTTP
import ParleyJSON
import ParleyRun

/// Logs in once for the whole target and shares what the login extracted (a token) with every
/// conversation; logs in again when a request answers one of `relogin_on`. Concurrent
/// conversations waiting for a login share it, each only as long as its own deadline allows; a
/// login nobody waits for any more is cancelled. Every value a login extracts is a secret of the
/// run from the moment it arrives.
actor HTTPLoginSession {
    private typealias Outcome = Result<[String: String], ProviderError>

    private let settings: HTTPTargetSettings
    private let login: HTTPTargetSettings.LoginOperation
    private let http: ProviderHTTP
    private let cookies: TargetCookies?
    private let secrets: SecretRegistry
    private var current: (generation: Int, variables: [String: String])?
    private var pending: (task: Task<Outcome, Never>, waiters: Int)?
    private var generation = 0

    init(
        settings: HTTPTargetSettings, login: HTTPTargetSettings.LoginOperation, http: ProviderHTTP,
        cookies: TargetCookies?, secrets: SecretRegistry
    ) {
        self.settings = settings
        self.login = login
        self.http = http
        self.cookies = cookies
        self.secrets = secrets
    }

    /// What the current login extracted, logging in first if needed; with the login's generation,
    /// to hand back to ``invalidate(_:)`` when a request is refused.
    func variables() async throws(ProviderError) -> (generation: Int, variables: [String: String]) {
        if let current { return current }
        let task: Task<Outcome, Never>
        if let shared = pending {
            task = shared.task
            pending?.waiters += 1
        } else {
            task = Task(executorPreference: FlowLoop.current?.executor) {
                await CallDeadline.unbound { () async -> Outcome in
                    do throws(ProviderError) {
                        return .success(try await self.logIn())
                    } catch {
                        return .failure(error)
                    }
                }
            }
            pending = (task, 1)
        }
        let outcome = await Waiting.value(of: task)
        var finished = false
        if let shared = pending, shared.task == task {
            if outcome != nil {
                pending = nil
                finished = true
            } else if shared.waiters <= 1 {
                task.cancel()
                pending = nil
            } else {
                pending?.waiters -= 1
            }
        }
        switch outcome {
        case nil:
            throw ProviderError(.cancelled, "cancelled while logging in to target `\(settings.name)`")
        case .failure(let error)?:
            throw error
        case .success(let variables)?:
            if finished {
                generation += 1
                current = (generation, variables)
            }
            return current ?? (generation, variables)
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
        rendered.noteCredentials(in: secrets)
        let request = http.request(
            rendered.method, rendered.url, headers: rendered.headers, body: rendered.body, timeout: .seconds(30))
        let response = try await http.send(request, endpoint: HTTPProvider.endpoint, idempotent: true)
        cookies?.store(response.headers, from: rendered.url)
        // The login's cookies are credentials too: a session cookie is as good as a token.
        secrets.add((cookies?.snapshot.cookies ?? []).map(\.value))
        // What the login extracts is a secret before anything can show it, the login's own errors included.
        if !login.extract.isEmpty {
            let json = (try? JSONValue(parsing: response.body)) ?? .null
            secrets.add(login.extract.compactMap { $0.value(in: json, headers: response.headers) })
        }
        let excerpt = ResponseExcerpt(redactor: secrets.redactor)
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
        }
        return variables
    }
}
