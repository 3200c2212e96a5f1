import Foundation
import HummingbirdTesting
import Testing
import ParleySandbox

@Suite struct SandboxFaultTests {
    @Test func refusalsComeBeforeAnythingHappens() async throws {
        let faults = [
            SandboxFault(.rateLimited(retryAfter: 7), endpoint: .amigoInteract, every: 2),
            SandboxFault(.unavailable, endpoint: .amigoCreateConversation, limit: 1),
        ]
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let unavailable = try await amigo.create(token)
            #expect(unavailable.status == 503)
            #expect(unavailable.detail == "The service is going through temporary maintenance.")
            let id = try await amigo.create(token).conversationID
            var statuses: [Int] = []
            var retryAfter: [String?] = []
            for _ in 0..<4 {
                let result = try await amigo.interact(token, id, "hello")
                statuses.append(result.status)
                retryAfter.append(result.header("Retry-After"))
            }
            #expect(statuses == [200, 429, 200, 429])
            #expect(retryAfter == [nil, "7", nil, "7"])
            #expect(server.stats.userMessages[id] == 2)
        }
    }

    @Test func aDroppedStreamHasAlreadyChangedTheConversation() async throws {
        try await withSandbox(
            SandboxConfiguration(faults: [SandboxFault(.dropMidStream, endpoint: .amigoInteract, limit: 1)])
        ) { server, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let id = try await amigo.create(token).conversationID
            await #expect(throws: (any Error).self) {
                _ = try await amigo.interact(token, id, "I want a refund")
            }
            #expect(server.stats.userMessages[id] == 1)
            // A new connection sees the turn that happened while the first one dropped.
            try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
                let again = AmigoTestClient(http: SandboxClient(client: client))
                let messages = try await again.get(token, "conversation/\(id)/messages/?sort_by=%2Bcreated_at")
                let texts = (messages.object["messages"] as? [[String: Any]] ?? []).compactMap {
                    $0["message"] as? String
                }
                #expect(texts.count == 3)
                #expect(texts.last?.contains("order number") == true)
            }
        }
    }

    @Test func malformedLinesAndSlowFirstBytes() async throws {
        let faults = [
            SandboxFault(.malformedLine, endpoint: .amigoInteract),
            SandboxFault(.slowFirstByte(.milliseconds(300)), endpoint: .amigoInteract),
        ]
        try await withSandbox(SandboxConfiguration(faults: faults)) { _, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let id = try await amigo.create(token).conversationID
            let start = ContinuousClock.now
            let result = try await amigo.interact(token, id, "hello")
            #expect(ContinuousClock.now - start >= .milliseconds(300))
            #expect(result.rawLines.count == result.lines.count + 1)
            #expect(result.rawLines[1] == #"{"type":"new-message","message":"#)
            #expect(result.lines.first?["type"] as? String == "user-message-available")
        }
    }

    @Test func ameliaAndAgentHumanRefuseInTheirOwnShapes() async throws {
        let faults = [
            SandboxFault(.unavailable, endpoint: .agentHumanCreateSession),
            SandboxFault(.rateLimited(retryAfter: 2), endpoint: .ameliaLogin),
        ]
        try await withSandbox(SandboxConfiguration(faults: faults)) { _, http in
            let key = SandboxCredentials.default.agentHumanAPIKey
            let session = try await http.send(
                .post, "/api/v1/sessions", headers: ["x-api-key": key], body: #"{"agent_id":123}"#)
            #expect(session.status == 503)
            #expect(session.object["success"] as? Bool == false)
            let login = try await http.send(
                .post, "/AmeliaRest/api/v1/auth/login", body: #"{"username":"a","password":"b"}"#)
            #expect(login.status == 429)
            #expect(login.header("Retry-After") == "2")
        }
    }

    @Test func internalErrorsComeBeforeAnythingHappensInEachProtocolsShape() async throws {
        let faults = [
            SandboxFault(.internalError, endpoint: .amigoSignIn), SandboxFault(.internalError, endpoint: .ameliaLogin),
            SandboxFault(.internalError, endpoint: .agentHumanCreateSession),
        ]
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, http in
            let amigo = try await http.send(.post, "/v1/parley-sandbox/user/signin_with_api_key")
            #expect(amigo.status == 500)
            #expect(amigo.detail == "Internal Server Error")
            let amelia = try await http.send(
                .post, "/AmeliaRest/api/v1/auth/login", body: #"{"username":"a","password":"b"}"#)
            #expect(amelia.status == 500)
            #expect(amelia.object["error"] as? String == "Internal Server Error")
            let key = SandboxCredentials.default.agentHumanAPIKey
            let session = try await http.send(
                .post, "/api/v1/sessions", headers: ["x-api-key": key], body: #"{"agent_id":123}"#)
            #expect(session.status == 500)
            #expect(session.object["error"] as? String == "Internal server error")
            #expect(server.stats.userMessages.isEmpty)
        }
    }

    @Test func ameliaPollsAndAgentHumanMessagesCanBeBrokenOrCutOff() async throws {
        let faults = [
            SandboxFault(.malformedLine, endpoint: .ameliaPoll, limit: 1),
            SandboxFault(.malformedLine, endpoint: .agentHumanMessage, limit: 1),
            SandboxFault(.dropMidStream, endpoint: .agentHumanMessage, every: 2, limit: 1),
        ]
        try await withSandbox(SandboxConfiguration(faults: faults)) { server, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let session = try await amelia.newConversation(token)
            let broken = try await amelia.post(token, "conversations/\(session)/poll")
            #expect(broken.status == 200)
            #expect(broken.text.hasPrefix("[{"))
            #expect((try? JSONSerialization.jsonObject(with: Data(broken.text.utf8))) == nil, "half a body is not JSON")
            // The broken answer carried the greeting: it is gone, as it would be for a real client.
            #expect(try await amelia.post(token, "conversations/\(session)/poll").array.isEmpty)

            let key = SandboxCredentials.default.agentHumanAPIKey
            let created = try await http.send(
                .post, "/api/v1/sessions", headers: ["x-api-key": key], body: #"{"agent_id":123}"#)
            let id = try #require((created.object["session"] as? [String: Any])?["session_id"] as? Int)
            let half = try await http.send(
                .post, "/api/v1/sessions/\(id)/messages", headers: ["x-api-key": key], body: #"{"message":"hi"}"#)
            #expect(half.status == 200)
            #expect(half.text.hasPrefix(#"{"success":true"#))
            #expect(half.object.isEmpty)
            await #expect(throws: (any Error).self) {
                _ = try await http.send(
                    .post, "/api/v1/sessions/\(id)/messages", headers: ["x-api-key": key], body: #"{"message":"hello"}"#
                )
            }
            #expect(server.stats.userMessages[String(id)] == 2, "a cut-off answer still means the message was taken")
        }
    }

    @Test func ameliaCanAnswerWithASystemErrorInsteadOfAReply() async throws {
        try await withSandbox(
            SandboxConfiguration(faults: [SandboxFault(.systemError, endpoint: .ameliaSend, limit: 1)])
        ) { server, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let session = try await amelia.newConversation(token)
            _ = try await amelia.pollUntilReady(token, session)
            #expect(
                try await amelia.post(token, "conversations/\(session)/send", #"{"messageText":"hello"}"#).status == 200
            )
            let messages = try await amelia.post(token, "conversations/\(session)/poll").array
            #expect(messages.ameliaTypes == ["OutboundEchoMessage", "OutboundSystemErrorMessage"])
            #expect(
                messages.last?["messageText"] as? String
                    == "An unexpected error occurred while processing your request.")
            #expect(server.stats.userMessages[session] == 1)
        }
    }
}
