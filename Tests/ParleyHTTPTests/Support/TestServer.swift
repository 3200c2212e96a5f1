import Hummingbird
import Logging
import ParleyHTTP

/// A request context that records which client port the request came from, so that tests can
/// tell whether requests shared a connection.
struct TestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remotePort: Int?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remotePort = source.channel.remoteAddress?.port
    }
}

/// A Hummingbird server on 127.0.0.1 and an ephemeral port, running for the duration of a test.
enum TestServer {
    typealias Routes = Router<TestContext>

    /// Starts a server with the routes `configure` adds, runs `body` with its base URL
    /// (`http://127.0.0.1:PORT`), then stops the server.
    static func run<Result: Sendable>(
        backlog: Int = 256,
        _ configure: (Routes) -> Void,
        _ body: @Sendable (String) async throws -> Result
    ) async throws -> Result {
        let router = Routes(context: TestContext.self)
        configure(router)
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "parley-http-tests")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), backlog: backlog),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: logger)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await app.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                throw TestServerError.didNotStart
            }
            let result = try await body("http://127.0.0.1:\(port)")
            group.cancelAll()
            return result
        }
    }
}

enum TestServerError: Error {
    case didNotStart
}

extension ByteBuffer {
    init(text: String) {
        self.init(string: text)
    }
}
