import Foundation
import ParleyHTTP
import ParleyJSON
import ParleyFlow
import ParleyRun

/// One AgentHuman session: created with the first user message, one Send Message call per turn,
/// ended with its duration and the conversation as text.
actor AgentHumanConversation: AgentConversation {
    private let provider: AgentHumanProvider
    private let turnTimeout: Duration
    private let clock = ContinuousClock()
    private var sessionID: String?
    private var createdAt: ContinuousClock.Instant?
    /// `User: …` / `Agent: …` lines, sent as the session's transcript when it ends.
    private var lines: [String] = []
    private var ended = false
    /// Creating the session, which runs to its end even if the turn times out, so that a session
    /// created late is still ended.
    private var creation: ShieldedRequest<String>?

    /// Nothing to give back.
    nonisolated var releasesLocally: Bool { true }

    /// Sending and ending wait only for HTTP through ``ProviderHTTP`` and, for a session still being
    /// created, for its creation through ``Waiting``: all bounded by ``CallDeadline``.
    nonisolated var keepsCallDeadline: Bool { true }

    init(provider: AgentHumanProvider, turnTimeout: Duration) {
        self.provider = provider
        self.turnTimeout = turnTimeout
    }

    private nonisolated var settings: AgentHumanSettings { provider.settings }
    /// The call gets the turn timeout plus a margin; the interpreter's own deadline comes first.
    private nonisolated var replyTimeout: Duration { turnTimeout + .seconds(5) }

    func start(_ opening: ConversationOpening) async throws(ProviderError) -> AgentReply {
        guard case .userMessage(let text) = opening else {
            throw ProviderError(
                .unsupported,
                "AgentHuman sessions start silent: the agent cannot speak first, and there are no external events")
        }
        let creation = ShieldedRequest { () async throws(ProviderError) -> String in try await self.createSession() }
        self.creation = creation
        _ = try await creation.value()
        return try await send(text)
    }

    /// `POST sessions`; keeps the session id the moment it arrives, however late.
    private func createSession() async throws(ProviderError) -> String {
        var body: [(String, JSONValue)] = [
            ("agent_id", settings.agentID), ("session_type", .string(settings.sessionType)),
        ]
        if !settings.metadata.isEmpty { body.append(("metadata", .object(settings.metadata))) }
        let request = provider.request(.post, settings.url("sessions"), body: .object(body), timeout: .seconds(30))
        let response = try await provider.send(request, idempotent: false)
        if response.status == 404 {
            throw ProviderError(
                .configuration,
                "AgentHuman does not know agent \(settings.agentIDText), or the API key may not use it (404): "
                    + "\(ProviderHTTP.errorText(response.body)) — check `agent_id`", status: 404)
        }
        let json = try provider.successBody(response, doing: "creating a session")
        guard let id = json["session"]?["session_id"]?.scalarText, !id.isEmpty else {
            throw ProviderError(
                .protocolViolation,
                "AgentHuman's answer to creating a session has no `session.session_id`: "
                    + String(json.serialized.prefix(160)))
        }
        sessionID = id
        createdAt = clock.now
        return id
    }

    func send(_ text: String) async throws(ProviderError) -> AgentReply {
        guard let session = sessionID else {
            throw ProviderError(.protocolViolation, "the AgentHuman session has not been created")
        }
        if ended {
            throw ProviderError(.conversationClosed, "the AgentHuman session has ended; the message was not sent")
        }
        let shape = settings.sendMessage
        let agent = settings.agentIDText
        let request = provider.request(
            shape.method, shape.url(base: settings.baseURL, sessionID: session, agentID: agent),
            body: shape.body(text: text, sessionID: session, agentID: agent), timeout: replyTimeout)
        let sentAt = Date()
        let started = clock.now
        let response = try await provider.send(request, idempotent: false)
        let finished = clock.now
        let doing = "sending a message"
        switch response.status {
        case 200..<300:
            break
        case 400 where ProviderHTTP.errorText(response.body).lowercased().contains("not active"):
            throw ProviderError(
                .conversationClosed,
                "AgentHuman says session \(session) is no longer active (400): "
                    + "\(ProviderHTTP.errorText(response.body)) — the agent may have ended it", status: 400)
        case 404, 405:
            throw ProviderError(
                .server,
                "AgentHuman answered \(response.status) to Send Message (\(shape.method) \(shape.pathDescription)): "
                    + "\(ProviderHTTP.errorText(response.body)) — the call is not published; check `send_message` of "
                    + "the target",
                status: response.status)
        default:
            throw provider.failure(response, doing: doing)
        }
        let json = try provider.successBody(response, doing: doing)
        let reply = try shape.replyText(in: json)
        if provider.replyLimit.isExceeded(byCount: reply.utf8.count) { throw provider.replyLimit.exceeded }
        lines.append("User: \(text)")
        lines.append("Agent: \(reply)")
        var ids = ["conversation_id": session]
        if let messageID = shape.messageID(in: json) { ids["message_id"] = messageID }
        return AgentReply(
            messages: [reply], sentAt: sentAt, timeToFirstChunk: response.timing.firstByte,
            latency: finished - started, ids: ids)
    }

    var conversationID: String? { sessionID }

    func end() async throws(ProviderError) {
        // A session still being created (its turn timed out) is ended once it exists.
        if sessionID == nil, let creation { await creation.settled() }
        guard let session = sessionID, !ended else { return }
        ended = true
        let seconds = createdAt.map { max(0, Int(($0.duration(to: clock.now)).seconds.rounded())) } ?? 0
        let body = JSONValue.object([
            ("duration", .int(seconds)), ("transcript", .string(lines.joined(separator: "\n"))),
        ])
        // Ending an ended session succeeds again, so this call may be repeated.
        let request = provider.request(
            .put, settings.url("sessions/\(AgentHumanMessageShape.pathSegment(session))/end"), body: body,
            timeout: .seconds(30))
        let response = try await provider.send(request, idempotent: true)
        _ = try provider.successBody(response, doing: "ending the session")
    }
}
