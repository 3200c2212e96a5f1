import Foundation
import HTTPTypes
import Hummingbird
import ParleyDemoAgent
import ParleyJSON

/// A helpdesk chat bot with a REST API of its own (`/helpdesk/v2/…`), shaped unlike the other
/// protocols on purpose: a form-encoded client-credentials login, `Authorization: Token …`,
/// nested JSON envelopes, and replies that are only ever polled for.
///
/// After a customer message the conversation's timeline grows by the customer's item, a `typing`
/// item, and — once the latency has passed — the agent's `message` items; the last item of the
/// agent's turn carries `"turn": {"complete": true}`. An escalation adds a `handoff` item; when the
/// agent ends the conversation a `closed` item follows its last words. Clients read the timeline
/// with `GET …/messages?after=<seq>`, which is safe to repeat. Parley reaches it only through
/// `provider: http`, which is the point: nothing in Parley knows this protocol.
struct HelpdeskAPI: Sendable {
    static let prefix = "/helpdesk/v2/"
    static let pageLimit = 100

    let configuration: SandboxConfiguration
    let store: HelpdeskStore
    let ids: IdentifierFactory
    let counter: RequestCounter
    let timing: ReplyTiming
    let faults: FaultInjector

    var credentials: SandboxCredentials { configuration.credentials }

    enum Route {
        case token
        case create(workspace: String)
        case send(String)
        case poll(String)
        case close(String)
        case notFound
        case methodNotAllowed(SandboxEndpoint)

        var endpoint: SandboxEndpoint {
            switch self {
            case .token: .helpdeskToken
            case .create: .helpdeskCreate
            case .send: .helpdeskSend
            case .poll: .helpdeskPoll
            case .close: .helpdeskClose
            case .notFound: .helpdeskUnknown
            case .methodNotAllowed(let endpoint): endpoint
            }
        }
    }

    static func route(_ request: SandboxRequest) -> Route {
        let s = request.segments
        let method = request.method
        func only(_ expected: HTTPRequest.Method, _ route: Route) -> Route {
            method == expected ? route : .methodNotAllowed(route.endpoint)
        }
        switch s.count {
        case 2 where s[0] == "oauth" && s[1] == "token": return only(.post, .token)
        case 3 where s[0] == "workspaces" && s[2] == "conversations": return only(.post, .create(workspace: s[1]))
        case 3 where s[0] == "conversations" && s[2] == "messages":
            if method == .post { return .send(s[1]) }
            if method == .get { return .poll(s[1]) }
            return .methodNotAllowed(.helpdeskSend)
        case 3 where s[0] == "conversations" && s[2] == "close": return only(.post, .close(s[1]))
        default: return .notFound
        }
    }

    func handle(_ request: SandboxRequest) async -> Response {
        let route = Self.route(request)
        counter.record(route.endpoint)
        let injected = faults.draw(route.endpoint)
        switch injected.refusal {
        case .rateLimited(let retryAfter)?:
            var response = Self.error(.tooManyRequests, "rate_limited", "Slow down.")
            response.headers[.retryAfter] = String(retryAfter)
            return response
        case .some:
            return Self.error(.serviceUnavailable, "unavailable", "The helpdesk is under maintenance.")
        case nil:
            let delay = injected.firstByteDelay
            if delay > .zero { try? await Task.sleep(for: delay) }
        }
        switch route {
        case .token: return token(request)
        case .notFound: return Self.error(.notFound, "not_found", "No such resource: \(request.method) \(request.path)")
        case .methodNotAllowed:
            return Self.error(.methodNotAllowed, "method_not_allowed", "\(request.method) is not allowed here.")
        default: break
        }
        guard let authorization = request.header("authorization"), authorization.hasPrefix("Token "),
            store.isValid(String(authorization.dropFirst("Token ".count)))
        else {
            return Self.error(
                .unauthorized, "unauthenticated", "Send `Authorization: Token <access token>` from oauth/token.")
        }
        switch route {
        case .create(let workspace): return create(request, workspace: workspace)
        case .send(let id): return send(request, conversationID: id)
        case .poll(let id): return poll(request, conversationID: id)
        case .close(let id): return close(request, conversationID: id)
        default: return Self.error(.notFound, "not_found", "No such resource.")
        }
    }

    /// `{"errors":[{"code","detail"}]}`.
    static func error(_ status: HTTPResponse.Status, _ code: String, _ detail: String) -> Response {
        HTTPReply.json(
            status, .object([("errors", .array([.object([("code", .string(code)), ("detail", .string(detail))])]))]))
    }

