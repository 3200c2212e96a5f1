import Logging
import ParleyDemoAgent

/// How a sandbox server listens, which agent it serves and how it behaves on the wire.
public struct SandboxConfiguration: Sendable {
    /// The address to listen on; only loopback addresses are accepted.
    public var host: String
    /// The port; 0 picks a free one (read it back from ``SandboxServer/port``).
    public var port: Int
    /// The agent behind every protocol.
    public var script: AgentScript
    /// Seed for the agent's choices among alternative wordings.
    public var seed: UInt64
    /// Wait before a reply's first chunk (Amigo), its first message (Amelia) or the response (AgentHuman).
    public var latency: Duration
    /// A random extra wait, between zero and this, added to `latency`.
    public var jitter: Duration
    /// Wait between streamed chunks (Amigo) or successive messages (Amelia).
    public var chunkDelay: Duration
    /// Words per Amigo `new-message` chunk.
    public var wordsPerChunk: Int
    /// Whether the documented rate limits are enforced.
    public var rateLimits: SandboxRateLimits
    /// What the protocols accept as valid credentials.
    public var credentials: SandboxCredentials
    /// How long an Amigo `id_token` stays valid.
    public var amigoTokenLifetime: Duration
    /// How long an Amelia token or session may stay idle before calls get 410 Gone.
    public var ameliaSessionLifetime: Duration
    /// Failures to inject on purpose (429, 503, dropped streams, malformed lines, slow answers).
    public var faults: [SandboxFault]
    /// The shape of AgentHuman's Send Message call (unpublished; the default is the documented one, docs/providers.md).
    public var agentHumanMessageRoute: AgentHumanMessageRoute
    /// Largest request body accepted, in bytes.
    public var maxBodySize: Int
    /// Where the server's own logging goes; `nil` discards it.
    public var logger: Logger?
    /// Keeps every request received, as it arrived (tests of what clients send); `nil` keeps none.
    public var requestLog: SandboxRequestLog?

    /// A configuration; every knob has a default, so name only what differs.
    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        script: AgentScript = .supportDesk,
        seed: UInt64 = 0,
        latency: Duration = .zero,
        jitter: Duration = .zero,
        chunkDelay: Duration = .zero,
        wordsPerChunk: Int = 4,
        rateLimits: SandboxRateLimits = .off,
        credentials: SandboxCredentials = .default,
        amigoTokenLifetime: Duration = .seconds(3600),
        ameliaSessionLifetime: Duration = .seconds(1800),
        faults: [SandboxFault] = [],
        agentHumanMessageRoute: AgentHumanMessageRoute = .default,
        maxBodySize: Int = 1 << 20,
        logger: Logger? = nil,
        requestLog: SandboxRequestLog? = nil
    ) {
        self.host = host
        self.port = port
        self.script = script
        self.seed = seed
        self.latency = latency
        self.jitter = jitter
        self.chunkDelay = chunkDelay
        self.wordsPerChunk = wordsPerChunk
        self.rateLimits = rateLimits
        self.credentials = credentials
        self.amigoTokenLifetime = amigoTokenLifetime
        self.ameliaSessionLifetime = ameliaSessionLifetime
        self.faults = faults
        self.agentHumanMessageRoute = agentHumanMessageRoute
        self.maxBodySize = maxBodySize
        self.logger = logger
        self.requestLog = requestLog
    }
}

/// Whether the sandbox enforces the providers' documented per-minute limits.
public enum SandboxRateLimits: Sendable, Hashable {
    /// Never refuse; the `X-RateLimit-*` headers still come, with a limit too high to matter.
    case off
    /// Enforce the documented limits multiplied by `scale` (0.1 for a tenth, 10 for ten times).
    case documented(scale: Double)

    /// The documented limits as they are.
    public static let documented = SandboxRateLimits.documented(scale: 1)

    /// The limit reported while limits are off.
    static let unlimited = 1_000_000

