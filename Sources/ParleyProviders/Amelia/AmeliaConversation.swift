import Foundation
import ParleyFlow
import ParleyHTTP
import ParleyJSON
import ParleyRun
import ParleyWebhooks

/// One Amelia conversation: its own login, `conversations/new`, then send and poll turn by turn.
///
/// Amelia's `send` answers at once with no reply; the reply is collected by polling, with a pause
/// that starts at `poll_interval` and doubles while polls come back empty (up to a second), until
/// Amelia enables input again (`OutboundAmeliaReadyMessage`) or closes the conversation. With
/// `delivery: webhook` the conversation is created with `deliveryMode: WEBHOOK`, the receiver's
/// URL and a secret of its own, and the reply is read from what Amelia delivers there instead.
actor AmeliaConversation: AgentConversation {
    private let provider: AmeliaProvider
    private let turnTimeout: Duration
    private let clock = ContinuousClock()
    private var token: String?
    /// The id every later path uses (Amelia's `conversationId` is only reported).
    private var sessionID: String?
    private var closedByAgent = false
    private var closeSent = false
    private var released = false
    /// Things worth recording that happened between replies (a repeated login); they go with the next reply.
    private var pendingEvents: [ProviderEvent] = []
    /// Where Amelia delivers this conversation's messages, with `delivery: webhook`.
    private var mailbox: WebhookMailbox?
    /// Delivered messages not read yet, in Amelia's order.
    private var order = AmeliaDeliveryOrder(window: AmeliaWebhookSettings.defaultReorderWindow)
    /// `conversations/new`, which runs to its end even if the turn times out, so that a session
    /// created late is still closed.
    private var creation: ShieldedRequest<String>?

    init(provider: AmeliaProvider, turnTimeout: Duration) {
        self.provider = provider
        self.turnTimeout = turnTimeout
    }

    private nonisolated var settings: AmeliaSettings { provider.settings }
    private nonisolated var http: ProviderHTTP { provider.http }

    func start(_ opening: ConversationOpening) async throws(ProviderError) -> AgentReply {
        if case .externalEvent = opening {
            throw ProviderError(.unsupported, "Amelia conversations cannot open with an external event")
        }
        let sentAt = Date()
        let started = clock.now
        // Logged in first: only a request that may create a session is seen through to its end.
        _ = try await currentToken()
        let creation = ShieldedRequest { () async throws(ProviderError) -> String in try await self.createSession() }
        self.creation = creation
        let session = try await creation.value()
        if let mailbox { provider.webhooks?.directory.bind(mailbox, to: session) }
        let greeting = try await collectReply(sentAt: sentAt, started: started, doing: "waiting for the greeting")
        guard case .userMessage(let text) = opening else { return greeting }
        if greeting.conversationCompleted {
            throw ProviderError(
                .conversationClosed,
                "Amelia closed the conversation before the first user message"
                    + (greeting.text.isEmpty ? "" : "; it said: \(greeting.text)"))
        }
        // The greeting is not the reply to the user's message, but it was said: keep it as an event.
        var reply = try await send(text)
        reply.events.insert(
            contentsOf: [ProviderEvent(kind: "greeting", detail: greeting.text.isEmpty ? nil : greeting.text)]
                + greeting.events,
            at: 0)
        return reply
    }

    /// `conversations/new`; keeps the session id the moment it arrives, however late.
    private func createSession() async throws(ProviderError) -> String {
        var members: [(String, JSONValue)] = [
            ("domain", .string(settings.domain)), ("deliveryMode", "POLLING"), ("receiveDebugMessages", "false"),
        ]
        var secret: String?
        if let route = provider.webhooks, case .webhook(let webhook) = settings.delivery {
            // A secret for this conversation alone: a delivery carrying another conversation's is refused.
            let fresh = WebhookSecret.random()
            provider.secrets.add(fresh)
            secret = fresh
            mailbox = route.directory.open(secret: fresh)
            order = AmeliaDeliveryOrder(window: webhook.reorderWindow)
            members[1] = ("deliveryMode", "WEBHOOK")
            members += [("webhookUrl", .string(route.url)), ("secret", .string(fresh))]
        }
        let response = try await call(
            "conversations/new", body: .object(members), endpoint: "new", idempotent: false)
        guard (200..<300).contains(response.status) else {
            var said = ProviderHTTP.errorText(response.body)
            if let secret { said = said.replacingOccurrences(of: secret, with: "[redacted]") }
            if response.status == 400 {
                let check =
                    mailbox == nil ? "check `domain`" : "check `domain`, and that the instance delivers by WEBHOOK"
                throw ProviderError(
                    .server,
                    "Amelia refused to start a conversation in domain `\(settings.domain)` (400): \(said) — \(check)",
                    status: 400)
            }
            throw http.statusError(response.status, body: Array(said.utf8), doing: "starting a conversation")
        }
        let json = try http.json(response.body, doing: "starting a conversation")
        guard let session = json["sessionId"]?.string, !session.isEmpty else {
            throw ProviderError(
                .protocolViolation,
                "Amelia's answer to `conversations/new` has no `sessionId`: \(String(json.serialized.prefix(120)))")
        }
        sessionID = session
        return session
    }

    func send(_ text: String) async throws(ProviderError) -> AgentReply {
        let session = try requireSession()
        if closedByAgent {
            throw ProviderError(.conversationClosed, "the Amelia conversation is closed; the message was not sent")
        }
        let sentAt = Date()
        let started = clock.now
        let response = try await call(
            "conversations/\(session)/send", body: .object([("messageText", .string(text))]),
            endpoint: "send", idempotent: false)
        guard (200..<300).contains(response.status) else {
            let said = ProviderHTTP.errorText(response.body)
            if response.status == 400, said.lowercased().contains("closed") {
                throw ProviderError(.conversationClosed, "Amelia refused the message (400): \(said)", status: 400)
            }
            throw http.statusError(response.status, body: response.body, doing: "sending a message")
        }
        return try await collectReply(sentAt: sentAt, started: started, doing: "polling for the reply")
    }

    func end() async throws(ProviderError) {
        // A session still being created (its turn timed out) is closed once it exists.
        if sessionID == nil, let creation { await creation.settled() }
        guard let session = sessionID, !closeSent else { return }
        closeSent = true
        // Nothing is read after the end; deliveries still on their way are acknowledged and dropped.
        if let mailbox { provider.webhooks?.directory.close(mailbox) }
        let response = try await call(
            "conversations/\(session)/close", body: .object([]), endpoint: "close", idempotent: true)
        // A conversation the agent closed may already be gone; that is the state we wanted.
        guard (200..<300).contains(response.status) || (closedByAgent && [400, 404].contains(response.status)) else {
            throw http.statusError(response.status, body: response.body, doing: "closing the conversation")
        }
    }

    var conversationID: String? { sessionID }

    func release() async {
        if let mailbox { provider.webhooks?.directory.close(mailbox) }
        guard !released, let token else { return }
        released = true
        // Best effort: a login left behind expires on its own.
        var request = http.request(
            .post, settings.url("auth/logout"), headers: ["Accept": "application/json"], body: .json("{}"),
            timeout: .seconds(5))
        request.headers.add(name: "X-Amelia-Rest-Token", value: token)
        _ = try? await http.send(request, endpoint: "logout", idempotent: false)
        self.token = nil
    }

    // MARK: - Polling

    /// Reads the turn's messages — polled, or delivered — and folds them into a reply.
    private func collectReply(sentAt: Date, started: ContinuousClock.Instant, doing what: String)
        async throws(ProviderError) -> AgentReply
    {
        var reader = AmeliaReplyReader(limit: provider.replyLimit)
        if let mailbox {
            try await readDelivered(into: &reader, from: mailbox, started: started)
        } else {
            try await poll(into: &reader, started: started, doing: what)
        }
        var reply = reader.reply(sentAt: sentAt, started: started, finished: clock.now)
        reply.ids["conversation_id"] = try requireSession()
        if reply.conversationCompleted { closedByAgent = true }
        if let refused = mailbox?.refusalsToReport() {
            pendingEvents.append(
                ProviderEvent(
                    kind: "webhook-refused",
                    detail:
                        "the webhook receiver refused \(refused) deliver\(refused == 1 ? "y" : "ies") for this "
                        + "conversation: missing or wrong \(AmeliaWebhookRoute.secretHeader)"))
        }
        if !pendingEvents.isEmpty {
            reply.events.insert(contentsOf: pendingEvents, at: 0)
            pendingEvents = []
        }
        return reply
    }

    /// Waits for delivered messages and reads them in Amelia's order until the turn ends.
    ///
    /// Messages after the one that ends the turn stay for the next turn.
    private func readDelivered(
        into reader: inout AmeliaReplyReader, from mailbox: WebhookMailbox, started: ContinuousClock.Instant
    ) async throws(ProviderError) {
        let deadline = started + turnTimeout + .seconds(5)
        while true {
            order.insert(mailbox.take(), at: clock.now)
            while !reader.finished, let message = order.next(now: clock.now) {
                try reader.consume(message, at: clock.now)
            }
            if reader.finished { return }
            if Task.isCancelled { throw ProviderError(.cancelled, "cancelled") }
            if clock.now >= deadline {
                throw ProviderError(
                    .timeout,
                    "Amelia delivered no ready message within \(DurationText.format(turnTimeout))"
                        + (mailbox.counts.refusals > 0
                            ? "; the webhook receiver refused \(mailbox.counts.refusals) deliveries for a missing or "
                                + "wrong \(AmeliaWebhookRoute.secretHeader)" : ""))
            }
            _ = await mailbox.wait(until: min(deadline, order.gapDeadline ?? deadline))
        }
    }

    /// Polls until the turn ends.
    private func poll(into reader: inout AmeliaReplyReader, started: ContinuousClock.Instant, doing what: String)
        async throws(ProviderError)
    {
        let session = try requireSession()
        var pause = settings.pollInterval
        // The interpreter's turn timeout normally comes first; this bounds direct callers too.
        let deadline = started + turnTimeout + .seconds(5)
        while true {
            let response = try await call(
                "conversations/\(session)/poll", body: .object([]), endpoint: "poll",
                idempotent: true, handsOutOnce: true)
            guard (200..<300).contains(response.status) else {
                throw http.statusError(response.status, body: response.body, doing: what)
            }
            let batch = try http.json(response.body, doing: what)
            try reader.consume(poll: batch, at: clock.now)
            if reader.finished { break }
            if clock.now >= deadline {
                throw ProviderError(
                    .timeout,
                    "Amelia did not finish its reply (no ready message) within \(DurationText.format(turnTimeout))")
            }
            // Messages arriving means the rest is close: poll again soon. Silence means slow down.
            if !(batch.array?.isEmpty ?? true) { pause = settings.pollInterval }
            do { try await Task.sleep(for: pause) } catch { throw ProviderError(.cancelled, "cancelled") }
            if batch.array?.isEmpty ?? true { pause = min(pause * 2, settings.maxPollInterval) }
        }
    }

    // MARK: - Calls

    /// POSTs JSON with this conversation's login, logging in first if needed.
    ///
    /// A 410 (the login or session expired) or 401 (the login is no longer known) is answered
    /// before the gateway does anything, so after logging in again the call is repeated, once.
    private func call(
        _ path: String, body: JSONValue, endpoint: String, idempotent: Bool,
        handsOutOnce: Bool = false
    ) async throws(ProviderError) -> HTTPResponse {
        let url = settings.url(path)
        let payload = HTTPBody.json(body.bytes)
        let http = self.http
        func request(_ token: String) -> HTTPRequest {
            var request = http.request(
                .post, url, headers: ["Accept": "application/json"], body: payload, timeout: .seconds(30))
            request.headers.add(name: "X-Amelia-Rest-Token", value: token)
            return request
        }
        let current = try await currentToken()
        let response = try await http.send(
            request(current), endpoint: endpoint, idempotent: idempotent, handsOutOnce: handsOutOnce)
        guard response.status == 410 || response.status == 401 else { return response }
        token = nil
        let fresh = try await login()
        pendingEvents.append(
            ProviderEvent(
                kind: "relogin",
                detail:
                    "Amelia answered \(response.status) "
                    + "(\(response.status == 410 ? "session expired" : "login not recognised")); logged in again"
            ))
        let repeated = try await http.send(
            request(fresh), endpoint: endpoint, idempotent: idempotent, handsOutOnce: handsOutOnce)
        if repeated.status == 410 || repeated.status == 401 {
            throw ProviderError(
                .authRefused,
                "Amelia refused a fresh login too (\(repeated.status)) while calling "
                    + "\(path.split(separator: "/").last ?? "")"
                    + ": \(ProviderHTTP.errorText(repeated.body))", status: repeated.status)
        }
        return repeated
    }

    private func currentToken() async throws(ProviderError) -> String {
        if let token { return token }
        return try await login()
    }

    /// `auth/login`; the token goes in `X-Amelia-Rest-Token` from then on.
    private func login() async throws(ProviderError) -> String {
        let body = JSONValue.object([
            ("username", .string(settings.username)), ("password", .string(settings.password)),
        ])
        let request = http.request(
            .post, settings.url("auth/login"), headers: ["Accept": "application/json"], body: .json(body.bytes),
            timeout: .seconds(30))
        // Not retried on errors: gateways answer wrong credentials with 500, and repeating a
        // refused login can lock the account. Only refusals before any work (429/503) are resent.
        let response = try await http.send(request, endpoint: "login", idempotent: false)
        let said = ProviderHTTP.errorText(response.body)
        switch response.status {
        case 200..<300:
            break
        case 401, 403:
            throw loginRefused(response.status, said: said)
        case 500 where Self.refusesCredentials(said):
            // Gateways answer wrong credentials with a 500 that says so.
            throw loginRefused(response.status, said: said)
        case 500...599:
            throw ProviderError(
                .server,
                "Amelia failed while logging in (\(response.status))" + (said.isEmpty ? "" : ": \(said)")
                    + " — the gateway's trouble, not a verdict on the credentials", status: response.status)
        case 404:
            throw ProviderError(
                .configuration,
                "Amelia's auth/login answered 404: `base_url` does not lead to an Amelia REST gateway "
                    + "(Parley calls \(AmeliaSettings.apiPath)/… under it)", status: 404)
        default:
            throw http.statusError(response.status, body: response.body, doing: "logging in")
        }
        let json = try http.json(response.body, doing: "logging in")
        guard let token = json["token"]?.string, !token.isEmpty else {
            throw ProviderError(.protocolViolation, "Amelia's login answer has no `token`")
        }
        provider.secrets.add(token)
        self.token = token
        return token
    }

    /// Credentials refused, in words a user can act on.
    private func loginRefused(_ status: Int, said: String) -> ProviderError {
        let why = said.isEmpty ? "\(status)" : "\(status): \(said)"
        return ProviderError(
            .authRefused,
            "Amelia refused the login of `\(settings.username)` (\(why)) — check `username` and `password` "
                + "(or AMELIA_USERNAME and AMELIA_PASSWORD)",
            status: status)
    }

    /// Whether a 500 from `auth/login` is a refusal of the credentials (Spring Security's wording:
    /// "Bad credentials", "User is disabled", "User account is locked"…) rather than a failure.
    static func refusesCredentials(_ said: String) -> Bool {
        let text = said.lowercased()
        return ["credential", "password", "username", "authenticat", "unauthori", "user is disabled", "locked"]
            .contains { text.contains($0) }
    }

    private func requireSession() throws(ProviderError) -> String {
        guard let sessionID else {
            throw ProviderError(.protocolViolation, "the Amelia conversation has not been started")
        }
        return sessionID
    }
}
