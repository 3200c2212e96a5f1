import Foundation
import ParleyCore
import ParleyHTTP

struct AmigoProviderSpec: ProviderSpec {
    let targetName: String
    let settings: AmigoSettings
    var kind: String { "amigo" }
    var capabilities: ProviderCapabilities { AmigoProvider.capabilities }
    var warnings: [String] {
        settings.verifyTLS ? [] : ["target `\(targetName)`: TLS certificate verification is OFF (insecure: true)"]
    }

    init?(_ target: TargetConfig, values: ConfigValues) {
        guard let settings = AmigoSettings(target, values: values) else { return nil }
        self.targetName = target.name
        self.settings = settings
    }

    func makeProvider(resources: ProviderResources) async throws(ProviderError) -> any ConversationProvider {
        AmigoProvider(settings: settings, client: resources.http)
    }
}

/// `provider: amigo` — Amigo's classic conversation API: NDJSON streams for create and interact,
/// recommend_responses, insights, tags, finish.
final class AmigoProvider: ConversationProvider {
    static let capabilities: ProviderCapabilities = [.agentFirst, .userFirst, .externalEvents, .recommend, .tags, .insights]
    let settings: AmigoSettings
    let http: ProviderHTTP
    let auth: AmigoAuth

    init(settings: AmigoSettings, client: HTTPClient) {
        self.settings = settings
        self.http = ProviderHTTP(client: client, service: "Amigo", verifyTLS: settings.verifyTLS, connectTimeout: settings.connectTimeout,
                                 limits: RateLimits(perMinute: settings.rateLimits))
        self.auth = AmigoAuth(settings: settings, http: http)
    }

    var kind: String { "amigo" }
    var capabilities: ProviderCapabilities { Self.capabilities }

    func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
        AmigoConversation(provider: self, turnTimeout: context.turnTimeout)
    }

    /// Sends an authenticated request; on a 401 signs in again once and repeats it.
    func authorized(_ build: @Sendable (String) -> HTTPRequest, endpoint: String, idempotent: Bool) async throws(ProviderError) -> HTTPResponse {
        var token = try await auth.token()
        var response = try await http.send(build(token), endpoint: endpoint, idempotent: idempotent)
        if response.status == 401 {
            await auth.invalidate(token)
            token = try await auth.token()
            response = try await http.send(build(token), endpoint: endpoint, idempotent: idempotent)
        }
        return response
    }

    /// Opens an authenticated stream; on a 401 signs in again once and repeats it.
    func authorizedStream(_ build: @Sendable (String) -> HTTPRequest, endpoint: String) async throws(ProviderError) -> HTTPStreamingResponse {
        var token = try await auth.token()
        var response = try await http.stream(build(token), endpoint: endpoint, idempotent: false)
        if response.status == 401 {
            _ = try? await response.collectBody()
            await auth.invalidate(token)
            token = try await auth.token()
            response = try await http.stream(build(token), endpoint: endpoint, idempotent: false)
        }
        return response
    }
}

/// Signs in with the API key and keeps the id token fresh: renewed shortly before `expires_at`
/// (five minutes early, as Amigo's SDKs do, or halfway for short-lived tokens) and after a 401.
actor AmigoAuth {
    private let settings: AmigoSettings
    private let http: ProviderHTTP
    private var current: (token: String, renewAt: Date)?
    private var pending: Task<(String, Date), Error>?

    init(settings: AmigoSettings, http: ProviderHTTP) {
        self.settings = settings
        self.http = http
    }

    func token() async throws(ProviderError) -> String {
        if let current, Date() < current.renewAt { return current.token }
        // Concurrent conversations share one sign-in.
        let task = pending ?? Task { try await self.signIn() }
        pending = task
        do {
            let (token, renewAt) = try await task.value
            current = (token, renewAt)
            pending = nil
            return token
        } catch {
            pending = nil
            throw (error as? ProviderError) ?? ProviderError(.protocolViolation, "Amigo sign-in failed: \(error)")
        }
    }

    func invalidate(_ token: String) {
        if current?.token == token { current = nil }
    }

    private func signIn() async throws(ProviderError) -> (String, Date) {
        var request = http.request(.post, settings.url("user/signin_with_api_key"), timeout: .seconds(30))
        request.headers.add(name: "x-api-key", value: settings.apiKey)
        request.headers.add(name: "x-api-key-id", value: settings.apiKeyID)
        request.headers.add(name: "x-user-id", value: settings.userID)
        let response = try await http.send(request, endpoint: "signin", idempotent: true)
        switch response.status {
        case 200..<300: break
        case 401, 403:
            throw ProviderError(.authRefused, "Amigo refused the API key for user \(settings.userID) (\(response.status)): "
                + (ProviderHTTP.errorText(response.body).isEmpty ? "check AMIGO_API_KEY, AMIGO_API_KEY_ID and AMIGO_USER_ID" : ProviderHTTP.errorText(response.body)),
                status: response.status)
        case 404:
            throw ProviderError(.authRefused, "Amigo does not know the organization `\(settings.organization)` (404)", status: 404)
        default:
            throw http.statusError(response.status, body: response.body, doing: "signing in")
        }
        let body = try http.json(response.body, doing: "signing in")
        guard let token = body["id_token"]?.string, !token.isEmpty else {
            throw ProviderError(.protocolViolation, "Amigo's sign-in answer has no `id_token`")
        }
        let expires = body["expires_at"]?.string.flatMap { try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0) }
            ?? body["expires_at"]?.string.flatMap { try? Date.ISO8601FormatStyle().parse($0) }
            ?? Date().addingTimeInterval(3600)
        let lifetime = expires.timeIntervalSinceNow
        let renewAt = expires.addingTimeInterval(-min(300, max(0, lifetime / 2)))
        return (token, renewAt)
    }
}
