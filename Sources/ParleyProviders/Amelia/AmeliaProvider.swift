import Foundation
import ParleyCore
import ParleyHTTP

struct AmeliaProviderSpec: ProviderSpec {
    let targetName: String
    let settings: AmeliaSettings
    var kind: String { "amelia" }
    var capabilities: ProviderCapabilities { AmeliaProvider.capabilities }
    var warnings: [String] {
        insecureWarnings(verifyTLS: settings.verifyTLS)
    }

    init?(_ target: TargetConfig, values: ConfigValues) {
        guard let settings = AmeliaSettings(target, values: values) else { return nil }
        self.targetName = target.name
        self.settings = settings
    }

    func makeProvider(resources: ProviderResources) async throws(ProviderError) -> any ConversationProvider {
        AmeliaProvider(settings: settings, client: resources.http)
    }
}

/// `provider: amelia` — Amelia's REST gateway: log in, open a conversation, send, poll until
/// Amelia enables input again, close.
///
/// Each conversation logs in on its own and logs out when its flow run is over, so conversations
/// share nothing: an expired login (410) in one is repaired there without touching the others.
final class AmeliaProvider: ConversationProvider {
    /// Amelia greets first; a user-first flow waits for the greeting (and records it) before sending.
    static let capabilities: ProviderCapabilities = [.agentFirst, .userFirst]
    let settings: AmeliaSettings
    let http: ProviderHTTP

    init(settings: AmeliaSettings, client: HTTPClient) {
        self.settings = settings
        // No rate limits are documented for Amelia's gateway.
        self.http = ProviderHTTP(client: client, service: "Amelia", verifyTLS: settings.verifyTLS, connectTimeout: settings.connectTimeout)
    }

    var kind: String { "amelia" }
    var capabilities: ProviderCapabilities { Self.capabilities }

    func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
        AmeliaConversation(provider: self, turnTimeout: context.turnTimeout)
    }
}
