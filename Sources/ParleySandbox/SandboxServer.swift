import Foundation
import ParleyWebhooks

/// A running sandbox: Amigo, Amelia, AgentHuman, OpenAI-compatible, helpdesk and webchat protocols on one
/// loopback port, backed by demo conversations.
///
/// ```swift
/// let server = try await SandboxServer.start(SandboxConfiguration())
/// // talk to server.baseURL …
/// await server.stop()
/// ```
public final class SandboxServer: Sendable {
    /// The configuration the server was started with.
    public let configuration: SandboxConfiguration
    /// The port the server listens on (the one picked when the configuration said 0).
    public let port: Int
    /// The rule-based judge model its OpenAI-compatible endpoint serves.
    public static let judgeModel = SandboxJudge.model
    /// The deterministic model that writes test suites for `parley generate`.
    public static let generatorModel = SandboxGenerator.model

    private let server: RunningServer
    private let counter: RequestCounter
    private let webhooks: AmeliaWebhookSender
    private let amigoStore: AmigoStore
    private let ameliaStore: AmeliaStore
    private let agentHumanStore: AgentHumanStore
    private let helpdeskStore: HelpdeskStore
    private let webchatStore: WebchatStore

    /// `http://127.0.0.1:PORT`, the base URL every protocol is served under.
    public var baseURL: String { server.baseURL }

    /// Starts a server and returns once it accepts connections.
    public static func start(_ configuration: SandboxConfiguration = SandboxConfiguration()) async throws
        -> SandboxServer
    {
        guard ["127.0.0.1", "::1", "localhost"].contains(configuration.host) || configuration.host.hasPrefix("127.")
        else {
            throw SandboxError.notLoopback(configuration.host)
        }
        guard (0...65535).contains(configuration.port) else { throw SandboxError.invalidPort(configuration.port) }

        let ids = IdentifierFactory()
        let counter = RequestCounter()
        let limiter = RateLimiter(policy: configuration.rateLimits)
        let timing = ReplyTiming(
            latency: configuration.latency, jitter: configuration.jitter, chunkDelay: configuration.chunkDelay)
        let amigoStore = AmigoStore()
        let ameliaStore = AmeliaStore(lifetime: max(0, configuration.ameliaSessionLifetime.seconds))
        let agentHumanStore = AgentHumanStore()
        let helpdeskStore = HelpdeskStore()
        let webchatStore = WebchatStore()
        let faults = FaultInjector(configuration.faults, seed: configuration.seed)
        let webhooks = AmeliaWebhookSender(faults: faults, counter: counter)
        let responder = SandboxResponder(
            amigo: AmigoAPI(
                configuration: configuration, store: amigoStore, ids: ids, limiter: limiter, counter: counter,
                timing: timing, faults: faults, agentID: ids.objectID(), stateMachineID: ids.objectID()),
            amelia: AmeliaAPI(
                configuration: configuration, store: ameliaStore, ids: ids, counter: counter, timing: timing,
                faults: faults, webhooks: webhooks),
            agentHuman: AgentHumanAPI(
                configuration: configuration, store: agentHumanStore, ids: ids, limiter: limiter,
                counter: counter, timing: timing, faults: faults),
            openAI: OpenAIAPI(configuration: configuration, ids: ids, counter: counter, timing: timing, faults: faults),
            helpdesk: HelpdeskAPI(
                configuration: configuration, store: helpdeskStore, ids: ids, counter: counter, timing: timing,
                faults: faults),
            webchat: WebchatAPI(
                configuration: configuration, store: webchatStore, ids: ids, counter: counter, timing: timing,
                faults: faults),
            counter: counter,
            maxBodySize: configuration.maxBodySize,
            requestLog: configuration.requestLog
        )

        let server: RunningServer
        do {
            server = try await RunningServer.start(
                responder, host: configuration.host, port: configuration.port, logger: configuration.logger)
        } catch {
            throw SandboxError.couldNotStart(error.reason)
        }
        return SandboxServer(
            configuration: configuration, server: server, counter: counter, webhooks: webhooks,
            amigoStore: amigoStore, ameliaStore: ameliaStore, agentHumanStore: agentHumanStore,
            helpdeskStore: helpdeskStore, webchatStore: webchatStore)
    }

    private init(
        configuration: SandboxConfiguration, server: RunningServer, counter: RequestCounter,
        webhooks: AmeliaWebhookSender, amigoStore: AmigoStore, ameliaStore: AmeliaStore,
        agentHumanStore: AgentHumanStore,
        helpdeskStore: HelpdeskStore, webchatStore: WebchatStore
    ) {
        self.configuration = configuration
        self.port = server.port
        self.server = server
        self.counter = counter
        self.webhooks = webhooks
        self.amigoStore = amigoStore
        self.ameliaStore = ameliaStore
        self.agentHumanStore = agentHumanStore
        self.helpdeskStore = helpdeskStore
        self.webchatStore = webchatStore
    }

    /// Stops accepting connections, lets replies in flight finish (up to five seconds), and returns when the server is
    /// down.
    public func stop() async {
        webhooks.stop()
        await server.stop()
    }

    /// Requests per endpoint and user messages per conversation so far.
    public var stats: SandboxStats {
        var messages: [String: Int] = [:]
        for box in amigoStore.all { messages[box.id] = box.state.withLock { $0.userMessagesReceived } }
        for box in ameliaStore.allSessions { messages[box.sessionID] = box.state.withLock { $0.userMessagesReceived } }
        for box in agentHumanStore.all { messages[String(box.id)] = box.state.withLock { $0.userMessagesReceived } }
        for box in helpdeskStore.all { messages[box.id] = box.state.withLock { $0.userMessagesReceived } }
        for box in webchatStore.all { messages[box.id] = box.state.withLock { $0.userMessages } }
        return SandboxStats(requests: counter.snapshot, userMessages: messages, webhooks: webhooks.stats)
    }

    /// Makes every Amigo `id_token` issued so far expire now, so clients must sign in again.
    public func expireAmigoTokens() {
        amigoStore.expireTokens()
    }

    /// Expires every Amelia token and its sessions: their next call gets 410 Gone.
    public func expireAmeliaSessions() {
        ameliaStore.expireAll()
    }

    /// Expires every helpdesk access token issued so far: their next call gets 401.
    public func expireHelpdeskTokens() {
        helpdeskStore.expireTokens()
    }

    /// Expires every webchat session cookie issued so far: their next call gets 401.
    public func expireWebchatSessions() {
        webchatStore.expireSessions()
    }
}

/// Why a sandbox could not start.
public enum SandboxError: Error, Sendable, CustomStringConvertible {
    /// The sandbox serves loopback only; it is a test fixture, not a service.
    case notLoopback(String)
    case invalidPort(Int)
    case couldNotStart(String)

    /// The reason, in a sentence.
    public var description: String {
        switch self {
        case .notLoopback(let host): "the sandbox listens on loopback addresses only, not \(host)"
        case .invalidPort(let port): "port \(port) is not between 0 and 65535"
        case .couldNotStart(let reason): "the sandbox could not start: \(reason)"
        }
    }
}
