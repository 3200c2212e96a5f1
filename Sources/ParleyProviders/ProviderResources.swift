import Synchronization
import ParleyCore
import ParleyHTTP
import ParleySandbox

/// What live providers share during a run: one HTTP client (one libcurl event loop), and the
/// embedded sandbox when a target uses it.
public final class ProviderResources: Sendable {
    private let client = Mutex<HTTPClient?>(nil)
    private let cleanups = Mutex<[@Sendable () async -> Void]>([])
    private let sandbox = SandboxStarter()

    public init() {}

    /// The run's HTTP client, created on first use.
    public var http: HTTPClient {
        client.withLock { client in
            if let client { return client }
            let created = HTTPClient()
            client = created
            return created
        }
    }

    /// The in-process sandbox server, started on first use and shared by every target and simulator
    /// of the run that needs it (the first configuration given wins).
    public func embeddedSandbox(_ configuration: SandboxConfiguration) async throws(ProviderError) -> SandboxServer {
        let (server, started) = try await sandbox.server(configuration)
        if started { onShutdown { await server.stop() } }
        return server
    }

    /// Registers work to do when the run ends (stopping servers, closing sessions).
    public func onShutdown(_ cleanup: @escaping @Sendable () async -> Void) {
        cleanups.withLock { $0.append(cleanup) }
    }

    /// Runs the registered cleanups (last registered first) and stops the HTTP client.
    public func shutdown() async {
        let pending = cleanups.withLock { list in
            defer { list.removeAll() }
            return list
        }
        for cleanup in pending.reversed() { await cleanup() }
        client.withLock { client in
            client?.shutdown()
            client = nil
        }
    }
}

/// Starts the embedded sandbox once, however many callers ask at the same time.
actor SandboxStarter {
    private var running: SandboxServer?

    func server(_ configuration: SandboxConfiguration) async throws(ProviderError) -> (SandboxServer, started: Bool) {
        if let running { return (running, false) }
        do {
            let server = try await SandboxServer.start(configuration)
            running = server
            return (server, true)
        } catch {
            throw ProviderError(.unreachable, "could not start the built-in sandbox: \(error)")
        }
    }
}
