import Synchronization
import ParleyCore
import ParleyHTTP

/// What live providers share during a run: one HTTP client (one libcurl event loop), and the
/// embedded sandbox when a target uses it.
public final class ProviderResources: Sendable {
    private let client = Mutex<HTTPClient?>(nil)
    private let cleanups = Mutex<[@Sendable () async -> Void]>([])

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
