import Foundation
import Hummingbird
import ParleyHTTP
import Testing

struct DroppedOnPurpose: Error {}

@Suite("Failures, timeouts and cancellation", .timeLimit(.minutes(1)))
struct HTTPClientFailureTests {
    @Test("A closed port fails with .connectFailed", arguments: [HTTPClient.EventEngine.automatic, .multiPoll])
    func connectFailed(engine: HTTPClient.EventEngine) async throws {
        let refusing = try #require(LoopbackSocket())
        let client = HTTPClient(configuration: .init(eventEngine: engine))
        let error = await #expect(throws: ClientError.self) {
            _ = try await client.execute(ClientRequest(url: "http://127.0.0.1:\(refusing.port)/chat"))
        }
        #expect(error?.code == .connectFailed)
        #expect(error?.bytesReceived == 0)
        #expect(error?.status == nil)
        #expect(error?.url == "http://127.0.0.1:\(refusing.port)/chat")
    }

    @Test("A server that never accepts fails with .connectTimeout")
    func connectTimeout() async throws {
        // A listening socket that is never accepted from: once its queue is full, the kernel
        // drops further connection attempts, so connecting hangs.
        let listener = try #require(LoopbackSocket(listenBacklog: 0))
        let fillers = (0..<4).map { _ in listener.connectWithoutWaiting() }
        defer { fillers.forEach { close($0) } }
        let client = HTTPClient()
        let error = await #expect(throws: ClientError.self) {
            _ = try await client.execute(
                ClientRequest(
                    url: "http://127.0.0.1:\(listener.port)/",
                    timeouts: HTTPTimeouts(connect: .milliseconds(300), total: .seconds(10))))
        }
        #expect(error?.code == .connectTimeout)
    }

    @Test(
        "A server that sends no head in time fails with .firstByteTimeout",
        arguments: [HTTPClient.EventEngine.automatic, .multiPoll])
    func firstByteTimeout(engine: HTTPClient.EventEngine) async throws {
        let arrived = Signal()
        let never = Signal()
        try await TestServer.run({ router in
            router.post("think") { _, _ -> String in
                arrived.fire()
                await never.wait()
                return "too late"
            }
        }) { base in
            let client = HTTPClient(configuration: .init(eventEngine: engine))
            let error = await #expect(throws: ClientError.self) {
                _ = try await client.execute(
                    ClientRequest(
                        method: .post, url: "\(base)/think", body: .json("{}"),
                        // The total limit only keeps a broken first-byte limit from hanging the test.
                        timeouts: HTTPTimeouts(firstByte: .seconds(2), total: .seconds(20))))
            }
            #expect(arrived.isFired)
            #expect(error?.code == .firstByteTimeout)
            #expect(error?.bytesReceived == 0)
            #expect(error?.status == nil)
        }
    }

    @Test("A body that keeps trickling fails with .totalTimeout, not .idleTimeout")
    func totalTimeout() async throws {
        try await TestServer.run({ router in
            router.get("trickle") { _, _ -> Response in
                Response(
                    status: .ok,
                    body: ResponseBody { writer in
                        // Paces the server's output; the client side is what is under test.
                        for _ in 0..<1200 {
                            try await writer.write(ByteBuffer(string: "tick\n"))
                            try await Task.sleep(for: .milliseconds(25))
                        }
                        try await writer.finish(nil)
                    })
            }
        }) { base in
            let client = HTTPClient()
            let started = ContinuousClock.now
            let error = await #expect(throws: ClientError.self) {
                _ = try await client.execute(
                    ClientRequest(
                        url: "\(base)/trickle", timeouts: HTTPTimeouts(idle: .seconds(20), total: .seconds(6))))
            }
            #expect(error?.code == .totalTimeout)
            #expect(error?.status == 200)
            #expect((error?.bytesReceived ?? 0) > 0)
            // Well before the idle timeout could have fired; the body would take 30 s to finish.
            #expect(ContinuousClock.now - started < .seconds(15))
        }
    }

    @Test("A connection dropped mid-body fails with .connectionDropped and reports the bytes received")
    func droppedMidBody() async throws {
        try await TestServer.run({ router in
            router.get("drop") { _, _ -> Response in
                Response(
                    status: .ok,
                    body: ResponseBody(contentLength: 1000) { writer in
                        try await writer.write(ByteBuffer(repeating: UInt8(ascii: "x"), count: 100))
                        throw DroppedOnPurpose()
                    })
            }
        }) { base in
            let client = HTTPClient()
            let error = await #expect(throws: ClientError.self) {
                _ = try await client.execute(ClientRequest(url: "\(base)/drop"))
            }
            #expect(error?.code == .connectionDropped)
            #expect(error?.status == 200)
            #expect(error?.bytesReceived == 100)

            let stream = try await client.stream(ClientRequest(url: "\(base)/drop"))
            let streamError = await #expect(throws: ClientError.self) {
                _ = try await stream.collectBody()
            }
            #expect(streamError?.code == .connectionDropped)
            #expect((streamError?.bytesReceived ?? 0) > 0)
        }
    }

    @Test(
        "Cancelling the calling task aborts the request promptly",
        arguments: [HTTPClient.EventEngine.automatic, .multiPoll])
    func cancellationAborts(engine: HTTPClient.EventEngine) async throws {
        let arrived = Signal()
        let closed = Signal()
        try await TestServer.run({ router in
            router.get("hold") { request, _ -> String in
                arrived.fire()
                try await request.body.consumeWithInboundCloseHandler { _ in
                    await closed.wait()
                } onInboundClosed: {
                    closed.fire()
                }
                return "released"
            }
        }) { base in
            let client = HTTPClient(configuration: .init(eventEngine: engine))
            let call = failureTask { () throws(ClientError) in
                _ = try await client.execute(ClientRequest(url: "\(base)/hold"))
            }
            #expect(await arrived.wait(timeout: .seconds(5)))
            call.cancel()
            let error = await value(of: call, within: .seconds(5))
            #expect(error??.code == .cancelled)
            #expect(await closed.wait(timeout: .seconds(5)), "the server never saw the connection close")
        }
    }

    @Test("Cancelling a task waiting for a stream's head aborts it")
    func cancellationBeforeStreamHead() async throws {
        let arrived = Signal()
        let closed = Signal()
        try await TestServer.run({ router in
            router.get("hold") { request, _ -> String in
                arrived.fire()
                try await request.body.consumeWithInboundCloseHandler { _ in
                    await closed.wait()
                } onInboundClosed: {
                    closed.fire()
                }
                return "released"
            }
        }) { base in
            let client = HTTPClient()
            let call = failureTask { () throws(ClientError) in
                _ = try await client.stream(ClientRequest(url: "\(base)/hold"))
            }
            #expect(await arrived.wait(timeout: .seconds(5)))
            call.cancel()
            #expect(await value(of: call, within: .seconds(5))??.code == .cancelled)
            #expect(await closed.wait(timeout: .seconds(5)))
        }
    }

    @Test("An already-cancelled task does not send its request")
    func alreadyCancelled() async throws {
        let hits = Counter()
        try await TestServer.run({ router in
            router.get("count") { _, _ -> String in
                hits.increment("count")
                return "counted"
            }
        }) { base in
            let client = HTTPClient()
            let gate = Signal()
            let call = failureTask { () throws(ClientError) in
                await gate.wait()  // returns once cancelled
                _ = try await client.execute(ClientRequest(url: "\(base)/count"))
            }
            call.cancel()
            #expect(await value(of: call, within: .seconds(5))??.code == .cancelled)
            // A request that did go out would be counted before this one completes.
            _ = try await client.execute(ClientRequest(url: "\(base)/count"))
            #expect(hits.value("count") == 1)
        }
    }

    @Test("Shutting the client down fails in-flight and later requests with .cancelled")
    func shutdownCancels() async throws {
        let arrived = Signal()
        let never = Signal()
        try await TestServer.run({ router in
            router.get("hold") { _, _ -> String in
                arrived.fire()
                await never.wait()
                return "never"
            }
        }) { base in
            let client = HTTPClient()
            let call = failureTask { () throws(ClientError) in
                _ = try await client.execute(ClientRequest(url: "\(base)/hold"))
            }
            #expect(await arrived.wait(timeout: .seconds(5)))
            client.shutdown()
            client.shutdown()
            #expect(await value(of: call, within: .seconds(5))??.code == .cancelled)
            let later = await #expect(throws: ClientError.self) {
                _ = try await client.execute(ClientRequest(url: "\(base)/hold"))
            }
            #expect(later?.code == .cancelled)
        }
    }

    @Test("A body over maxResponseBytes fails with .tooLarge")
    func tooLarge() async throws {
        try await TestServer.run({ router in
            router.get("big") { _, _ -> Response in
                Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: 0x41, count: 50_000)))
            }
        }) { base in
            let client = HTTPClient(configuration: .init(maxResponseBytes: 10_000))
            let error = await #expect(throws: ClientError.self) {
                _ = try await client.execute(ClientRequest(url: "\(base)/big"))
            }
            #expect(error?.code == .tooLarge)
            let allowed = try await client.execute(ClientRequest(url: "\(base)/big", maxResponseBytes: 100_000))
            #expect(allowed.body.count == 50_000)
        }
    }

    @Test(
        "Requests that cannot be sent fail with .invalidRequest before anything is sent",
        arguments: [
            ClientRequest(url: "ftp://example.com/file"),
            ClientRequest(url: "/relative/path"),
            ClientRequest(url: "http://example.com/a path"),
            ClientRequest(method: "GET /x HTTP/1.1\r\n", url: "http://example.com/"),
            ClientRequest(url: "http://example.com/", headers: ["X-Token": "secret\r\nX-Injected: 1"]),
            // A lone CR, LF or NUL anywhere in a value, a long one (a bearer token) included.
            ClientRequest(url: "http://example.com/", headers: ["X-Token": String(repeating: "t", count: 300) + "\n"]),
            ClientRequest(url: "http://example.com/", headers: ["X-Token": "\r" + String(repeating: "t", count: 300)]),
            ClientRequest(url: "http://example.com/", headers: ["X-Token": "secret\u{0}tail"]),
            ClientRequest(url: "http://example.com/", headers: ["Bad Name": "v"]),
        ])
    func invalidRequests(request: ClientRequest) async throws {
        let client = HTTPClient()
        let error = await #expect(throws: ClientError.self) {
            _ = try await client.execute(request)
        }
        #expect(error?.code == .invalidRequest)
        #expect(error?.description.contains("secret") == false)
        #expect(client.metrics.completedRequests == 0)
    }
}
