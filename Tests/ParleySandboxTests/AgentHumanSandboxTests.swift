import Foundation
import HTTPTypes
import Testing
import ParleySandbox

@Suite struct AgentHumanSandboxTests {
    static let key = SandboxCredentials.default.agentHumanAPIKey
    static let agent = SandboxCredentials.default.agentHumanAgentID

    func send(
        _ http: SandboxClient, _ method: HTTPRequest.Method, _ path: String, key: String = key, body: String? = nil
    ) async throws -> HTTPResult {
        try await http.send(method, "/api/v1/\(path)", headers: ["x-api-key": key], body: body)
    }

    @Test func fullSessionWithMessagesAndEnd() async throws {
        try await withSandbox(SandboxConfiguration(latency: .milliseconds(100))) { server, http in
            let created = try await send(
                http, .post, "sessions",
                body: #"{"agent_id":\#(Self.agent),"session_type":"agent_chat","metadata":{"source":"parley"}}"#)
            #expect(created.status == 201)
            #expect(created.object["success"] as? Bool == true)
            #expect(created.object["message"] as? String == "Session started successfully")
            let session = try #require(created.object["session"] as? [String: Any])
            let id = try #require(session["session_id"] as? Int)
            #expect(session["status"] as? String == "active")
            #expect(session["session_type"] as? String == "agent_chat")
            #expect((session["metadata"] as? [String: Any])?["source"] as? String == "parley")
            #expect(created.header("X-RateLimit-Limit") != nil)

            let start = ContinuousClock.now
            let reply = try await send(
                http, .post, "sessions/\(id)/messages", body: #"{"message":"I want a refund, my lamp is broken"}"#)
            #expect(ContinuousClock.now - start >= .milliseconds(100))
            #expect(reply.status == 200)
            let response = try #require(reply.object["response"] as? [String: Any])
            #expect((response["text"] as? String)?.contains("What's your order number?") == true)
            #expect(response["message_id"] is String)
            #expect(response["created_at"] is String)

            let second = try await send(http, .post, "sessions/\(id)/messages", body: #"{"message":"ORD-31"}"#)
            #expect(
                ((second.object["response"] as? [String: Any])?["text"] as? String)?.contains("I found order ORD-31")
                    == true)

            let active = try await send(http, .get, "sessions?agent_id=\(Self.agent)&status=active")
            #expect((active.object["sessions"] as? [[String: Any]])?.count == 1)

            let ended = try await send(
                http, .put, "sessions/\(id)/end", body: #"{"duration":42,"transcript":"a transcript"}"#)
            #expect(ended.status == 200)
            let endedSession = try #require(ended.object["session"] as? [String: Any])
            #expect(endedSession["status"] as? String == "completed")
            #expect(endedSession["duration"] as? Int == 42)
            #expect(endedSession["transcript"] as? String == "a transcript")
            #expect(endedSession["ended_at"] is String)
            // Ending again succeeds and changes nothing.
            let again = try await send(http, .put, "sessions/\(id)/end")
            #expect(again.status == 200)
            #expect(
                (again.object["session"] as? [String: Any])?["ended_at"] as? String == endedSession["ended_at"]
                    as? String)

            let afterEnd = try await send(http, .post, "sessions/\(id)/messages", body: #"{"message":"hello"}"#)
            #expect(afterEnd.status == 400)
            #expect(afterEnd.object["success"] as? Bool == false)
            let completed = try await send(http, .get, "sessions?status=completed")
            #expect((completed.object["sessions"] as? [[String: Any]])?.compactMap { $0["session_id"] as? Int } == [id])
            let perAgent = try await send(http, .get, "agents/\(Self.agent)/sessions")
            #expect((perAgent.object["sessions"] as? [[String: Any]])?.count == 1)
            #expect(server.stats.userMessages[String(id)] == 2)
        }
    }

    @Test func goodbyeCompletesTheSession() async throws {
        try await withSandbox { _, http in
            let created = try await send(
                http, .post, "sessions", body: #"{"agent_id":\#(Self.agent),"session_type":"agent_chat"}"#)
            let id = try #require((created.object["session"] as? [String: Any])?["session_id"] as? Int)
            let bye = try await send(http, .post, "sessions/\(id)/messages", body: #"{"message":"that's all, bye"}"#)
            #expect(((bye.object["response"] as? [String: Any])?["text"] as? String)?.contains("goodbye") == true)
            let listed = try await send(http, .get, "sessions?status=completed")
            let session = try #require((listed.object["sessions"] as? [[String: Any]])?.first)
            #expect(
                session["transcript"] as? String
                    == "User: that's all, bye\nAgent: Thanks for contacting Juniper & Pine. Have a lovely day, goodbye!"
            )
        }
    }

    @Test func errorsComeInTheEnvelopeWithTheRightStatus() async throws {
        try await withSandbox { _, http in
            let wrongKey = try await send(http, .post, "sessions", key: "ah_live_wrong", body: #"{"agent_id":123}"#)
            #expect(wrongKey.status == 401)
            #expect(wrongKey.text == #"{"success":false,"error":"Invalid or missing API key"}"#)
            let unknownAgent = try await send(
                http, .post, "sessions", body: #"{"agent_id":999,"session_type":"agent_chat"}"#)
            #expect(unknownAgent.status == 404)
            #expect(unknownAgent.text == #"{"success":false,"error":"Agent not found or access denied"}"#)
            #expect(try await send(http, .post, "sessions", body: #"{"session_type":"agent_chat"}"#).status == 400)
            #expect(try await send(http, .post, "sessions", body: #"{"agent_id":"abc"}"#).status == 400)
            #expect(
                try await send(http, .post, "sessions", body: #"{"agent_id":123,"session_type":"hologram"}"#).status
                    == 400)
            #expect(try await send(http, .post, "sessions", body: "[1,2").status == 400)
            #expect(try await send(http, .post, "sessions/9999/messages", body: #"{"message":"hi"}"#).status == 404)
            #expect(try await send(http, .put, "sessions/abc/end").status == 404)
            #expect(try await send(http, .get, "sessions?status=sleeping").status == 400)
            #expect(try await send(http, .get, "agents/999/sessions").status == 404)
            let unknown = try await send(http, .get, "nothing")
            #expect(unknown.status == 404)
            #expect(unknown.object["success"] as? Bool == false)
            let created = try await send(http, .post, "sessions", body: #"{"agent_id":123}"#)
            let id = try #require((created.object["session"] as? [String: Any])?["session_id"] as? Int)
            #expect((created.object["session"] as? [String: Any])?["session_type"] as? String == "agent_voice")
            #expect(
                try await send(http, .post, "sessions/\(id)/messages", body: #"{"text":"wrong field"}"#).status == 400)
        }
    }

    @Test func rateLimitOf60PerMinuteScaled() async throws {
        try await withSandbox(SandboxConfiguration(rateLimits: .documented(scale: 0.05))) { _, http in
            var statuses: [Int] = []
            var last: HTTPResult?
            for _ in 0..<4 {
                let result = try await send(http, .get, "sessions")
                statuses.append(result.status)
                last = result
            }
            #expect(statuses == [200, 200, 200, 429])
            let refused = try #require(last)
            #expect(refused.text == #"{"success":false,"error":"Too many requests. Please retry after 1 minute."}"#)
            #expect(refused.header("X-RateLimit-Limit") == "3")
            #expect(refused.header("X-RateLimit-Remaining") == "0")
            let retryAfter = try #require(refused.header("Retry-After").flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
        }
    }

    @Test func anotherSendMessageShapeCanBeServedInsteadOfTheDefault() async throws {
        let route = AgentHumanMessageRoute(
            method: "put", path: "chat/{session_id}/turns", textField: "input", replyPath: ["data", "reply", "content"])
        try await withSandbox(SandboxConfiguration(agentHumanMessageRoute: route)) { server, http in
            let created = try await send(http, .post, "sessions", body: #"{"agent_id":\#(Self.agent)}"#)
            let id = try #require((created.object["session"] as? [String: Any])?["session_id"] as? Int)
            let reply = try await send(http, .put, "chat/\(id)/turns", body: #"{"input":"Where is my order?"}"#)
            #expect(reply.status == 200)
            let inner = (reply.object["data"] as? [String: Any])?["reply"] as? [String: Any]
            #expect((inner?["content"] as? String)?.contains("order number") == true)
            #expect(inner?["message_id"] is String)
            #expect(try await send(http, .post, "chat/\(id)/turns", body: #"{"input":"hi"}"#).status == 405)
            #expect(try await send(http, .put, "chat/\(id)/turns", body: #"{"message":"hi"}"#).status == 400)
            #expect(try await send(http, .post, "sessions/\(id)/messages", body: #"{"message":"hi"}"#).status == 404)
            #expect(server.stats.userMessages[String(id)] == 1)
        }
    }
}
