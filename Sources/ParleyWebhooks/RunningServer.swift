import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A Hummingbird server listening on a host and port until ``stop()``: the one way Parley's servers
/// (the sandbox, webhook receivers) start, report the port they got, and stop.
public final class RunningServer: Sendable {
    /// The address it listens on, as given.
    public let host: String
    /// The port it listens on (the one picked when 0 was asked for).
    public let port: Int

    private let serviceGroup: ServiceGroup
    private let runTask: Task<Void, Never>

    /// Starts serving `responder` and returns once the server accepts connections.
    public static func start<Responder: HTTPResponder>(
        _ responder: Responder, host: String, port: Int, logger: Logger? = nil
    ) async throws(ServerStartError) -> RunningServer where Responder.Context == BasicRequestContext {
        guard (0...65535).contains(port) else {
            throw ServerStartError(host: host, port: port, reason: "the port is not between 0 and 65535")
        }
        let logger = logger ?? Logger(label: "parley.server", factory: { _ in SwiftLogNoOpLogHandler() })
        let started = StartSignal()
        let application = Application(
            responder: responder,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: nil, backlog: 1024),
            onServerRunning: { channel in started.succeed(channel.localAddress?.port ?? port) },
            logger: logger
        )
        var groupConfiguration = ServiceGroupConfiguration(services: [application], logger: logger)
        // Streams in flight may finish, but stopping never waits on a client that stopped reading.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        let task = Task {
            do {
                try await group.run()
                started.fail(StoppedBeforeStarting())
            } catch {
                started.fail(error)
            }
        }
        do {
            let bound = try await started.wait()
            return RunningServer(host: host, port: bound, serviceGroup: group, runTask: task)
        } catch {
            task.cancel()
            throw ServerStartError(host: host, port: port, reason: ServerStartError.reason(for: error))
        }
    }

    private init(host: String, port: Int, serviceGroup: ServiceGroup, runTask: Task<Void, Never>) {
        self.host = host
        self.port = port
        self.serviceGroup = serviceGroup
        self.runTask = runTask
    }

    /// `http://host:port`, an IPv6 address in brackets.
    public var baseURL: String {
        "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// Stops accepting connections, lets answers in flight finish (up to five seconds), and returns
    /// when the server is down.
    public func stop() async {
        await serviceGroup.triggerGracefulShutdown()
        await runTask.value
    }
}

/// Why a server could not start listening.
public struct ServerStartError: Error, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// What went wrong, in words: "the port is already in use", or the system's reason.
    public var reason: String

    public init(host: String, port: Int, reason: String) {
        self.host = host
        self.port = port
        self.reason = reason
    }

    /// Whether another program already listens on the port.
    public var addressInUse: Bool { reason.hasPrefix(Self.inUse) }

    public var description: String { "cannot listen on \(host):\(port): \(reason)" }

    static let inUse = "the port is already in use"

    /// The system's complaint made readable; "address already in use" gets a hint.
    static func reason(for error: any Error) -> String {
        let text = String(describing: error)
        if text.localizedLowercase.contains("address already in use") {
            return "\(inUse) (another program listens there; choose another port, or 0 for any free one)"
        }
        if text.localizedLowercase.contains("cannot assign requested address") {
            return "no network interface of this machine has that address"
        }
        if error is StoppedBeforeStarting { return "the server stopped before it started listening" }
        return text
    }
}

private struct StoppedBeforeStarting: Error {}

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
