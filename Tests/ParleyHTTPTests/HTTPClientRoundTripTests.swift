import Foundation
import Synchronization
import Hummingbird
import ParleyHTTP
import Testing

@Suite("Round trips against a loopback server", .timeLimit(.minutes(1)))
struct HTTPClientRoundTripTests {
    @Test(
        "GET carries headers and query; repeated response headers are kept in order",
        arguments: [HTTPClient.EventEngine.automatic, .multiPoll])
    func getEchoesHeaders(engine: HTTPClient.EventEngine) async throws {
        try await TestServer.run({ $0.addInspectRoute() }) { base in
            let client = HTTPClient(configuration: .init(eventEngine: engine))
            let response = try await client.execute(
                ClientRequest(
                    url: "\(base)/inspect?turn=3&lang=en",
                    headers: ["X-Trace": "abc-123", "Accept": "application/json"]))
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.headers.values(for: "x-reply-marker") == ["one", "two"])
            let seen = try InspectedRequest.decode(response.body)
            #expect(seen.method == "GET")
            #expect(seen.path == "/inspect")
            #expect(seen.query == "turn=3&lang=en")
            #expect(seen.headers["x-trace"] == ["abc-123"])
            #expect(seen.headers["accept"] == ["application/json"])
            #expect(seen.headers["user-agent"] == ["parley/\(HTTPClient.version)"])
            #expect(seen.headers["expect"] == nil)
            #expect(seen.body.isEmpty)
            #expect(response.timing.total != nil)
            #expect(response.timing.headers.map { $0 <= response.timing.total! } == true)
        }
    }

    @Test("POST sends a JSON body with its content type", arguments: [HTTPClient.EventEngine.automatic, .multiPoll])
    func postJSON(engine: HTTPClient.EventEngine) async throws {
        try await TestServer.run({ $0.addInspectRoute() }) { base in
            let client = HTTPClient(configuration: .init(eventEngine: engine))
            let json = #"{"message":"My blender arrived cracked.","turn":1}"#
            let response = try await client.execute(
                ClientRequest(
                    method: .post, url: "\(base)/inspect", headers: ["Authorization": "Bearer not-a-real-token"],
                    body: .json(json)))
            let seen = try InspectedRequest.decode(response.body)
            #expect(seen.method == "POST")
            #expect(seen.body == json)
            #expect(seen.headers["content-type"] == ["application/json"])
            #expect(seen.headers["content-length"] == ["\(json.utf8.count)"])
            #expect(seen.headers["authorization"] == ["Bearer not-a-real-token"])
            // libcurl would otherwise wait for "100 Continue" before sending larger bodies.
            #expect(seen.headers["expect"] == nil)
        }
    }

    @Test("A body's content type cannot add a header: its line breaks are dropped")
    func contentTypeLineBreaks() async throws {
        try await TestServer.run({ $0.addInspectRoute() }) { base in
            let client = HTTPClient()
            for type in ["text/plain\r\nX-Injected: 1", "text/plain\nX-Injected: 1", "text/plain\rX-Injected: 1"] {
                let response = try await client.execute(
                    ClientRequest(method: .post, url: "\(base)/inspect", body: .text("hi", contentType: type)))
                let seen = try InspectedRequest.decode(response.body)
                #expect(seen.headers["x-injected"] == nil, "\(type.debugDescription)")
                #expect(seen.headers["content-type"] == ["text/plainX-Injected: 1"], "\(type.debugDescription)")
            }
        }
    }

    @Test("A large POST body is sent at once, without waiting for 100 Continue")
    func largeBodyWithoutExpect() async throws {
        try await TestServer.run({ $0.addInspectRoute() }) { base in
            let client = HTTPClient()
            // libcurl adds "Expect: 100-continue" to bodies over 1 MiB unless told not to.
            let text = String(repeating: "0123456789abcdef", count: 2 * 1024 * 1024 / 16)
            let response = try await client.execute(
                ClientRequest(method: .post, url: "\(base)/inspect", body: .text(text)))
            let seen = try InspectedRequest.decode(response.body)
            #expect(seen.body.utf8.count == text.utf8.count)
            #expect(seen.body == text)
            #expect(seen.headers["expect"] == nil)
        }
    }

    @Test("PUT, PATCH and DELETE use their method; a caller's Content-Type wins over the body's")
    func otherMethods() async throws {
        try await TestServer.run({ $0.addInspectRoute() }) { base in
            let client = HTTPClient()
            for method in [HTTPMethod.put, .patch, .delete] {
                let response = try await client.execute(
                    ClientRequest(
                        method: method, url: "\(base)/inspect",
                        headers: ["Content-Type": "application/merge-patch+json"],
                        body: .json("{}")))
                let seen = try InspectedRequest.decode(response.body)
                #expect(seen.method == method.rawValue)
                #expect(seen.body == "{}")
                #expect(seen.headers["content-type"] == ["application/merge-patch+json"])
            }
            let bodyless = try InspectedRequest.decode(
                try await client.execute(ClientRequest(method: .delete, url: "\(base)/inspect")).body)
            #expect(bodyless.method == "DELETE")
            #expect(bodyless.body.isEmpty)
            let emptyPost = try InspectedRequest.decode(
                try await client.execute(ClientRequest(method: .post, url: "\(base)/inspect")).body)
            #expect(emptyPost.method == "POST")
            #expect(emptyPost.headers["content-length"] == ["0"])
            #expect(emptyPost.headers["content-type"] == nil)
        }
    }

    @Test("A url-encoded form is decoded by the server's own form decoder")
    func urlEncodedForm() async throws {
        struct Form: Decodable {
            var name: String
            var note: String
            var symbols: String
        }
        let decoded = Counter()
        let received = SendableBox<Form?>(nil)
        try await TestServer.run({ router in
            router.post("form") { request, context -> String in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                let form = try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
                received.set(form)
                decoded.increment("forms")
                return request.headers[.contentType] ?? ""
            }
        }) { base in
            let client = HTTPClient()
            let response = try await client.execute(
                ClientRequest(
                    method: .post, url: "\(base)/form",
                    body: .form([
                        ("name", "Dana Ortiz"), ("note", "cracked & broken = refund?"), ("symbols", "ü+/%~*"),
                    ])
                ))
            #expect(response.status == 200)
            #expect(response.text == "application/x-www-form-urlencoded")
        }
        #expect(decoded.value("forms") == 1)
        let form = try #require(received.get())
        #expect(form.name == "Dana Ortiz")
        #expect(form.note == "cracked & broken = refund?")
        #expect(form.symbols == "ü+/%~*")
    }

    @Test("Non-2xx statuses are responses, with their bodies and headers")
    func errorStatusesAreResponses() async throws {
        try await TestServer.run({ router in
            router.get("limited") { _, _ -> Response in
                Response(
                    status: .tooManyRequests, headers: [.retryAfter: "2"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":"slow down"}"#)))
            }
            router.get("broken") { _, _ -> Response in
                Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "try later")))
            }
        }) { base in
            let client = HTTPClient()
            let limited = try await client.execute(ClientRequest(url: "\(base)/limited"))
            #expect(limited.status == 429)
            #expect(limited.headers["Retry-After"] == "2")
            #expect(limited.text == #"{"error":"slow down"}"#)
            #expect(!limited.isSuccess)
            let broken = try await client.execute(ClientRequest(url: "\(base)/broken"))
            #expect(broken.status == 503)
            #expect(broken.text == "try later")
            let missing = try await client.execute(ClientRequest(url: "\(base)/no-such-route"))
            #expect(missing.status == 404)
        }
    }

    @Test("Sequential requests reuse one connection", arguments: [HTTPClient.EventEngine.automatic, .multiPoll])
    func connectionReuse(engine: HTTPClient.EventEngine) async throws {
        try await TestServer.run({ $0.addInspectRoute() }) { base in
            let client = HTTPClient(configuration: .init(eventEngine: engine))
            var ports = Set<Int>()
            for turn in 0..<20 {
                let response = try await client.execute(
                    ClientRequest(
                        method: turn.isMultiple(of: 2) ? .get : .post, url: "\(base)/inspect",
                        body: turn.isMultiple(of: 2) ? nil : .text("turn \(turn)")))
                let seen = try InspectedRequest.decode(response.body)
                ports.insert(try #require(seen.remotePort))
            }
            #expect(ports.count == 1)
            #expect(client.metrics.connectionsOpened == 1)
            #expect(client.metrics.completedRequests == 20)
            #expect(client.metrics.activeRequests == 0)
        }
    }

    @Test("A thousand concurrent requests all complete with their own bodies")
    func thousandConcurrentRequests() async throws {
        let limit = ProcessLimits.raiseOpenFileLimit()
        try #require(limit >= 2_200, "needs file descriptors for 1,000 client and 1,000 server sockets")
        try await TestServer.run(
            backlog: 2048,
            { router in
                router.post("echo") { request, _ -> Response in
                    var request = request
                    let body = try await request.collectBody(upTo: 1 << 16)
                    return Response(status: .ok, body: .init(byteBuffer: body))
                }
            }
        ) { base in
            let client = HTTPClient()
            let count = 1_000
            let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<count {
                    group.addTask {
                        let message = "conversation \(index) says hello"
                        let response = try await client.execute(
                            ClientRequest(
                                method: .post, url: "\(base)/echo", body: .text(message),
                                timeouts: HTTPTimeouts(connect: .seconds(20), total: .seconds(60))))
                        return response.status == 200 && response.text == message ? 0 : 1
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(mismatches == 0)
            #expect(client.metrics.completedRequests == count)
            #expect(client.metrics.activeRequests == 0)
        }
    }

    @Test("HEAD returns headers and no body")
    func headRequest() async throws {
        try await TestServer.run({ router in
            router.head("page") { _, _ -> Response in
                Response(status: .ok, headers: [.contentLength: "14", .contentType: "text/plain"])
            }
        }) { base in
            let client = HTTPClient()
            let response = try await client.execute(ClientRequest(method: .head, url: "\(base)/page"))
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(response.headers["content-length"] == "14")
        }
    }
}
