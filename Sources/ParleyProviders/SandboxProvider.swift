import Foundation
import ParleyCore
import ParleyDemoAgent
import ParleySandbox

/// `provider: sandbox` — starts the sandbox server in this process on a free loopback port and
/// talks to it over real HTTP with a real protocol client: the embedded default target.
///
/// Settings: `protocol:` which client to use (`amigo`, the default), `agent:` an agent script,
/// `latency:`/`jitter:`/`chunk_delay:` to shape replies.
struct SandboxProviderSpec: ProviderSpec {
    let targetName: String
    let script: AgentScript
    let latency: Duration
    let jitter: Duration
    let chunkDelay: Duration
    var kind: String { "sandbox" }
    var capabilities: ProviderCapabilities { AmigoProvider.capabilities }

    static let keys = ["provider", "protocol", "agent", "latency", "jitter", "chunk_delay"]
    static let protocols = ["amigo"]
    /// Synthetic users, so as many conversations as you like can be open at once.
    static let userCount = 4096

    init?(_ target: TargetConfig, values: ConfigValues) {
        guard let map = values.mapping(target, keys: Self.keys) else { return nil }
        if let node = map["protocol"], let name = values.resolve(node, for: "protocol"), !Self.protocols.contains(name) {
            values.sink.error("`protocol` must be one of \(Self.protocols.joined(separator: ", ")), not `\(name)`\(Suggestion.hint(for: name, in: Self.protocols))",
                              at: node.location)
            return nil
        }
        targetName = target.name
        latency = map.duration("latency") ?? .zero
        jitter = map.duration("jitter") ?? .zero
        chunkDelay = map.duration("chunk_delay") ?? .zero
        if let node = map["agent"], let relative = values.resolve(node, for: "agent") {
            let base = (target.location.file as NSString).deletingLastPathComponent
            let path = relative.hasPrefix("/") || base.isEmpty ? relative : (base as NSString).appendingPathComponent(relative)
            guard let loaded = AgentScript.load(path: path, sink: values.sink) else { return nil }
            script = loaded
        } else {
            script = .supportDesk
        }
    }

    func makeProvider(resources: ProviderResources) async throws(ProviderError) -> any ConversationProvider {
        let configuration = SandboxConfiguration(script: script, latency: latency, jitter: jitter, chunkDelay: chunkDelay)
        let server = try await resources.embeddedSandbox(configuration)
        let credentials = configuration.credentials
        let settings = AmigoSettings(
            baseURL: server.baseURL, organization: credentials.amigoOrganization, apiKey: credentials.amigoAPIKey,
            apiKeyID: credentials.amigoAPIKeyID, userIDs: Self.syntheticUsers(first: credentials.amigoUserID),
            serviceID: credentials.amigoServiceID)
        return EmbeddedSandboxProvider(amigo: AmigoProvider(settings: settings, client: resources.http))
    }

    /// 24-hex user ids: the sandbox's documented user first, then made-up ones it also accepts.
    static func syntheticUsers(first: String) -> [String] {
        [first] + (1..<userCount).map { n in
            let hex = String(n, radix: 16)
            return "5a4db0c0ffee" + String(repeating: "0", count: 12 - hex.count) + hex
        }
    }
}

/// The Amigo client pointed at the in-process sandbox, reported as kind `sandbox`.
struct EmbeddedSandboxProvider: ConversationProvider {
    let amigo: AmigoProvider
    var kind: String { "sandbox" }
    var capabilities: ProviderCapabilities { amigo.capabilities }

    func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
        try await amigo.makeConversation(context)
    }
}
