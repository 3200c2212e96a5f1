import Foundation
import ParleyFlow
import ParleyJSON
import ParleyHTTP
import ParleyRun

public struct HTTPProviderSpec: ProviderSpec {
    public let targetName: String
    let settings: HTTPTargetSettings
    public var kind: String { "http" }
    public var capabilities: ProviderCapabilities { settings.capabilities }
    public var warnings: [String] {
        insecureWarnings(verifyTLS: settings.verifyTLS)
    }

    public init?(_ target: TargetConfig, values: ConfigValues) {
        guard let settings = HTTPTargetReader(target: target, values: values).read() else { return nil }
        self.targetName = target.name
        self.settings = settings
    }

    public func makeProvider(resources: ProviderResources) async throws(ProviderError) -> any ConversationProvider {
        var webhooks: HTTPWebhookRoute?
        if let webhook = settings.webhook {
            let receiver = try await resources.webhookReceiver(webhook.receiver, for: targetName)
            webhooks = HTTPWebhookRoute(receiver: receiver, target: targetName, settings: webhook)
        }
        return HTTPProvider(settings: settings, client: resources.http, webhooks: webhooks, secrets: resources.secrets)
    }
}

/// `provider: http` — an agent nobody wrote an adapter for, its protocol described in parley.yaml:
/// an optional login, a request that starts a conversation, one that sends a message, and where
/// the reply comes from (the response body, a stream, polling, or webhook deliveries). See
/// docs/http-provider.md.
final class HTTPProvider: ConversationProvider {
    let settings: HTTPTargetSettings
    let http: ProviderHTTP
    let login: HTTPLoginSession?
    /// The login's cookies, shared by every conversation (`nil` with `cookies: false`).
    let cookies: TargetCookies?
    /// Where replies are delivered, when a reply arrives by webhook.
    let webhooks: HTTPWebhookRoute?
    /// The run's secrets: the target's credentials, what its login extracts, values extracted into
    /// variables named like credentials, and credentials its requests carry (headers, cookies).
    let secrets: SecretRegistry

    /// The one rate-limit bucket of the target: agents limit per key, not per endpoint.
    static let endpoint = "requests"

    init(
        settings: HTTPTargetSettings, client: HTTPClient, webhooks: HTTPWebhookRoute? = nil,
        secrets: SecretRegistry = SecretRegistry()
    ) {
        self.settings = settings
        self.webhooks = webhooks
        self.secrets = secrets
        secrets.add(settings.secrets)
        let cookies = settings.cookies ? TargetCookies() : nil
        self.cookies = cookies
        let http = ProviderHTTP(
            client: client, service: "target `\(settings.name)`", verifyTLS: settings.verifyTLS,
            connectTimeout: settings.connectTimeout,
            limits: RateLimits(perMinute: settings.rateLimit.map { [Self.endpoint: $0] } ?? [:]),
            replyLimit: settings.replyLimit)
        self.http = http
        self.login = settings.login.map {
            HTTPLoginSession(settings: settings, login: $0, http: http, cookies: cookies, secrets: secrets)
        }
    }

    var kind: String { "http" }
    var capabilities: ProviderCapabilities { settings.capabilities }
    var replyLimit: ReplyLimit { settings.replyLimit }

    /// Keeps an extracted value: a secret from now on when its name is a credential's.
    func noteExtracted(_ name: String, _ value: String) {
        if ConfigValues.isSecretName(name) { secrets.add(value) }
    }

    func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
        HTTPConversation(provider: self, context: context)
    }

    /// The variables templates see: the target's constants, then `extra`, for a conversation's persona and scenario.
    func scope(_ variables: [String: String], context: ConversationContext?) -> VariableScope {
        VariableScope(
            persona: context?.persona, scenario: context?.scenario, environment: settings.environment, locals: variables
        )
    }

    /// Fills a request's placeholders; a placeholder without a value is a configuration problem.
    func render(_ template: RequestTemplate, what: String, scope: VariableScope) throws(ProviderError)
        -> RenderedRequest
    {
        do {
            return try template.render(settings.defaults, scope: scope)
        } catch {
            throw ProviderError(
                .configuration,
                "target `\(settings.name)`: \(error.reference) has no value for `\(what)` (\(error.location))")
        }
    }

    /// A ready request for `rendered`, with the target's TLS and connect settings. The credentials
    /// it carries (its headers and cookies as they will be sent) become secrets first.
    func request(_ rendered: RenderedRequest, timeout: Duration) -> HTTPRequest {
        rendered.noteCredentials(in: secrets)
        return http.request(
            rendered.method, rendered.url, headers: rendered.headers, body: rendered.body, timeout: timeout)
    }
}

extension RenderedRequest {
    /// Credentials a request carries once rendered are secrets: values of headers named like
    /// credentials (`Authorization`, `Cookie`, `X-Api-Key`…) and the token after their scheme, a
    /// Basic credential's password, and the userinfo of a URL.
    func noteCredentials(in secrets: SecretRegistry) {
        for (name, value) in headers where ConfigValues.isSecretName(name) {
            secrets.add(value)
            let parts = value.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            secrets.add(parts[1])
            if parts[0].lowercased() == "basic", let decoded = Data(base64Encoded: parts[1]),
                let credential = String(data: decoded, encoding: .utf8), let colon = credential.firstIndex(of: ":")
            {
                secrets.addBasicCredential(
                    user: String(credential[..<colon]), password: String(credential[credential.index(after: colon)...]))
            }
        }
        if let userinfo = Self.userinfo(of: url) {
            let parts = userinfo.split(separator: ":", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                let user = parts[0].removingPercentEncoding ?? parts[0]
                let password = parts[1].removingPercentEncoding ?? parts[1]
                secrets.addBasicCredential(user: user, password: password)
                secrets.add(parts[1])
            }
        }
    }
}
