import Foundation
import ParleyDemoAgent
import ParleyFlow
import ParleyProviders
import ParleyRun
import ParleySandbox

/// `provider: sandbox` — starts the sandbox server in this process on a free loopback port and
/// talks to it over real HTTP with a real protocol client: the embedded default target.
///
/// Settings: `protocol:` which client to use (`amigo`, the default; `amelia`; `agenthuman`), `agent:`
/// an agent script, `latency:`/`jitter:`/`chunk_delay:` to shape replies, and for `amelia`
/// `delivery: webhook` (messages POSTed to a receiver on a free loopback port instead of polled).
/// What the target can do is what the chosen protocol can do: an `agenthuman` sandbox cannot let
/// the agent speak first.
struct SandboxProviderSpec: ProviderSpec {
    /// The protocol client the embedded sandbox is reached with.
    enum WireProtocol: String, CaseIterable, Sendable {
        case amigo, amelia, agenthuman
    }

    let targetName: String
    let wire: WireProtocol
    let script: AgentScript
    let latency: Duration
    let jitter: Duration
    let chunkDelay: Duration
    /// Amelia's delivery mode.
    let ameliaDelivery: AmeliaSettings.Delivery
    var kind: String { "sandbox" }
    var capabilities: ProviderCapabilities {
        switch wire {
        case .amigo: AmigoProvider.capabilities
        case .amelia: AmeliaProvider.capabilities
        case .agenthuman: AgentHumanProvider.capabilities
        }
    }

    static let keys = ["provider", "protocol", "agent", "latency", "jitter", "chunk_delay", "delivery"]
    static let protocols = WireProtocol.allCases.map(\.rawValue)
    /// Synthetic users, so as many conversations as you like can be open at once.
    static let userCount = 4096

    init?(_ target: TargetConfig, values: ConfigValues) {
        guard let map = values.mapping(target, keys: Self.keys) else { return nil }
        var wire = WireProtocol.amigo
        if let node = map["protocol"], let name = values.resolve(node, for: "protocol") {
            guard let chosen = WireProtocol(rawValue: name) else {
                values.sink.error(
                    "`protocol` must be one of \(Self.protocols.joined(separator: ", ")), not "
                        + "`\(name)`\(Suggestion.hint(for: name, in: Self.protocols))",
                    at: node.location)
                return nil
            }
            wire = chosen
        }
        self.wire = wire
        var delivery = AmeliaSettings.Delivery.polling
        if let node = map["delivery"], let mode = values.resolve(node, for: "delivery") {
            switch (mode.lowercased(), wire) {
            case ("polling", .amelia): break
            case ("webhook", .amelia): delivery = .webhook(AmeliaWebhookSettings())
            case (_, .amelia):
                values.sink.error("`delivery` must be `polling` or `webhook`, not `\(mode)`", at: node.location)
                return nil
            default:
                values.sink.error(
                    "`delivery` applies to `protocol: amelia` only, not `\(wire.rawValue)`",
                    at: map.keyLocation("delivery") ?? node.location)
                return nil
            }
        }
        ameliaDelivery = delivery
        targetName = target.name
        latency = map.duration("latency") ?? .zero
        jitter = map.duration("jitter") ?? .zero
        chunkDelay = map.duration("chunk_delay") ?? .zero
        guard let script = AgentScript.configured(map, target: target, values: values) else { return nil }
        self.script = script
    }

    func makeProvider(resources: ProviderResources) async throws(ProviderError) -> any ConversationProvider {
        let configuration = SandboxConfiguration(
            script: script, latency: latency, jitter: jitter, chunkDelay: chunkDelay)
        let server = try await resources.embeddedSandbox(configuration)
        let credentials = configuration.credentials
        let client: any ConversationProvider
        switch wire {
        case .amigo:
            let settings = AmigoSettings(
                baseURL: server.baseURL, organization: credentials.amigoOrganization, apiKey: credentials.amigoAPIKey,
                apiKeyID: credentials.amigoAPIKeyID, userIDs: Self.syntheticUsers(first: credentials.amigoUserID),
                serviceID: credentials.amigoServiceID)
            client = AmigoProvider(settings: settings, client: resources.http, secrets: resources.secrets)
        case .amelia:
            let settings = AmeliaSettings(
                baseURL: server.baseURL, domain: credentials.ameliaDomain,
                username: credentials.ameliaUsername, password: credentials.ameliaPassword, delivery: ameliaDelivery)
            client = try await AmeliaProvider.make(settings: settings, target: targetName, resources: resources)
        case .agenthuman:
            // The in-process sandbox enforces no limits, so the client keeps none either.
            let settings = AgentHumanSettings(
                baseURL: server.baseURL, apiKey: credentials.agentHumanAPIKey,
                agentID: credentials.agentHumanAgentID, rateLimits: [:])
            client = AgentHumanProvider(settings: settings, client: resources.http, secrets: resources.secrets)
        }
        return EmbeddedSandboxProvider(client: client)
    }

    /// 24-hex user ids: the sandbox's documented user first, then made-up ones it also accepts.
    static func syntheticUsers(first: String) -> [String] {
        [first]
            + (1..<userCount).map { n in
                let hex = String(n, radix: 16)
                return "5a4db0c0ffee" + String(repeating: "0", count: 12 - hex.count) + hex
            }
    }
}

/// A protocol client pointed at the in-process sandbox, reported as kind `sandbox`.
struct EmbeddedSandboxProvider: ConversationProvider {
    let client: any ConversationProvider
    var kind: String { "sandbox" }
    var capabilities: ProviderCapabilities { client.capabilities }

    func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
        try await client.makeConversation(context)
    }
}

extension ProviderResources {
    /// The in-process sandbox server, started on first use and shared by every target and simulator
    /// of the run that needs it (the first configuration given wins); stopped when the run ends.
    func embeddedSandbox(_ configuration: SandboxConfiguration) async throws(ProviderError) -> SandboxServer {
        try await shared("embedded-sandbox") { () async throws(ProviderError) -> SandboxServer in
            let server: SandboxServer
            do {
                server = try await SandboxServer.start(configuration)
            } catch {
                throw ProviderError(.unreachable, "could not start the built-in sandbox: \(error)")
            }
            self.onShutdown { await server.stop() }
            return server
        }
    }
}
