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
        return HTTPProvider(settings: settings, client: resources.http, webhooks: webhooks)
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

    /// The one rate-limit bucket of the target: agents limit per key, not per endpoint.
    static let endpoint = "requests"

    init(settings: HTTPTargetSettings, client: HTTPClient, webhooks: HTTPWebhookRoute? = nil) {
        self.settings = settings
        self.webhooks = webhooks
        let cookies = settings.cookies ? TargetCookies() : nil
        self.cookies = cookies
        let http = ProviderHTTP(
            client: client, service: "target `\(settings.name)`", verifyTLS: settings.verifyTLS,
            connectTimeout: settings.connectTimeout,
            limits: RateLimits(perMinute: settings.rateLimit.map { [Self.endpoint: $0] } ?? [:]))
        self.http = http
        self.login = settings.login.map {
            HTTPLoginSession(settings: settings, login: $0, http: http, cookies: cookies)
        }
    }

    var kind: String { "http" }
    var capabilities: ProviderCapabilities { settings.capabilities }

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

    /// A ready request for `rendered`, with the target's TLS and connect settings.
    func request(_ rendered: RenderedRequest, timeout: Duration) -> HTTPRequest {
        http.request(rendered.method, rendered.url, headers: rendered.headers, body: rendered.body, timeout: timeout)
    }
}
