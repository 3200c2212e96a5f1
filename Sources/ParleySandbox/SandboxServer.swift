import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A running sandbox: Amigo, Amelia, AgentHuman, OpenAI-compatible and helpdesk protocols on one loopback port, backed
/// by demo conversations.
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

    private let serviceGroup: ServiceGroup
    private let runTask: Task<Void, Never>
    private let counter: RequestCounter
    private let amigoStore: AmigoStore
    private let ameliaStore: AmeliaStore
    private let agentHumanStore: AgentHumanStore
    private let helpdeskStore: HelpdeskStore

    /// `http://127.0.0.1:PORT`, the base URL every protocol is served under.
    public var baseURL: String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(port)"
    }

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
        let faults = FaultInjector(configuration.faults, seed: configuration.seed)
        let responder = SandboxResponder(
            amigo: AmigoAPI(
                configuration: configuration, store: amigoStore, ids: ids, limiter: limiter, counter: counter,
                timing: timing, faults: faults, agentID: ids.objectID(), stateMachineID: ids.objectID()),
            amelia: AmeliaAPI(
                configuration: configuration, store: ameliaStore, ids: ids, counter: counter, timing: timing,
                faults: faults),
            agentHuman: AgentHumanAPI(
                configuration: configuration, store: agentHumanStore, ids: ids, limiter: limiter,
                counter: counter, timing: timing, faults: faults),
            openAI: OpenAIAPI(configuration: configuration, ids: ids, counter: counter, timing: timing, faults: faults),
            helpdesk: HelpdeskAPI(
                configuration: configuration, store: helpdeskStore, ids: ids, counter: counter, timing: timing,
                faults: faults),
            counter: counter,
            maxBodySize: configuration.maxBodySize
        )

        let logger = configuration.logger ?? Logger(label: "parley.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
        let started = StartSignal()
        let application = Application(
            responder: responder,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil, backlog: 1024),
            onServerRunning: { channel in started.succeed(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
        var groupConfiguration = ServiceGroupConfiguration(services: [application], logger: logger)
        // Streams in flight may finish, but stopping never waits on a client that stopped reading.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        let task = Task {
            do {
                try await group.run()
                started.fail(SandboxError.stoppedBeforeStarting)
            } catch {
                started.fail(error)
            }
        }
        let port: Int
        do {
            port = try await started.wait()
        } catch {
            task.cancel()
            throw SandboxError.couldNotStart(String(describing: error))
        }
        return SandboxServer(
            configuration: configuration, port: port, serviceGroup: group, runTask: task, counter: counter,
            amigoStore: amigoStore, ameliaStore: ameliaStore, agentHumanStore: agentHumanStore,
            helpdeskStore: helpdeskStore)
    }

    private init(
        configuration: SandboxConfiguration, port: Int, serviceGroup: ServiceGroup, runTask: Task<Void, Never>,
        counter: RequestCounter, amigoStore: AmigoStore, ameliaStore: AmeliaStore, agentHumanStore: AgentHumanStore,
        helpdeskStore: HelpdeskStore
    ) {
        self.configuration = configuration
        self.port = port
        self.serviceGroup = serviceGroup
        self.runTask = runTask
        self.counter = counter
        self.amigoStore = amigoStore
        self.ameliaStore = ameliaStore
        self.agentHumanStore = agentHumanStore
        self.helpdeskStore = helpdeskStore
    }

    /// Stops accepting connections, lets replies in flight finish (up to five seconds), and returns when the server is
    /// down.
    public func stop() async {
        await serviceGroup.triggerGracefulShutdown()
        await runTask.value
    }

    /// Requests per endpoint and user messages per conversation so far.
    public var stats: SandboxStats {
        var messages: [String: Int] = [:]
        for box in amigoStore.all { messages[box.id] = box.state.withLock { $0.userMessagesReceived } }
        for box in ameliaStore.allSessions { messages[box.sessionID] = box.state.withLock { $0.userMessagesReceived } }
        for box in agentHumanStore.all { messages[String(box.id)] = box.state.withLock { $0.userMessagesReceived } }
        for box in helpdeskStore.all { messages[box.id] = box.state.withLock { $0.userMessagesReceived } }
        return SandboxStats(requests: counter.snapshot, userMessages: messages)
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
}

/// Why a sandbox could not start.
public enum SandboxError: Error, Sendable, CustomStringConvertible {
    /// The sandbox serves loopback only; it is a test fixture, not a service.
    case notLoopback(String)
    case invalidPort(Int)
    case couldNotStart(String)
    case stoppedBeforeStarting

    /// The reason, in a sentence.
    public var description: String {
        switch self {
        case .notLoopback(let host): "the sandbox listens on loopback addresses only, not \(host)"
        case .invalidPort(let port): "port \(port) is not between 0 and 65535"
        case .couldNotStart(let reason): "the sandbox could not start: \(reason)"
        case .stoppedBeforeStarting: "the sandbox stopped before it started listening"
        }
    }
}

/// Hands the bound port (or a startup failure) from the server task to `start`, exactly once.
private final class StartSignal: Sendable {
    private let state = Mutex<(result: Result<Int, any Error>?, waiter: CheckedContinuation<Int, any Error>?)>(
        (nil, nil))

    func succeed(_ port: Int) { resolve(.success(port)) }
    func fail(_ error: any Error) { resolve(.failure(error)) }

    private func resolve(_ result: Result<Int, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Int, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<Int, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
