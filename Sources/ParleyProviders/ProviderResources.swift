import Synchronization
import ParleyHTTP
import ParleyJSON
import ParleyFlow
import ParleyRun

/// What live providers share during a run: one HTTP client (one libcurl event loop), the run's
/// secrets, and services several targets use (the embedded sandbox), each started once.
public final class ProviderResources: Sendable {
    private let client = Mutex<HTTPClient?>(nil)
    private let cleanups = Mutex<[@Sendable () async -> Void]>([])
    private let services = SharedServices()
    /// The run's secrets; providers add what they obtain (tokens) and their own credentials.
    public let secrets: SecretRegistry
    private let configuration: HTTPClient.Configuration

    /// `concurrency`: how many conversations the run holds at once, if known; it sizes the HTTP
    /// client's receive buffers (``HTTPClient/receiveBufferSize(inFlight:)``).
    public init(secrets: SecretRegistry = SecretRegistry(), concurrency: Int? = nil) {
        self.secrets = secrets
        var configuration = HTTPClient.Configuration()
        if let concurrency { configuration.receiveBufferSize = HTTPClient.receiveBufferSize(inFlight: concurrency) }
        self.configuration = configuration
    }

    /// The run's HTTP client, created on first use.
    public var http: HTTPClient {
        client.withLock { client in
            if let client { return client }
            let created = HTTPClient(configuration: configuration)
            client = created
            return created
        }
    }

    /// A service shared by every target of the run that asks for it under `key` (e.g. an embedded
    /// server), started by the first caller; later callers get the same value, whatever they pass.
    public func shared<Service: Sendable>(
        _ key: String, start: @escaping @Sendable () async throws(ProviderError) -> Service
    ) async throws(ProviderError) -> Service {
        try await services.value(key, start: start)
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

/// Starts each shared service once, however many callers ask at the same time.
actor SharedServices {
    private var running: [String: any Sendable] = [:]
    private var starting: [String: Task<any Sendable, any Error>] = [:]

    func value<Service: Sendable>(
        _ key: String, start: @escaping @Sendable () async throws(ProviderError) -> Service
    ) async throws(ProviderError) -> Service {
        if let service = running[key] as? Service { return service }
        let task: Task<any Sendable, any Error>
        if let pending = starting[key] {
            task = pending
        } else {
            task = Task { () async throws -> any Sendable in try await CallDeadline.unbound { try await start() } }
            starting[key] = task
        }
        do {
            let service = try await task.value
            starting[key] = nil
            running[key] = service
            guard let typed = service as? Service else {
                throw ProviderError(.configuration, "the shared service `\(key)` has another type")
            }
            return typed
        } catch let error as ProviderError {
            starting[key] = nil
            throw error
        } catch {
            starting[key] = nil
            throw ProviderError(.unreachable, "could not start `\(key)`: \(error)")
        }
    }
}