    // MARK: - Auth

    /// `POST oauth/token`, form `grant_type=client_credentials&client_id=…&client_secret=…`.
    func token(_ request: SandboxRequest) -> Response {
        guard request.header("content-type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return Self.error(.unsupportedMediaType, "unsupported_media_type", "Send the credentials form-encoded.")
        }
        let form = SandboxRequest.parseQuery(String(decoding: request.body, as: UTF8.self))
        func field(_ name: String) -> String? { form.first { $0.name == name }?.value }
        guard field("grant_type") == "client_credentials" else {
            return Self.error(.badRequest, "unsupported_grant_type", "grant_type must be client_credentials.")
        }
        guard field("client_id") == credentials.helpdeskClientID,
            field("client_secret") == credentials.helpdeskClientSecret
        else {
            return Self.error(.unauthorized, "invalid_client", "Unknown client or wrong secret.")
        }
        let token = "hd_" + ids.objectID()
        store.issue(token)
        return HTTPReply.json(
            .ok,
            .object([
                (
                    "data",
                    .object([("access", .object([("token", .string(token)), ("type", "Token"), ("expires_in", 3600)]))])
                )
            ]))
    }

    // MARK: - Conversations

    /// `POST workspaces/{workspace}/conversations` `{"conversation":{"channel","customer":{…}}}` → 201;
    /// the greeting is queued.
    func create(_ request: SandboxRequest, workspace: String) -> Response {
        guard workspace == credentials.helpdeskWorkspace else {
            return Self.error(.notFound, "workspace_not_found", "No workspace `\(workspace)`.")
        }
        guard let body = try? RequestJSON.parse(request.body), let conversation = body["conversation"],
            conversation.objectPairs != nil
        else {
            return Self.error(.unprocessableContent, "invalid_body", "Send {\"conversation\": {\"channel\": …}}.")
        }
        let channel = conversation["channel"]?.stringValue ?? "chat"
        guard channel == "chat" else {
            return Self.error(.unprocessableContent, "invalid_channel", "Only the `chat` channel is served.")
        }
        let customer = conversation["customer"] ?? .object([])
        var demo = DemoConversation(script: configuration.script, seed: configuration.seed)
        let greeting = demo.open(.agentFirst)
        let box = HelpdeskConversationBox(
            id: "hdc_" + ids.objectID(), createdAt: request.receivedAt, customer: customer, channel: channel,
            demo: demo)
        box.state.withLock { state in schedule(greeting, state: &state, now: .now) }
        store.add(box)
        return HTTPReply.json(
            .created,
            .object([
                (
                    "data",
                    .object([
                        ("conversation", conversationJSON(box, open: true)),
                        ("links", .object([("messages", .string("\(Self.prefix)conversations/\(box.id)/messages"))])),
                    ])
                )
            ]))
    }

    /// `POST conversations/{id}/messages` `{"message":{"body":{"text"}}}` → 202 with the message's sequence number.
    func send(_ request: SandboxRequest, conversationID: String) -> Response {
        guard let box = store.conversation(conversationID) else {
            return Self.error(.notFound, "conversation_not_found", "No conversation `\(conversationID)`.")
        }
        guard let body = try? RequestJSON.parse(request.body),
            let text = body["message"]?["body"]?["text"]?.stringValue,
            !text.allSatisfy(\.isWhitespace)
        else {
            return Self.error(.unprocessableContent, "invalid_body", "Send {\"message\": {\"body\": {\"text\": …}}}.")
        }
        let messageID = "hdm_" + ids.objectID()
        let sequence = box.state.withLock { state -> Int? in
            guard state.isOpen else { return nil }
            state.userMessagesReceived += 1
            let now = ContinuousClock.now
            append(
                .object([
                    ("id", .string(messageID)), ("kind", "message"), ("actor", .object([("role", "customer")])),
                    ("body", .object([("text", .string(text)), ("format", "plain")])),
                ]), at: state.nextInstant(now), state: &state)
            let sequence = state.sequence
            schedule(state.demo.reply(to: text), state: &state, now: now)
            return sequence
        }
        guard let sequence else {
            return Self.error(.conflict, "conversation_closed", "The conversation is closed.")
        }
        return HTTPReply.json(
            .accepted,
            .object([
                (
                    "data",
                    .object([
                        (
                            "message",
                            .object([("id", .string(messageID)), ("seq", .int(sequence)), ("status", "accepted")])
                        )
                    ])
                )
            ]))
    }

