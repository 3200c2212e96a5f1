import ParleyFlow
import Foundation
import HTTPTypes
import Hummingbird
import ParleyDemoAgent
import ParleyJSON

/// Amelia's REST gateway (`/AmeliaRest/api/v1/…`): login, new conversation, send, poll, close.
///
/// Replies are not returned by `send`: they are queued and become visible to `poll` only after
/// the configured latency, one message at a time, so a client has to poll as it would for real.
/// A conversation created with `deliveryMode: WEBHOOK` gets its messages POSTed to its
/// `webhookUrl` instead (``AmeliaWebhookSender``), and cannot be polled.
struct AmeliaAPI: Sendable {
    static let prefix = "/AmeliaRest/api/v1/"

    let configuration: SandboxConfiguration
    let store: AmeliaStore
    let ids: IdentifierFactory
    let counter: RequestCounter
    let timing: ReplyTiming
    let faults: FaultInjector
    let webhooks: AmeliaWebhookSender

    var credentials: SandboxCredentials { configuration.credentials }

    func handle(_ request: SandboxRequest) async -> Response {
        let endpoint = Self.endpoint(request)
        counter.record(endpoint)
        var request = request
        request.faults = faults.draw(endpoint)
        switch request.faults.refusal {
        case .rateLimited(let retryAfter)?:
            var response = Self.error(.tooManyRequests, "Too many requests", path: request.path)
            response.headers[.retryAfter] = String(retryAfter)
            return response
        case .internalError?:
            return Self.error(.internalServerError, "Internal Server Error", path: request.path)
        case .some:
            return Self.error(.serviceUnavailable, "Service temporarily unavailable", path: request.path)
        case nil:
            let delay = request.faults.firstByteDelay
            if delay > .zero { try? await Task.sleep(for: delay) }
            return await route(request)
        }
    }

    /// The endpoint a request is for, before anything is checked.
    static func endpoint(_ request: SandboxRequest) -> SandboxEndpoint {
        let s = request.segments
        switch (s.count, s.first, s.last) {
        case (2, "auth", "login"): return .ameliaLogin
        case (2, "auth", "logout"): return .ameliaLogout
        case (2, "conversations", "new"): return .ameliaNewConversation
        case (3, "conversations", "send"): return .ameliaSend
        case (3, "conversations", "poll"), (3, "conversations", "longpoll"): return .ameliaPoll
        case (3, "conversations", "close"): return .ameliaClose
        default: return .ameliaUnknown
        }
    }

    private func route(_ request: SandboxRequest) async -> Response {
        let s = request.segments
        let post = request.method == .post
        switch (s.count, s.first) {
        case (2, "auth") where s[1] == "login":
            return post ? login(request) : Self.methodNotAllowed(request)
        case (2, "auth") where s[1] == "logout":
            return post ? logout(request) : Self.methodNotAllowed(request)
        case (2, "conversations") where s[1] == "new":
            return post ? newConversation(request) : Self.methodNotAllowed(request)
        case (3, "conversations"):
            let endpoint: SandboxEndpoint
            switch s[2] {
            case "send": endpoint = .ameliaSend
            case "poll", "longpoll": endpoint = .ameliaPoll
            case "close": endpoint = .ameliaClose
            default:
                return Self.error(
                    .notFound, "No handler found for \(request.method) \(request.path)", path: request.path)
            }
            guard post else { return Self.methodNotAllowed(request) }
            return await session(request, id: s[1], endpoint: endpoint, longPoll: s[2] == "longpoll")
        default:
            return Self.error(.notFound, "No handler found for \(request.method) \(request.path)", path: request.path)
        }
    }

    // MARK: - Errors

    /// Spring Boot's error body, which Amelia's gateway returns: timestamp, status, error, message, path.
    static func error(_ status: HTTPResponse.Status, _ message: String, path: String) -> Response {
        HTTPReply.json(
            status,
            .object([
                ("timestamp", .int(Timestamp.epochMilliseconds(Date()))), ("status", .int(status.code)),
                ("error", .string(status.reasonPhrase)), ("message", .string(message)), ("path", .string(path)),
            ]))
    }

