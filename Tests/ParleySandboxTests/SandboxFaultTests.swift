import Foundation
import HummingbirdTesting
import ParleySandbox
import Testing

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
        try await withSandbox(SandboxConfiguration(faults: [SandboxFault(.dropMidStream, endpoint: .amigoInteract, limit: 1)])) { server, http in
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
                let texts = (messages.object["messages"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
                #expect(texts.count == 3)
                #expect(texts.last?.contains("order number") == true)
            }
        }
    }

    @Test func malformedLinesAndSlowFirstBytes() async throws {
        let faults = [SandboxFault(.malformedLine, endpoint: .amigoInteract), SandboxFault(.slowFirstByte(.milliseconds(300)), endpoint: .amigoInteract)]
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
        let faults = [SandboxFault(.unavailable, endpoint: .agentHumanCreateSession), SandboxFault(.rateLimited(retryAfter: 2), endpoint: .ameliaLogin)]
        try await withSandbox(SandboxConfiguration(faults: faults)) { _, http in
            let key = SandboxCredentials.default.agentHumanAPIKey
            let session = try await http.send(.post, "/api/v1/sessions", headers: ["x-api-key": key], body: #"{"agent_id":123}"#)
            #expect(session.status == 503)
            #expect(session.object["success"] as? Bool == false)
            let login = try await http.send(.post, "/AmeliaRest/api/v1/auth/login", body: #"{"username":"a","password":"b"}"#)
            #expect(login.status == 429)
            #expect(login.header("Retry-After") == "2")
        }
    }
}