    /// `GET conversations/{id}/messages?after=<seq>&limit=<n>` → the visible items after `after`,
    /// and `meta.next_after`, the cursor for the next call.
    func poll(_ request: SandboxRequest, conversationID: String) -> Response {
        guard let box = store.conversation(conversationID) else {
            return Self.error(.notFound, "conversation_not_found", "No conversation `\(conversationID)`.")
        }
        guard let after = Int(request.queryValue("after") ?? "0"), after >= 0 else {
            return Self.error(.badRequest, "invalid_cursor", "`after` is a sequence number.")
        }
        guard let limit = Int(request.queryValue("limit") ?? String(Self.pageLimit)),
            (1...Self.pageLimit).contains(limit)
        else {
            return Self.error(.badRequest, "invalid_limit", "`limit` is between 1 and \(Self.pageLimit).")
        }
        let (items, open) = box.state.withLock { ($0.visible(after: after, now: .now, limit: limit), $0.isOpen) }
        let next = items.last?["seq"]?.intValue ?? after
        return HTTPReply.json(
            .ok,
            .object([
                ("data", .object([("items", .array(items))])),
                ("meta", .object([("next_after", .int(next)), ("status", open ? "open" : "closed")])),
            ]))
    }

    /// `POST conversations/{id}/close` → 200; closing again is fine.
    func close(_ request: SandboxRequest, conversationID: String) -> Response {
        guard let box = store.conversation(conversationID) else {
            return Self.error(.notFound, "conversation_not_found", "No conversation `\(conversationID)`.")
        }
        box.state.withLock { $0.closedByClient = true }
        return HTTPReply.json(.ok, .object([("data", .object([("conversation", conversationJSON(box, open: false))]))]))
    }

    func conversationJSON(_ box: HelpdeskConversationBox, open: Bool) -> JSON {
        .object([
            ("id", .string(box.id)), ("workspace", .string(credentials.helpdeskWorkspace)),
            ("channel", .string(box.channel)),
            ("status", open ? "open" : "closed"), ("created_at", .string(Timestamp.seconds(box.createdAt))),
            ("customer", box.customer),
        ])
    }

    // MARK: - Timeline

    /// Adds an item with the next sequence number, visible from `instant`.
    private func append(_ item: JSON, at instant: ContinuousClock.Instant, state: inout HelpdeskConversationState) {
        state.sequence += 1
        var pairs = item.objectPairs ?? []
        pairs.insert(("seq", .int(state.sequence)), at: 0)
        pairs.append(("created_at", .string(Timestamp.seconds(Date()))))
        state.items.append((instant, .object(pairs)))
    }

    /// Queues an agent turn: `typing` at once, each message after the latency (and a `typing`
    /// before every further one), a `handoff` on escalation, the turn marked complete on its last
    /// item, and a `closed` item when the agent ended the conversation.
    private func schedule(_ turn: DemoTurn, state: inout HelpdeskConversationState, now: ContinuousClock.Instant) {
        let agent = JSON.object([("role", "agent"), ("name", "Juno")])
        var at = state.nextInstant(now)
        append(.object([("kind", "typing"), ("actor", agent)]), at: at, state: &state)
        at = at + timing.firstDelay()
        var pending: [JSON] = []
        for (index, text) in turn.messages.enumerated() {
            pending.append(
                .object([
                    ("id", .string("hdm_" + ids.objectID())), ("kind", "message"), ("actor", agent),
                    ("body", .object([("text", .string(text)), ("format", "plain")])),
                ]))
            if index < turn.messages.count - 1 {
                pending.append(.object([("kind", "typing"), ("actor", agent)]))
            }
        }
        if turn.events.contains(where: { $0.kind == "escalation" }) {
            pending.append(
                .object([
                    ("kind", "handoff"), ("actor", .object([("role", "system")])),
                    ("body", .object([("text", "Transferring you to a human agent."), ("format", "plain")])),
                ]))
        }
        for (index, item) in pending.enumerated() {
            var pairs = item.objectPairs ?? []
            if index == pending.count - 1 { pairs.append(("turn", .object([("complete", .bool(!turn.completed))]))) }
            append(.object(pairs), at: at, state: &state)
            if item["kind"]?.stringValue == "typing" { at = at + timing.chunkDelay }
        }
        if turn.completed {
            state.closedByAgent = true
            append(
                .object([("kind", "closed"), ("actor", .object([("role", "system")])), ("reason", "agent_ended")]),
                at: at, state: &state)
        }
    }
}
