import Foundation
import Testing
import ParleySandbox

/// Amelia calls with the default sandbox credentials.
struct AmeliaTestClient: Sendable {
    let http: SandboxClient
    let base = "/AmeliaRest/api/v1"
    var credentials = SandboxCredentials.default

    func login() async throws -> String {
        let body = #"{"username":"\#(credentials.ameliaUsername)","password":"\#(credentials.ameliaPassword)"}"#
        let result = try await http.send(.post, "\(base)/auth/login", body: body)
        try #require(result.status == 200, "login failed: \(result.text)")
        return try #require(result.object["token"] as? String)
    }

    func post(_ token: String, _ path: String, _ body: String = "{}") async throws -> HTTPResult {
        try await http.send(.post, "\(base)/\(path)", headers: ["X-Amelia-Rest-Token": token], body: body)
    }

    func newConversation(_ token: String) async throws -> String {
        let result = try await post(
            token, "conversations/new",
            #"{"domain":"\#(credentials.ameliaDomain)","deliveryMode":"POLLING","receiveDebugMessages":"false"}"#)
        try #require(result.status == 200, "new failed: \(result.text)")
        return try #require(result.object["sessionId"] as? String)
    }

    /// Polls (with a short pause) until a ready or closed message arrives; returns every message seen and the poll
    /// count.
    /// Bounded by time rather than a count of polls, so a busy machine does not fail it.
    /// `seen`: messages an earlier poll already took (polled messages are handed out once).
    func pollUntilReady(
        _ token: String, _ session: String, seen: [[String: Any]] = [],
        seconds: Double = 30
    ) async throws -> (messages: [[String: Any]], polls: Int) {
        var messages = seen
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        var poll = 0
        func turnIsOver() -> Bool {
            let types = messages.compactMap { $0["ameliaMessageType"] as? String }
            return types.contains("OutboundAmeliaReadyMessage") || types.contains("OutboundConversationClosedMessage")
        }
        if turnIsOver() { return (messages, poll) }
        while ContinuousClock.now < deadline {
            poll += 1
            let result = try await post(token, "conversations/\(session)/poll")
            try #require(result.status == 200, "poll failed: \(result.status) \(result.text)")
            messages += result.array
            if turnIsOver() { return (messages, poll) }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("no ready message after \(poll) polls in \(seconds) s")
        return (messages, poll)
    }
}

extension Array where Element == [String: Any] {
    var ameliaTypes: [String] { compactMap { $0["ameliaMessageType"] as? String } }
    var ameliaTexts: [String] {
        filter { $0["ameliaMessageType"] as? String == "OutboundTextMessage" }.compactMap {
            $0["messageText"] as? String
        }
    }
}

@Suite struct AmeliaSandboxTests {
    @Test func fullConversationByPolling() async throws {
        let latency = Duration.milliseconds(500)
        try await withSandbox(SandboxConfiguration(latency: latency, chunkDelay: .milliseconds(30))) { server, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let started = ContinuousClock.now
            let session = try await amelia.newConversation(token)
            let early = try await amelia.post(token, "conversations/\(session)/poll")
            if ContinuousClock.now - started < latency {
                #expect(early.array.isEmpty, "messages must only become available after the latency")
            }
            // On a busy machine the early poll may come after the latency and take the greeting itself.
            let greeting = try await amelia.pollUntilReady(token, session, seen: early.array)
            #expect(ContinuousClock.now - started >= latency)
            #expect(
                greeting.messages.ameliaTexts == [
                    "Hi, thanks for contacting Juniper & Pine! I'm Juno, your virtual assistant. How can I help you "
                        + "today?"
                ])
            let ready = try #require(greeting.messages.last)
            #expect(ready["inputEnabled"] as? Bool == true)
            #expect(ready["messageText"] is NSNull)

            #expect(
                try await amelia.post(
                    token, "conversations/\(session)/send", #"{"messageText":"Where is my order ORD-1042?"}"#
                ).status == 200)
            let status = try await amelia.pollUntilReady(token, session)
            #expect(
                status.messages.ameliaTypes == [
                    "OutboundEchoMessage", "OutboundTextMessage", "OutboundTextMessage", "OutboundAmeliaReadyMessage",
                ]
                    || status.messages.ameliaTypes == [
                        "OutboundEchoMessage", "OutboundTextMessage", "OutboundAmeliaReadyMessage",
                    ])
            let echo = try #require(status.messages.first)
            #expect(echo["selfEcho"] as? Bool == true)
            #expect(echo["sourceUserType"] as? String == "User")
            #expect(echo["messageText"] as? String == "Where is my order ORD-1042?")
            let text = try #require(status.messages.dropFirst().first)
            #expect(text["sourceUserType"] as? String == "Amelia")
            #expect(text["inResponseToMessageId"] as? String == echo["messageId"] as? String)
            #expect(text["sessionId"] as? String == session)
            #expect((text["conversationId"] as? String)?.wholeMatch(of: /[A-Z]{13}-1/) != nil)
            #expect(status.messages.ameliaTexts.joined(separator: " ").contains("Here's the status of order ORD-1042"))
            let sequences = (greeting.messages + status.messages).compactMap { $0["sessionSequence"] as? Int }
            #expect(sequences == Array(1...sequences.count))

            _ = try await amelia.post(
                token, "conversations/\(session)/send", #"{"messageText":"Let me talk to a person"}"#)
            let escalated = try await amelia.pollUntilReady(token, session)
            #expect(escalated.messages.ameliaTypes.contains("OutboundEscalationStartedMessage"))

            _ = try await amelia.post(token, "conversations/\(session)/send", #"{"messageText":"bye"}"#)
            let closed = try await amelia.pollUntilReady(token, session)
            #expect(closed.messages.ameliaTypes.last == "OutboundConversationClosedMessage")
            #expect(closed.messages.ameliaTexts.last?.contains("goodbye") == true)
            let refused = try await amelia.post(token, "conversations/\(session)/send", #"{"messageText":"hello?"}"#)
            #expect(refused.status == 400)

            #expect(
                try await amelia.post(token, "conversations/\(session)/close", #"{"skipPreCloseSurvey":true}"#).status
                    == 200)
            #expect(try await amelia.post(token, "auth/logout").status == 200)
            #expect(try await amelia.post(token, "conversations/\(session)/poll").status == 401)
            #expect(server.stats.userMessages[session] == 3)
            #expect(server.stats.requests(.ameliaSend) == 4)
        }
    }

    @Test func wrongCredentialsAnswer500AsObserved() async throws {
        try await withSandbox { _, http in
            let result = try await http.send(
                .post, "/AmeliaRest/api/v1/auth/login", body: #"{"username":"sandbox@parley.local","password":"wrong"}"#
            )
            #expect(result.status == 500)
            #expect(result.object["message"] as? String == "Bad credentials")
            #expect(result.object["status"] as? Int == 500)
            #expect(result.object["path"] as? String == "/AmeliaRest/api/v1/auth/login")
            let malformed = try await http.send(.post, "/AmeliaRest/api/v1/auth/login", body: "not json")
            #expect(malformed.status == 400)
        }
    }

    @Test func callsWithoutAValidTokenAreRefused() async throws {
        try await withSandbox { _, http in
            let amelia = AmeliaTestClient(http: http)
            let missing = try await http.send(
                .post, "/AmeliaRest/api/v1/conversations/new", body: #"{"domain":"support"}"#)
            #expect(missing.status == 401)
            #expect(
                try await amelia.post(
                    "00000000-0000-0000-0000-000000000000", "conversations/new", #"{"domain":"support"}"#
                ).status == 401)
            let token = try await amelia.login()
            let wrongDomain = try await amelia.post(token, "conversations/new", #"{"domain":"sales"}"#)
            #expect(wrongDomain.status == 400)
            #expect(try await amelia.post(token, "conversations/unknown-session/poll").status == 404)
        }
    }

    @Test func expiredSessionsAnswer410UntilTheClientLogsInAgain() async throws {
        try await withSandbox { server, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let session = try await amelia.newConversation(token)
            server.expireAmeliaSessions()
            let gone = try await amelia.post(token, "conversations/\(session)/poll")
            #expect(gone.status == 410)
            #expect(gone.object["error"] as? String == "Gone")
            let fresh = try await amelia.login()
            let second = try await amelia.newConversation(fresh)
            #expect(try await amelia.post(fresh, "conversations/\(second)/poll").status == 200)
            // The old token stays expired.
            #expect(try await amelia.post(token, "conversations/new", #"{"domain":"support"}"#).status == 410)
        }
        try await withSandbox(SandboxConfiguration(ameliaSessionLifetime: .seconds(2))) { _, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let session = try await amelia.newConversation(token)
            #expect(try await amelia.post(token, "conversations/\(session)/poll").status == 200)
            try await Task.sleep(for: .milliseconds(2500))
            #expect(
                try await amelia.post(token, "conversations/\(session)/send", #"{"messageText":"hi"}"#).status == 410)
        }
    }

    @Test func aConversationOutlivesTheLoginThatOpenedIt() async throws {
        try await withSandbox { server, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let session = try await amelia.newConversation(token)
            _ = try await amelia.pollUntilReady(token, session)
            server.expireAmeliaSessions()
            #expect(
                try await amelia.post(token, "conversations/\(session)/send", #"{"messageText":"Where is my order?"}"#)
                    .status == 410)
            let fresh = try await amelia.login()
            #expect(
                try await amelia.post(fresh, "conversations/\(session)/send", #"{"messageText":"Where is my order?"}"#)
                    .status == 200)
            let reply = try await amelia.pollUntilReady(fresh, session)
            #expect(reply.messages.ameliaTexts.joined().contains("order number"))
            #expect(server.stats.userMessages[session] == 1, "the refused send was not taken")
        }
    }

    @Test func longPollWaitsForTheNextMessage() async throws {
        try await withSandbox(SandboxConfiguration(latency: .milliseconds(200))) { _, http in
            let amelia = AmeliaTestClient(http: http)
            let token = try await amelia.login()
            let start = ContinuousClock.now
            let session = try await amelia.newConversation(token)
            let result = try await amelia.post(token, "conversations/\(session)/longpoll")
            // One call, and the greeting: the long poll waited for the latency to pass.
            #expect(result.array.ameliaTypes.contains("OutboundTextMessage"))
            #expect(ContinuousClock.now - start >= .milliseconds(200))
        }
    }
}