    static func methodNotAllowed(_ request: SandboxRequest) -> Response {
        error(.methodNotAllowed, "Request method '\(request.method)' not supported", path: request.path)
    }

    /// The request's token, refreshed; or the 401/410 to answer with.
    func authorize(_ request: SandboxRequest) -> Result<(token: String, info: AmeliaStore.Token), AmeliaFailure> {
        guard let token = request.headers[.ameliaToken], !token.isEmpty else {
            return .failure(
                AmeliaFailure(Self.error(.unauthorized, "Missing X-Amelia-Rest-Token header", path: request.path)))
        }
        switch store.use(token, now: request.receivedAt) {
        case .success(let info): return .success((token, info))
        case .failure(.unknown):
            return .failure(AmeliaFailure(Self.error(.unauthorized, "Invalid token", path: request.path)))
        case .failure(.expired):
            return .failure(AmeliaFailure(Self.error(.gone, "Session expired", path: request.path)))
        }
    }

    /// A ready-made error response carried through `Result`.
    struct AmeliaFailure: Error {
        let response: Response
        init(_ response: Response) { self.response = response }
    }

    // MARK: - Auth

    /// `POST auth/login` `{"username","password"}` → `{"status":201,"token":…,"userModel":{…}}`.
    /// Wrong credentials answer 500, as deployed gateways have been seen to do.
    func login(_ request: SandboxRequest) -> Response {
        guard let body = try? RequestJSON.parse(request.body), body.objectPairs != nil else {
            return Self.error(.badRequest, "Malformed JSON request", path: request.path)
        }
        guard let username = body["username"]?.stringValue, let password = body["password"]?.stringValue else {
            return Self.error(.badRequest, "username and password are required", path: request.path)
        }
        guard username == credentials.ameliaUsername, password == credentials.ameliaPassword else {
            return Self.error(.internalServerError, "Bad credentials", path: request.path)
        }
        let token = ids.uuid()
        store.issue(token, username: username, now: request.receivedAt)
        return HTTPReply.json(
            .ok,
            .object([
                ("status", 201),
                ("token", .string(token)),
                (
                    "userModel",
                    .object([
                        ("agent", false), ("anonymous", false), ("availability", "READY"), ("email", .string(username)),
                        ("name", "Sandbox Tester"), ("userId", .string(Self.userID(for: username))),
                    ])
                ),
            ]))
    }

    /// `POST auth/logout`: the token stops working.
    func logout(_ request: SandboxRequest) -> Response {
        switch authorize(request) {
        case .failure(let failure): return failure.response
        case .success(let auth):
            store.revoke(auth.token)
            return HTTPReply.empty(.ok)
        }
    }

