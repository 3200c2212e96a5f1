import Foundation
import ParleyFlow
import ParleyHTTP
import ParleyJSON
import ParleyRun

public struct AgentHumanProviderSpec: ProviderSpec {
    public let targetName: String
    public let settings: AgentHumanSettings
    public var kind: String { "agenthuman" }
    public var capabilities: ProviderCapabilities { AgentHumanProvider.capabilities }
    public var warnings: [String] {
        insecureWarnings(verifyTLS: settings.verifyTLS)
    }

    public init?(_ target: TargetConfig, values: ConfigValues) {
        guard let settings = AgentHumanSettings(target, values: values) else { return nil }
        self.targetName = target.name
        self.settings = settings
    }

    public func makeProvider(resources: ProviderResources) async throws(ProviderError) -> any ConversationProvider {
        AgentHumanProvider(settings: settings, client: resources.http, secrets: resources.secrets)
    }
}

/// `provider: agenthuman` — AgentHuman's session API: create a session, send messages (one HTTP
/// answer holds the agent's complete reply), end the session with its duration and transcript.
public final class AgentHumanProvider: ConversationProvider {
    /// A session starts silent and the agent answers messages, so only user-first flows can run.
    public static let capabilities: ProviderCapabilities = [.userFirst]
    public let settings: AgentHumanSettings
    let http: ProviderHTTP

    public init(settings: AgentHumanSettings, client: HTTPClient, secrets: SecretRegistry = SecretRegistry()) {
        self.settings = settings
        self.http = ProviderHTTP(
            client: client, service: "AgentHuman", verifyTLS: settings.verifyTLS,
            connectTimeout: settings.connectTimeout,
            limits: RateLimits(perMinute: settings.rateLimits), replyLimit: settings.replyLimit)
        secrets.add(settings.apiKey)
    }

    public var kind: String { "agenthuman" }
    public var capabilities: ProviderCapabilities { Self.capabilities }
    public var replyLimit: ReplyLimit { settings.replyLimit }

    public func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
        AgentHumanConversation(provider: self, turnTimeout: context.turnTimeout)
    }

    /// A request carrying the API key; every call draws from the one per-key rate-limit budget.
    public func request(_ method: HTTPMethod, _ url: String, body: JSONValue?, timeout: Duration) -> HTTPRequest {
        var request = http.request(
            method, url, headers: ["Accept": "application/json"], body: body.map { .json($0.bytes) }, timeout: timeout)
        request.headers.add(name: "x-api-key", value: settings.apiKey)
        return request
    }

    /// Sends a request with the API's shared rate limit.
    public func send(_ request: HTTPRequest, idempotent: Bool) async throws(ProviderError) -> HTTPResponse {
        try await http.send(request, endpoint: AgentHumanSettings.rateLimitBucket, idempotent: idempotent)
    }

    /// The body of a successful answer, after checking its `{"success": …}` envelope: a 2xx that
    /// still says `success: false` is an error too.
    public func successBody(_ response: HTTPResponse, doing what: String) throws(ProviderError) -> JSONValue {
        guard (200..<300).contains(response.status) else { throw failure(response, doing: what) }
        let json = try http.json(response.body, doing: what)
        if json["success"]?.bool == false {
            let said = json["error"]?.scalarText ?? json["message"]?.scalarText ?? "no reason given"
            throw ProviderError(
                .server, "AgentHuman reported a failure while \(what): \(said)", status: response.status)
        }
        return json
    }

    /// An error answer (`{"success": false, "error": …}`) in words a user can act on.
    public func failure(_ response: HTTPResponse, doing what: String) -> ProviderError {
        let said = ProviderHTTP.errorText(response.body)
        switch response.status {
        case 401, 403:
            return ProviderError(
                .authRefused,
                "AgentHuman refused the API key while \(what) (\(response.status))"
                    + (said.isEmpty ? "" : ": \(said)") + " — check `api_key` (or AGENTHUMAN_API_KEY)",
                status: response.status)
        default:
            return http.statusError(response.status, body: response.body, doing: what)
        }
    }
}