    /// The per-minute limit for an endpoint documented at `perMinute`.
    func limit(documented perMinute: Int) -> Int {
        switch self {
        case .off: Self.unlimited
        case .documented(let scale):
            // Clamped so that an absurd scale (infinite, NaN, enormous) cannot trap the conversion.
            (Double(perMinute) * scale).isFinite
                ? max(1, Int(min(Double(perMinute) * scale, Double(Self.unlimited)).rounded()))
                : Self.unlimited
        }
    }

    var enforced: Bool {
        if case .documented = self { true } else { false }
    }
}

/// The credentials each protocol accepts. None are secrets: they let examples reach the sandbox.
public struct SandboxCredentials: Sendable, Hashable {
    /// Amigo organization (the `{organization}` path segment).
    public var amigoOrganization: String
    /// Amigo `x-api-key`.
    public var amigoAPIKey: String
    /// Amigo `x-api-key-id`.
    public var amigoAPIKeyID: String
    /// Amigo `x-user-id` of the default user; any other 24-hex user id is accepted too, as another
    /// user of the organization (the one-open-conversation rule is per user).
    public var amigoUserID: String
    /// Amigo service id (24 lower-case hex characters).
    public var amigoServiceID: String
    /// Amelia login name.
    public var ameliaUsername: String
    /// Amelia password.
    public var ameliaPassword: String
    /// Amelia domain code for `conversations/new`.
    public var ameliaDomain: String
    /// AgentHuman `x-api-key` (`ah_live_…`).
    public var agentHumanAPIKey: String
    /// AgentHuman agent id.
    public var agentHumanAgentID: Int
    /// Bearer key of the OpenAI-compatible endpoint (`/openai/v1/chat/completions`).
    public var openAIAPIKey: String = "sk-parley-sandbox"
    /// Helpdesk `client_id` for `oauth/token`.
    public var helpdeskClientID: String = "parley-sandbox"
    /// Helpdesk `client_secret` for `oauth/token`.
    public var helpdeskClientSecret: String = "sandbox-helpdesk-secret"
    /// Helpdesk workspace (the `{workspace}` path segment of new conversations).
    public var helpdeskWorkspace: String = "juniper"
    /// Webchat Basic-authentication user.
    public var webchatUser: String = "parley"
    /// Webchat Basic-authentication password.
    public var webchatPassword: String = "sandbox-webchat-password"
    /// The `api-version` query parameter every webchat request must carry.
    public var webchatAPIVersion: String = "2024-05-01"

    /// Credentials from their parts; most callers want ``default``.
    public init(
        amigoOrganization: String, amigoAPIKey: String, amigoAPIKeyID: String, amigoUserID: String,
        amigoServiceID: String,
        ameliaUsername: String, ameliaPassword: String, ameliaDomain: String,
        agentHumanAPIKey: String, agentHumanAgentID: Int
    ) {
        self.amigoOrganization = amigoOrganization
        self.amigoAPIKey = amigoAPIKey
        self.amigoAPIKeyID = amigoAPIKeyID
        self.amigoUserID = amigoUserID
        self.amigoServiceID = amigoServiceID
        self.ameliaUsername = ameliaUsername
        self.ameliaPassword = ameliaPassword
        self.ameliaDomain = ameliaDomain
        self.agentHumanAPIKey = agentHumanAPIKey
        self.agentHumanAgentID = agentHumanAgentID
    }

    /// The credentials documented in `docs/sandbox.md` and used by `examples/parley.yaml`.
    public static let `default` = SandboxCredentials(
        amigoOrganization: "parley-sandbox",
        amigoAPIKey: "sandbox-amigo-api-key",
        amigoAPIKeyID: "sandbox-amigo-key-id",
        amigoUserID: "5a4db0c0ffee00000000a001",
        amigoServiceID: "5a4db0c0ffee00000000c0de",
        ameliaUsername: "sandbox@parley.local",
        ameliaPassword: "sandbox-password",
        ameliaDomain: "support",
        agentHumanAPIKey: "ah_live_parleysandbox00000000000000",
        agentHumanAgentID: 123
    )
}
