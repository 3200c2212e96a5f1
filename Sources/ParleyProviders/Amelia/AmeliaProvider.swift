import Foundation
import ParleyFlow
import ParleyJSON
import ParleyHTTP
import ParleyRun

public struct AmeliaProviderSpec: ProviderSpec {
    public let targetName: String
    public let settings: AmeliaSettings
    public var kind: String { "amelia" }
    public var capabilities: ProviderCapabilities { AmeliaProvider.capabilities }
    public var warnings: [String] {
        insecureWarnings(verifyTLS: settings.verifyTLS)
    }

    public init?(_ target: TargetConfig, values: ConfigValues) {
        guard let settings = AmeliaSettings(target, values: values) else { return nil }
        self.targetName = target.name
        self.settings = settings
    }

    public func makeProvider(resources: ProviderResources) async throws(ProviderError) -> any ConversationProvider {
        try await AmeliaProvider.make(settings: settings, target: targetName, resources: resources)
    }
}

/// `provider: amelia` — Amelia's REST gateway: log in, open a conversation, send, poll until
/// Amelia enables input again, close.
///
/// Each conversation logs in on its own and logs out when its flow run is over, so conversations
/// share nothing: an expired login (410) in one is repaired there without touching the others.
/// With `delivery: webhook`, Amelia POSTs the messages to the run's webhook receiver instead of
/// being polled for them.
public final class AmeliaProvider: ConversationProvider {
    /// Amelia greets first; a user-first flow waits for the greeting (and records it) before sending.
    public static let capabilities: ProviderCapabilities = [.agentFirst, .userFirst]
    public let settings: AmeliaSettings
    let http: ProviderHTTP
    /// Where Amelia delivers messages, with `delivery: webhook`.
    let webhooks: AmeliaWebhookRoute?
    /// The run's secrets: every session token is added as it is issued.
    let secrets: SecretRegistry

    /// A provider that polls (a `delivery: webhook` setting needs ``make(settings:target:resources:)``).
    public convenience init(settings: AmeliaSettings, client: HTTPClient, secrets: SecretRegistry = SecretRegistry()) {
        self.init(settings: settings, client: client, webhooks: nil, secrets: secrets)
    }

    /// A provider for `settings`, with the run's webhook receiver started when Amelia delivers by webhook.
    public static func make(settings: AmeliaSettings, target: String, resources: ProviderResources)
        async throws(ProviderError) -> AmeliaProvider
    {
        guard case .webhook(let webhook) = settings.delivery else {
            return AmeliaProvider(settings: settings, client: resources.http, webhooks: nil, secrets: resources.secrets)
        }
        let receiver = try await resources.webhookReceiver(webhook.receiver, for: target)
        return AmeliaProvider(
            settings: settings, client: resources.http,
            webhooks: AmeliaWebhookRoute(receiver: receiver, target: target),
            secrets: resources.secrets)
    }

    init(settings: AmeliaSettings, client: HTTPClient, webhooks: AmeliaWebhookRoute?, secrets: SecretRegistry) {
        self.settings = settings
        self.webhooks = webhooks
        self.secrets = secrets
        secrets.add(settings.password)
        // No rate limits are documented for Amelia's gateway.
        self.http = ProviderHTTP(
            client: client, service: "Amelia", verifyTLS: settings.verifyTLS, connectTimeout: settings.connectTimeout,
            replyLimit: settings.replyLimit)
    }

    public var kind: String { "amelia" }
    public var capabilities: ProviderCapabilities { Self.capabilities }
    public var replyLimit: ReplyLimit { settings.replyLimit }

    public func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
        AmeliaConversation(provider: self, turnTimeout: context.turnTimeout)
    }
}
