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
        AmeliaProvider(settings: settings, client: resources.http, secrets: resources.secrets)
    }
}

/// `provider: amelia` — Amelia's REST gateway: log in, open a conversation, send, poll until
/// Amelia enables input again, close.
///
/// Each conversation logs in on its own and logs out when its flow run is over, so conversations
/// share nothing: an expired login (410) in one is repaired there without touching the others.
public final class AmeliaProvider: ConversationProvider {
    /// Amelia greets first; a user-first flow waits for the greeting (and records it) before sending.
    public static let capabilities: ProviderCapabilities = [.agentFirst, .userFirst]
    public let settings: AmeliaSettings
    let http: ProviderHTTP
    /// The run's secrets: every session token is added as it is issued.
    let secrets: SecretRegistry

    public init(settings: AmeliaSettings, client: HTTPClient, secrets: SecretRegistry = SecretRegistry()) {
        self.settings = settings
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