    /// A stable UUID-shaped user id for a login name.
    static func userID(for username: String) -> String {
        func hex(_ value: UInt64) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }
        let digits = Array(hex(StableHash.fnv1a(username)) + hex(StableHash.fnv1a(username + "#")))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(digits[$0]) }.joined(separator: "-")
    }

    // MARK: - Conversations

    /// `POST conversations/new` `{"domain":…,"deliveryMode":"POLLING"}` (or `"WEBHOOK"` with
    /// `webhookUrl` and an optional `secret`) → `{"sessionId","conversationId","sessionMode"}`.
    func newConversation(_ request: SandboxRequest) -> Response {
        let auth: (token: String, info: AmeliaStore.Token)
        switch authorize(request) {
        case .failure(let failure): return failure.response
        case .success(let value): auth = value
        }
        guard let body = try? RequestJSON.parse(request.body), body.objectPairs != nil else {
            return Self.error(.badRequest, "Malformed JSON request", path: request.path)
        }
        guard let domain = body["domain"]?.stringValue, !domain.isEmpty else {
            return Self.error(.badRequest, "domain is required", path: request.path)
        }
        guard domain.lowercased() == credentials.ameliaDomain.lowercased() else {
            return Self.error(.badRequest, "Unknown domain code: \(domain)", path: request.path)
        }
        let mode = (body["deliveryMode"]?.stringValue ?? "POLLING").uppercased()
        var webhook: AmeliaWebhookTarget?
        switch mode {
        case "POLLING":
            break
        case "WEBHOOK":
            guard let url = body["webhookUrl"]?.stringValue, !url.isEmpty else {
                return Self.error(.badRequest, "webhookUrl is required for WEBHOOK delivery", path: request.path)
            }
            let lowered = url.lowercased()
            guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
                return Self.error(.badRequest, "webhookUrl is not an http(s) URL: \(url)", path: request.path)
            }
            let secret = body["secret"]?.stringValue
            webhook = AmeliaWebhookTarget(url: url, secret: secret.flatMap { $0.isEmpty ? nil : $0 })
        default:
            return Self.error(
                .badRequest, "deliveryMode must be POLLING or WEBHOOK, not \(mode)", path: request.path)
        }
        var demo = DemoConversation(script: configuration.script, seed: configuration.seed)
        let greeting = demo.open(.agentFirst)
        let box = AmeliaSessionBox(
            sessionID: ids.uuid(), conversationID: ids.ameliaConversationID(),
            username: auth.info.username, webhook: webhook, state: AmeliaSessionState(demo: demo))
        box.state.withLock { state in
            schedule(greeting, inResponseTo: nil, session: box, state: &state, after: ContinuousClock.now)
        }
        store.add(box)
        if let webhook { webhooks.wake(box, target: webhook) }
        return HTTPReply.json(
            .ok,
            .object([
                ("sessionId", .string(box.sessionID)), ("conversationId", .string(box.conversationID)),
                ("sessionMode", "USER"),
            ]))
    }

    /// `send`, `poll`, `longpoll` and `close` on a session.
    func session(_ request: SandboxRequest, id: String, endpoint: SandboxEndpoint, longPoll: Bool) async -> Response {
        let auth: (token: String, info: AmeliaStore.Token)
        switch authorize(request) {
        case .failure(let failure): return failure.response
        case .success(let value): auth = value
        }
        // A session belongs to the user, not to the login that opened it: a client that logs in
        // again after a 410 carries on with the same conversation.
        guard let box = store.session(id), box.username == auth.info.username else {
            return Self.error(.notFound, "Conversation session not found: \(id)", path: request.path)
        }
        switch endpoint {
        case .ameliaSend: return send(request, box)
        case .ameliaClose:
            box.state.withLock { $0.clientClosed = true }
            return HTTPReply.empty(.ok)
        default: return await poll(request, box, longPoll: longPoll)
        }
    }

    /// `POST conversations/{sessionId}/send` `{"messageText":…}` → 200; the reply is queued for polling.
    func send(_ request: SandboxRequest, _ box: AmeliaSessionBox) -> Response {
        guard let body = try? RequestJSON.parse(request.body), body.objectPairs != nil else {
            return Self.error(.badRequest, "Malformed JSON request", path: request.path)
        }
        guard let text = body["messageText"]?.stringValue else {
            return Self.error(.badRequest, "messageText is required", path: request.path)
        }
        let now = ContinuousClock.now
        let accepted = box.state.withLock { state -> Bool in
            guard !state.agentClosed, !state.clientClosed else { return false }
            state.userMessagesReceived += 1
            let echoID = ids.uuid()
            state.sequence += 1
            state.pending.append(
                (
                    now,
                    message(
                        id: echoID, type: "OutboundEchoMessage", text: text, sequence: state.sequence, session: box,
                        fromUser: true, inputEnabled: false, inResponseTo: nil, at: Date())
                ))
            // A reply queued behind an earlier one that has not been polled yet starts after it.
            let start = max(now, state.pending.last?.availableAt ?? now)
            if request.faults.failsOnTheAgentSide {
                state.sequence += 1
                state.pending.append(
                    (
                        start + timing.firstDelay(),
                        message(
                            id: ids.uuid(), type: "OutboundSystemErrorMessage",
                            text: "An unexpected error occurred while processing your request.",
                            sequence: state.sequence, session: box, fromUser: false, inputEnabled: false,
                            inResponseTo: echoID, at: Date())
                    ))
                return true
            }
            let turn = state.demo.reply(to: text)
            schedule(turn, inResponseTo: echoID, session: box, state: &state, after: start)
            return true
        }
        guard accepted else { return Self.error(.badRequest, "Conversation has been closed", path: request.path) }
        if let webhook = box.webhook { webhooks.wake(box, target: webhook) }
        return HTTPReply.empty(.ok)
    }

    /// `POST conversations/{sessionId}/poll` → the messages whose time has come (possibly `[]`).
    /// `longpoll` waits up to five seconds for the next one instead of returning empty.
    func poll(_ request: SandboxRequest, _ box: AmeliaSessionBox, longPoll: Bool) async -> Response {
        guard box.webhook == nil else {
            return Self.error(
                .badRequest, "This conversation delivers its messages by WEBHOOK; there is nothing to poll",
                path: request.path)
        }
        var messages = box.state.withLock { $0.takeAvailable(now: .now) }
        if longPoll && messages.isEmpty {
            let deadline = ContinuousClock.now + .seconds(5)
            let next = box.state.withLock { $0.pending.first?.availableAt }
            try? await Task.sleep(until: min(next ?? deadline, deadline), clock: .continuous)
            messages = box.state.withLock { $0.takeAvailable(now: .now) }
        }
        return HTTPReply.json(.ok, .array(messages), faults: request.faults)
    }

    /// Queues an agent turn: its texts after the latency (then one per chunk delay), an escalation
    /// notice if the agent escalated, and a ready message, or a closed message if it ended the conversation.
    func schedule(
        _ turn: DemoTurn, inResponseTo: String?, session: AmeliaSessionBox, state: inout AmeliaSessionState,
        after start: ContinuousClock.Instant
    ) {
        var at = start + timing.firstDelay()
        func add(_ type: String, _ text: String?, inputEnabled: Bool) {
            let wallClock = Date().addingTimeInterval(max(0, ContinuousClock.now.duration(to: at).seconds))
            state.sequence += 1
            state.pending.append(
                (
                    at,
                    message(
                        id: ids.uuid(), type: type, text: text, sequence: state.sequence, session: session,
                        fromUser: false, inputEnabled: inputEnabled, inResponseTo: inResponseTo, at: wallClock)
                ))
        }
        for (index, text) in turn.messages.enumerated() {
            if index > 0 { at = at + timing.chunkDelay }
            add("OutboundTextMessage", text, inputEnabled: false)
        }
        if turn.events.contains(where: { $0.kind == "escalation" }) {
            add("OutboundEscalationStartedMessage", "Transferring you to a human agent.", inputEnabled: false)
        }
        if turn.completed {
            state.agentClosed = true
            add("OutboundConversationClosedMessage", nil, inputEnabled: false)
        } else {
            add("OutboundAmeliaReadyMessage", nil, inputEnabled: true)
        }
    }

    /// One polled message with the fields Amelia's clients read.
    func message(
        id: String, type: String, text: String?, sequence: Int, session: AmeliaSessionBox, fromUser: Bool,
        inputEnabled: Bool, inResponseTo: String?, at date: Date
    ) -> JSON {
        .object([
            ("messageId", .string(id)),
            ("messageText", JSON.optional(text)),
            ("ameliaMessageType", .string(type)),
            ("messageType", .string(type)),
            ("sourceUserType", fromUser ? "User" : "Amelia"),
            ("selfEcho", .bool(fromUser)),
            ("inputEnabled", .bool(inputEnabled)),
            ("sessionSequence", .int(sequence)),
            ("timestamp", .int(Timestamp.epochMilliseconds(date))),
            ("sessionId", .string(session.sessionID)),
            ("conversationId", .string(session.conversationID)),
            ("inResponseToMessageId", JSON.optional(inResponseTo)),
            ("fromUserDisplayName", .string(fromUser ? session.username : "Amelia")),
            ("secureResponse", false),
            ("bml", .null),
            ("hintText", .null),
            ("responsePool", .null),
            (
                "headers",
                .object([
                    ("X-Amelia-Message-Type", .string(type)),
                    ("X-Amelia-Session-Id", .string(session.sessionID)),
                    ("X-Amelia-Conversation-Id", .string(session.conversationID)),
                ])
            ),
        ])
    }
}
