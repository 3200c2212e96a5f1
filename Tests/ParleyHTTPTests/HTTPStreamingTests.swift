import Foundation
import Hummingbird
import ParleyHTTP
import Testing

struct ServerGaveUp: Error {}

@Suite("Streamed responses", .timeLimit(.minutes(1)))
struct HTTPStreamingTests {
    @Test(
        "Lines arrive as sent, iterated or handed to a closure; CRLF, empty and unterminated lines are handled",
        arguments: [HTTPClient.EventEngine.automatic, .multiPoll], [false, true])
    func linesArriveBeforeTheStreamEnds(engine: HTTPClient.EventEngine, byClosure: Bool) async throws {
        // Each gate opens only once the client has shown it received a line, and the server
        // sends nothing more until then: a client that buffered the body would stall here.
        let gates = [Signal(), Signal()]
        try await TestServer.run({ router in
            router.get("lines") { _, _ -> Response in
                Response(
                    status: .ok, headers: [.contentType: "text/plain"],
                    body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(string: "alpha\n"))
                        guard await gates[0].wait(timeout: .seconds(10)) else { throw ServerGaveUp() }
                        try await writer.write(ByteBuffer(string: "beta\r"))
                        try await writer.write(ByteBuffer(string: "\n"))
                        guard await gates[1].wait(timeout: .seconds(10)) else { throw ServerGaveUp() }
                        try await writer.write(ByteBuffer(string: "\r\ngam"))
                        try await writer.write(ByteBuffer(string: "ma\r\ndelta"))
                        try await writer.finish(nil)
                    })
            }
        }) { base in
            let client = HTTPClient(configuration: .init(eventEngine: engine))
            let response = try await client.stream(ClientRequest(url: "\(base)/lines"))
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/plain")
            var lines: [String] = []
            func take(_ line: some Collection<UInt8>) {
                lines.append(String(decoding: line, as: UTF8.self))
                if lines.count <= gates.count { gates[lines.count - 1].fire() }
            }
            if byClosure {
                try await response.lines.forEach { take($0) }
            } else {
                for try await line in response.lines { take(line) }
            }
            #expect(lines == ["alpha", "beta", "", "gamma", "delta"])
        }
    }

    @Test("collectBody returns the whole streamed body")
    func collectBody() async throws {
        try await TestServer.run({ router in
            router.get("chunks") { _, _ -> Response in
                Response(
                    status: .ok,
                    body: ResponseBody { writer in
                        for index in 0..<50 {
                            try await writer.write(ByteBuffer(string: "chunk \(index);"))
                        }
                        try await writer.finish(nil)
                    })
            }
            router.get("empty") { _, _ -> Response in Response(status: .noContent) }
        }) { base in
            let client = HTTPClient()
            let response = try await client.stream(ClientRequest(url: "\(base)/chunks"))
            let body = try await response.collectBody()
            #expect(String(decoding: body, as: UTF8.self) == (0..<50).map { "chunk \($0);" }.joined())

            let empty = try await client.stream(ClientRequest(url: "\(base)/empty"))
            #expect(empty.status == 204)
            var count = 0
            for try await _ in empty.lines { count += 1 }
            #expect(count == 0)
        }
    }

    @Test(
        "Dropping a stream after the first line aborts the transfer",
        arguments: [HTTPClient.EventEngine.automatic, .multiPoll])
    func abandonedStreamAborts(engine: HTTPClient.EventEngine) async throws {
        let closed = Signal()
        try await TestServer.run({ router in
            router.get("endless") { request, _ -> Response in
                Response(
                    status: .ok,
                    body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(string: "line 1\n"))
                        try await request.body.consumeWithInboundCloseHandler { _ in
                            await closed.wait()
                        } onInboundClosed: {
                            closed.fire()
                        }
                    })
            }
        }) { base in
            let client = HTTPClient(configuration: .init(eventEngine: engine))
            var first: [UInt8]?
            do {
                let response = try await client.stream(ClientRequest(url: "\(base)/endless"))
                for try await line in response.lines {
                    first = line
                    break
                }
            }
            #expect(first == Array("line 1".utf8))
            #expect(await closed.wait(timeout: .seconds(5)), "the server never saw the connection close")
        }
    }

    @Test("Cancelling the task that reads lines aborts the transfer")
    func cancellingTheReaderAborts() async throws {
        let closed = Signal()
        let firstLine = Signal()
        try await TestServer.run({ router in
            router.get("endless") { request, _ -> Response in
                Response(
                    status: .ok,
                    body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(string: "line 1\n"))
                        try await request.body.consumeWithInboundCloseHandler { _ in
                            await closed.wait()
                        } onInboundClosed: {
                            closed.fire()
                        }
                    })
            }
        }) { base in
            let client = HTTPClient()
            let response = try await client.stream(ClientRequest(url: "\(base)/endless"))
            let reader = failureTask { () throws(ClientError) in
                for try await _ in response.lines { firstLine.fire() }
            }
            #expect(await firstLine.wait(timeout: .seconds(5)))
            reader.cancel()
            let error = await value(of: reader, within: .seconds(5))
            #expect(error??.code == .cancelled)
            #expect(await closed.wait(timeout: .seconds(5)), "the server never saw the connection close")
        }
    }

    @Test(
        "An idle stream fails with .idleTimeout after the lines that did arrive",
        arguments: [HTTPClient.EventEngine.automatic, .multiPoll])
    func idleTimeoutDuringStream(engine: HTTPClient.EventEngine) async throws {
        let never = Signal()
        try await TestServer.run({ router in
            router.get("stall") { _, _ -> Response in
                Response(
                    status: .ok,
                    body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(string: "first\n"))
                        await never.wait()
                    })
            }
        }) { base in
            let client = HTTPClient(configuration: .init(eventEngine: engine))
            let response = try await client.stream(
                ClientRequest(
                    url: "\(base)/stall", timeouts: HTTPTimeouts(idle: .milliseconds(300), total: .seconds(10))))
            var lines: [String] = []
            let error = await #expect(throws: ClientError.self) {
                for try await line in response.lines {
                    lines.append(String(decoding: line, as: UTF8.self))
                }
            }
            #expect(lines == ["first"])
            #expect(error?.code == .idleTimeout)
            #expect(error?.status == 200)
            #expect(error?.bytesReceived == 6)
        }
    }

    @Test("A streamed body larger than maxResponseBytes fails with .tooLarge")
    func unreadStreamIsBounded() async throws {
        try await TestServer.run({ router in
            router.get("flood") { _, _ -> Response in
                Response(
                    status: .ok,
                    body: ResponseBody { writer in
                        let block = ByteBuffer(repeating: UInt8(ascii: "x"), count: 16 * 1024)
                        for _ in 0..<64 { try await writer.write(block) }
                        try await writer.finish(nil)
                    })
            }
        }) { base in
            let client = HTTPClient()
            let response = try await client.stream(ClientRequest(url: "\(base)/flood", maxResponseBytes: 64 * 1024))
            let error = await #expect(throws: ClientError.self) {
                _ = try await response.collectBody()
            }
            #expect(error?.code == .tooLarge)
        }
    }

    struct Enough: Error {}

    @Test("Lines handed to a closure: its error ends the reading, and a line past the limit is .tooLarge")
    func linesHandedToAClosure() async throws {
        try await TestServer.run({ router in
            router.get("lines") { _, _ -> Response in
                Response(
                    status: .ok,
                    body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(string: "one\ntwo\nthree\n"))
                        try await writer.finish(nil)
                    })
            }
            router.get("endless") { _, _ -> Response in
                Response(
                    status: .ok,
                    body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(string: "short\n"))
                        let block = ByteBuffer(repeating: UInt8(ascii: "x"), count: 16 * 1024)
                        for _ in 0..<8 { try await writer.write(block) }
                        try await writer.finish(nil)
                    })
            }
        }) { base in
            let client = HTTPClient()
            var seen: [String] = []
            let response = try await client.stream(ClientRequest(url: "\(base)/lines"))
            await #expect(throws: Enough.self) {
                try await response.lines.forEach { line in
                    seen.append(String(decoding: line, as: UTF8.self))
                    if seen.count == 2 { throw Enough() }
                }
            }
            #expect(seen == ["one", "two"])
            seen = []
            let endless = try await client.stream(ClientRequest(url: "\(base)/endless", maxResponseBytes: 32 * 1024))
            let error = await #expect(throws: ClientError.self) {
                try await endless.lines.forEach { seen.append(String(decoding: $0, as: UTF8.self)) }
            }
            #expect(seen == ["short"])
            #expect(error?.code == .tooLarge)
        }
    }
}
