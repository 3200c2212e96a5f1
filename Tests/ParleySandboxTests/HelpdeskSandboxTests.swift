import Foundation
import HTTPTypes
import Testing
import ParleySandbox

/// The helpdesk bot's own REST protocol: form login, `Token` auth, a timeline read with a cursor.
@Suite struct HelpdeskSandboxTests {
    static let credentials = SandboxCredentials.default

    func token(_ http: SandboxClient) async throws -> String {
        let answer = try await http.send(
            .post, "/helpdesk/v2/oauth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "grant_type=client_credentials&client_id=\(Self.credentials.helpdeskClientID)"
                + "&client_secret=\(Self.credentials.helpdeskClientSecret)")
        #expect(answer.status == 200)
        let access = try #require((answer.object["data"] as? [String: Any])?["access"] as? [String: Any])
        #expect(access["type"] as? String == "Token")
        return try #require(access["token"] as? String)
    }

    func send(_ http: SandboxClient, _ method: HTTPRequest.Method, _ path: String, token: String, body: String? = nil)
        async throws -> HTTPResult
    {
        try await http.send(method, "/helpdesk/v2/\(path)", headers: ["Authorization": "Token \(token)"], body: body)
    }

    /// The items of a timeline read, and its cursor.
    func items(_ result: HTTPResult) -> (items: [[String: Any]], next: Int?) {
        let items = (result.object["data"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        return (items, (result.object["meta"] as? [String: Any])?["next_after"] as? Int)
    }

    @Test func aConversationIsATimelineOfItemsReadAfterACursor() async throws {
        let latency = Duration.milliseconds(600)
        try await withSandbox(SandboxConfiguration(latency: latency)) { server, http in
            let token = try await token(http)
            let began = ContinuousClock.now
            let created = try await send(
                http, .post, "workspaces/juniper/conversations", token: token,
                body: #"{"conversation":{"channel":"chat","customer":{"name":"Dana"}}}"#)
            #expect(created.status == 201)
            let conversation = try #require(
                (created.object["data"] as? [String: Any])?["conversation"] as? [String: Any])
            let id = try #require(conversation["id"] as? String)
            #expect(conversation["status"] as? String == "open")

            // Before the latency has passed only the typing indicator is visible.
            let early = items(try await send(http, .get, "conversations/\(id)/messages?after=0", token: token))
            if ContinuousClock.now - began < latency {
                #expect(early.items.map { $0["kind"] as? String } == ["typing"])
                #expect(early.next == 1)
            }
            #expect(early.items.first?["kind"] as? String == "typing")
            try await Task.sleep(until: began + latency + .milliseconds(50))
            let greeting = items(try await send(http, .get, "conversations/\(id)/messages?after=1", token: token))
            #expect(greeting.items.count == 1)
            #expect(
                ((greeting.items.first?["body"] as? [String: Any])?["text"] as? String)?.contains(
                    "How can I help you today?") == true)
            #expect((greeting.items.first?["turn"] as? [String: Any])?["complete"] as? Bool == true)
            #expect(greeting.next == 2)

            let sent = try await send(
                http, .post, "conversations/\(id)/messages", token: token,
                body: #"{"message":{"body":{"text":"Where is my order?"}}}"#)
            #expect(sent.status == 202)
            #expect(((sent.object["data"] as? [String: Any])?["message"] as? [String: Any])?["seq"] as? Int == 3)
            try await Task.sleep(for: latency + .milliseconds(50))
            let reply = items(try await send(http, .get, "conversations/\(id)/messages?after=2", token: token))
            #expect(reply.items.map { $0["kind"] as? String } == ["message", "typing", "message"])
            #expect((reply.items.first?["actor"] as? [String: Any])?["role"] as? String == "customer")
            #expect(reply.items.compactMap { $0["seq"] as? Int } == [3, 4, 5])
            // Reading again from the same cursor is safe and gives the same items.
            let again = items(try await send(http, .get, "conversations/\(id)/messages?after=2", token: token))
            #expect(again.items.count == 3)
            #expect(
                items(try await send(http, .get, "conversations/\(id)/messages?after=5", token: token)).items.isEmpty)
            #expect(server.stats.userMessages[id] == 1)
        }
    }

    @Test func theAgentClosingAddsAClosedItemAndRefusesFurtherMessages() async throws {
        try await withSandbox { _, http in
            let token = try await token(http)
            let created = try await send(
                http, .post, "workspaces/juniper/conversations", token: token,
                body: #"{"conversation":{"channel":"chat"}}"#)
            let id = try #require(
                ((created.object["data"] as? [String: Any])?["conversation"] as? [String: Any])?["id"] as? String)
            _ = try await send(
                http, .post, "conversations/\(id)/messages", token: token,
                body: #"{"message":{"body":{"text":"Bye!"}}}"#)
            let timeline = items(try await send(http, .get, "conversations/\(id)/messages", token: token))
            #expect(timeline.items.last?["kind"] as? String == "closed")
            let farewell = timeline.items.dropLast().last
            #expect((farewell?["turn"] as? [String: Any])?["complete"] as? Bool == false)
            let refused = try await send(
                http, .post, "conversations/\(id)/messages", token: token,
                body: #"{"message":{"body":{"text":"hello?"}}}"#)
            #expect(refused.status == 409)
            #expect((refused.object["errors"] as? [[String: Any]])?.first?["code"] as? String == "conversation_closed")
        }
    }

    @Test func credentialsAndTokensAreChecked() async throws {
        try await withSandbox { server, http in
            let json = try await http.send(
                .post, "/helpdesk/v2/oauth/token",
                body: #"{"client_id":"parley-sandbox","client_secret":"sandbox-helpdesk-secret"}"#)
            #expect(json.status == 415, "the login is form-encoded")
            let wrong = try await http.send(
                .post, "/helpdesk/v2/oauth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: "grant_type=client_credentials&client_id=parley-sandbox&client_secret=nope")
            #expect(wrong.status == 401)
            #expect((wrong.object["errors"] as? [[String: Any]])?.first?["code"] as? String == "invalid_client")
            let bearer = try await http.send(
                .post, "/helpdesk/v2/workspaces/juniper/conversations", headers: ["Authorization": "Bearer x"],
                body: #"{"conversation":{}}"#)
            #expect(bearer.status == 401)
            let token = try await token(http)
            #expect(
                try await send(
                    http, .post, "workspaces/elsewhere/conversations", token: token, body: #"{"conversation":{}}"#
                ).status == 404)
            server.expireHelpdeskTokens()
            #expect(
                try await send(
                    http, .post, "workspaces/juniper/conversations", token: token, body: #"{"conversation":{}}"#
                ).status == 401)
        }
    }
}
