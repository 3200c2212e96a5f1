import Foundation
import HummingbirdTesting
import Testing
import ParleySandbox

@Suite struct SandboxServerTests {
    @Test func onlyLoopbackAddressesAreServed() async throws {
        await #expect(throws: SandboxError.self) {
            _ = try await SandboxServer.start(SandboxConfiguration(host: "0.0.0.0"))
        }
        let server = try await SandboxServer.start(SandboxConfiguration(host: "127.0.0.1", port: 0))
        #expect(server.port > 0)
        #expect(server.baseURL == "http://127.0.0.1:\(server.port)")
        await server.stop()
    }

    @Test func pathsOutsideTheProtocolsAre404() async throws {
        try await withSandbox { server, http in
            let root = try await http.send(.get, "/")
            #expect(root.status == 404)
            #expect(root.object["error"] as? String == "Not Found")
            #expect(server.stats.requests(.unknown) == 1)
        }
    }

    @Test func oversizedBodiesAreRefusedIn413() async throws {
        try await withSandbox(SandboxConfiguration(maxBodySize: 64)) { _, http in
            let big = String(repeating: "x", count: 200)
            let result = try await http.send(.post, "/api/v1/sessions", body: big)
            #expect(result.status == 413)
            #expect(result.object["success"] as? Bool == false)
        }
    }

    @Test func garbageNeverCrashesTheServer() async throws {
        try await withSandbox { server, http in
            let bodies = [
                "", "{", "[]", "null", "{\"agent_id\":1e400}", "\u{0}\u{1}", String(repeating: "[", count: 500),
                "{\"a\":\"\\ud800\"}",
            ]
            let paths = [
                "/v1/parley-sandbox/conversation/?response_format=text", "/AmeliaRest/api/v1/auth/login",
                "/AmeliaRest/api/v1/conversations/new", "/api/v1/sessions",
                "/v1/parley-sandbox/user/signin_with_api_key",
                "/v1/parley-sandbox/conversation/aaaaaaaaaaaaaaaaaaaaaaaa/interact"
                    + "?request_format=text&response_format=text",
            ]
            let token = try await AmigoTestClient(http: http).signIn()
            for path in paths {
                for body in bodies {
                    let headers = [
                        "Authorization": "Bearer \(token)", "x-api-key": SandboxCredentials.default.agentHumanAPIKey,
                        "Content-Type": path.contains("interact")
                            ? "multipart/form-data; boundary=\"\"" : "application/json",
                    ]
                    let result = try await http.send(.post, path, headers: headers, body: body)
                    #expect(
                        (400..<500).contains(result.status),
                        "\(path) with \(body.prefix(20).debugDescription) gave \(result.status): \(result.text)")
                }
            }
            #expect(server.stats.totalRequests == paths.count * bodies.count + 1)
        }
    }

    @Test func manyConcurrentConversationsDeliverEachMessageOnce() async throws {
        let configuration = SandboxConfiguration(
            latency: .milliseconds(5), jitter: .milliseconds(5), chunkDelay: .milliseconds(1))
        let server = try await SandboxServer.start(configuration)
        let script = ["I'd like a refund, my kettle is broken", "It's ORD-4242", "yes please", "that's all, bye"]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
                        let http = SandboxClient(client: client)
                        // Every conversation signs in as its own user, so the one-open rule does not serialise them.
                        var amigo = AmigoTestClient(http: http)
                        amigo.credentials.amigoUserID = String(format: "%024x", 0xABC000 + index)
                        let token = try await amigo.signIn()
                        let id = try await amigo.create(token).conversationID
                        var last = ""
                        for text in script { last = try await amigo.interact(token, id, text).fullMessage }
                        #expect(last.contains("goodbye"))
                    }
                }
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
                        let amelia = AmeliaTestClient(http: SandboxClient(client: client))
                        let token = try await amelia.login()
                        let session = try await amelia.newConversation(token)
                        _ = try await amelia.pollUntilReady(token, session)
                        for text in script {
                            let body = String(
                                decoding: try JSONSerialization.data(withJSONObject: ["messageText": text]),
                                as: UTF8.self)
                            #expect(try await amelia.post(token, "conversations/\(session)/send", body).status == 200)
                            _ = try await amelia.pollUntilReady(token, session)
                        }
                    }
                }
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
                        let http = SandboxClient(client: client)
                        let headers = ["x-api-key": SandboxCredentials.default.agentHumanAPIKey]
                        let created = try await http.send(
                            .post, "/api/v1/sessions", headers: headers,
                            body: #"{"agent_id":123,"session_type":"agent_chat"}"#)
                        let id = try #require((created.object["session"] as? [String: Any])?["session_id"] as? Int)
                        for text in script {
                            let body = String(
                                decoding: try JSONSerialization.data(withJSONObject: ["message": text]), as: UTF8.self)
                            #expect(
                                try await http.send(
                                    .post, "/api/v1/sessions/\(id)/messages", headers: headers, body: body
                                ).status == 200)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let stats = server.stats
        await server.stop()
        #expect(stats.userMessages.count == 36)
        #expect(stats.userMessages.values.allSatisfy { $0 == script.count }, "\(stats.userMessages)")
        #expect(stats.requests(.amigoInteract) == 12 * script.count)
        #expect(stats.requests(.ameliaSend) == 12 * script.count)
        #expect(stats.requests(.agentHumanMessage) == 12 * script.count)
    }
}
