import Foundation
import HTTPTypes
import Hummingbird
import ParleyDemoAgent
import ParleyJSON

/// AgentHuman's session API (`/api/v1/…`) with the default Send Message shape of the protocol notes.
///
/// Every response is a `{"success": …}` envelope and carries `X-RateLimit-*` headers (60 a minute
/// per API key when limits are on).
struct AgentHumanAPI: Sendable {
    static let prefix = "/api/v1/"
    static let sessionTypes = ["agent_voice", "agent_video", "agent_chat", "webrtc_video"]
    static let documentedPerMinute = 60

    let configuration: SandboxConfiguration
    let store: AgentHumanStore
    let ids: IdentifierFactory
    let limiter: RateLimiter
    let counter: RequestCounter
    let timing: ReplyTiming
    let faults: FaultInjector

    var credentials: SandboxCredentials { configuration.credentials }

    enum Route {
        case createSession, listSessions
        case message(String)
        case end(String)
        case agentSessions(String)
        case notFound
        case methodNotAllowed(SandboxEndpoint)

        var endpoint: SandboxEndpoint {
            switch self {
            case .createSession: .agentHumanCreateSession
            case .listSessions: .agentHumanListSessions
            case .message: .agentHumanMessage
            case .end: .agentHumanEndSession
            case .agentSessions: .agentHumanAgentSessions
            case .notFound: .agentHumanUnknown
            case .methodNotAllowed(let endpoint): endpoint
            }
        }
    }

    static func route(_ request: SandboxRequest, messages: AgentHumanMessageRoute = .default) -> Route {
        let s = request.segments
        let method = request.method
        func only(_ expected: HTTPRequest.Method, _ route: Route) -> Route {
            method == expected ? route : .methodNotAllowed(route.endpoint)
        }
        if let id = messages.sessionID(in: s) {
            return method.rawValue == messages.method ? .message(id) : .methodNotAllowed(.agentHumanMessage)
        }
        switch s.count {
        case 1 where s[0] == "sessions":
            if method == .post { return .createSession }
            if method == .get { return .listSessions }
            return .methodNotAllowed(.agentHumanCreateSession)
        case 3 where s[0] == "sessions" && s[2] == "end": return only(.put, .end(s[1]))
        case 3 where s[0] == "agents" && s[2] == "sessions": return only(.get, .agentSessions(s[1]))
        default: return .notFound
        }
    }

    func handle(_ request: SandboxRequest) async -> Response {
        let route = Self.route(request, messages: configuration.agentHumanMessageRoute)
        counter.record(route.endpoint)
        let key = request.headers[.apiKey] ?? ""
        let decision = limiter.check(
            "agenthuman|\(key)", documentedPerMinute: Self.documentedPerMinute, now: request.receivedAt)
        var response: Response
        if !decision.allowed {
            response = Self.error(.tooManyRequests, "Too many requests. Please retry after 1 minute.")
        } else if key != credentials.agentHumanAPIKey {
            response = Self.error(.unauthorized, "Invalid or missing API key")
        } else {
            var request = request
            request.faults = faults.draw(route.endpoint)
            switch request.faults.refusal {
            case .rateLimited(let retryAfter)?:
                response = Self.error(.tooManyRequests, "Too many requests. Please retry after 1 minute.")
                response.headers[.retryAfter] = String(retryAfter)
            case .internalError?:
                response = Self.error(.internalServerError, "Internal server error")
            case .some:
                response = Self.error(.serviceUnavailable, "Service temporarily unavailable")
            case nil:
                let delay = request.faults.firstByteDelay
                if delay > .zero { try? await Task.sleep(for: delay) }
                response = await dispatch(route, request)
            }
        }
        for field in HTTPFields(rateLimit: decision) { response.headers[field.name] = field.value }
        return response
    }

    private func dispatch(_ route: Route, _ request: SandboxRequest) async -> Response {
        switch route {
        case .createSession: return createSession(request)
        case .listSessions: return listSessions(request)
        case .message(let id): return await message(request, sessionID: id)
        case .end(let id): return end(request, sessionID: id)
        case .agentSessions(let id): return agentSessions(request, agentID: id)
        case .notFound: return Self.error(.notFound, "Not found")
        case .methodNotAllowed: return Self.error(.methodNotAllowed, "Method not allowed")
        }
    }

    /// `{"success":false,"error":…}`.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        HTTPReply.json(status, .object([("success", false), ("error", .string(message))]))
    }

    /// A JSON object body; an empty body counts as `{}` where `allowEmpty`.
    func objectBody(_ request: SandboxRequest, allowEmpty: Bool) -> Result<JSON, AgentHumanFailure> {
        if allowEmpty && request.isEmptyBody { return .success(.object([])) }
        guard let body = try? RequestJSON.parse(request.body), body.objectPairs != nil else {
            return .failure(AgentHumanFailure(Self.error(.badRequest, "Request body must be a JSON object")))
        }
        return .success(body)
    }

    struct AgentHumanFailure: Error {
        let response: Response
        init(_ response: Response) { self.response = response }
    }

    // MARK: - Sessions

    /// `POST /api/v1/sessions` `{"agent_id":123,"session_type":"agent_chat","metadata":{…}}`.
    func createSession(_ request: SandboxRequest) -> Response {
        let body: JSON
        switch objectBody(request, allowEmpty: false) {
        case .failure(let failure): return failure.response
        case .success(let value): body = value
        }
        guard let agentValue = body["agent_id"], !agentValue.isNull else {
            return Self.error(.badRequest, "agent_id is required")
        }
        guard let agentID = agentValue.intValue else { return Self.error(.badRequest, "agent_id must be an integer") }
        var sessionType = "agent_voice"
        if let value = body["session_type"], !value.isNull {
            guard let type = value.stringValue, Self.sessionTypes.contains(type) else {
                return Self.error(
                    .badRequest, "Invalid session_type. Must be one of: \(Self.sessionTypes.joined(separator: ", "))")
            }
            sessionType = type
        }
        var metadata = JSON.object([])
        if let value = body["metadata"], !value.isNull {
            guard value.objectPairs != nil else { return Self.error(.badRequest, "metadata must be an object") }
            metadata = value
        }
        guard agentID == credentials.agentHumanAgentID else {
            return Self.error(.notFound, "Agent not found or access denied")
        }
        var demo = DemoConversation(script: configuration.script, seed: configuration.seed)
        // The agent's greeting has no place in this protocol; the first user message is answered from the start state.
        _ = demo.open(.agentFirst)
        let box = AgentHumanSessionBox(
            id: ids.sequence(startingAt: 1000), agentID: agentID, sessionType: sessionType,
            startedAt: request.receivedAt, metadata: metadata, demo: demo)
        store.add(box)
        return HTTPReply.json(
            .created,
            .object([
                ("success", true), ("session", sessionJSON(box)), ("message", "Session started successfully"),
            ]))
    }

    /// `POST /api/v1/sessions/{id}/messages` `{"message":…}` →
    /// `{"success":true,"response":{"message_id","text","created_at"}}`,
    /// or the shape of ``SandboxConfiguration/agentHumanMessageRoute``.
    func message(_ request: SandboxRequest, sessionID: String) async -> Response {
        guard let id = Int(sessionID), let box = store.session(id) else {
            return Self.error(.notFound, "Session not found")
        }
        let body: JSON
        switch objectBody(request, allowEmpty: false) {
        case .failure(let failure): return failure.response
        case .success(let value): body = value
        }
        let field = configuration.agentHumanMessageRoute.textField
        guard let text = body[field]?.stringValue, !text.allSatisfy(\.isWhitespace) else {
            return Self.error(.badRequest, "\(field) is required")
        }
        let now = request.receivedAt
        let reply = box.state.withLock { state -> String? in
            guard state.isActive else { return nil }
            state.userMessagesReceived += 1
            let turn = state.demo.reply(to: text)
            state.lines.append("User: \(text)")
            state.lines.append("Agent: \(turn.text)")
            if turn.completed {
                // The agent said goodbye: the session ends as if the client had ended it.
                state.endedAt = now
                state.duration = max(0, Int(now.timeIntervalSince(box.startedAt).rounded()))
                state.transcript = state.lines.joined(separator: "\n")
            }
            return turn.text
        }
        guard let reply else { return Self.error(.badRequest, "Session is not active") }
        let delay = timing.firstDelay()
        if delay > .zero { try? await Task.sleep(for: delay) }
        let answer = configuration.agentHumanMessageRoute.responseBody(
            messageID: ids.uuid(), text: reply, createdAt: Timestamp.seconds(Date()))
        return HTTPReply.json(.ok, answer, faults: request.faults)
    }

    /// `PUT /api/v1/sessions/{id}/end` with optional `duration`, `transcript`, `metadata`; ending twice succeeds twice.
    func end(_ request: SandboxRequest, sessionID: String) -> Response {
        guard let id = Int(sessionID), let box = store.session(id) else {
            return Self.error(.notFound, "Session not found")
        }
        let body: JSON
        switch objectBody(request, allowEmpty: true) {
        case .failure(let failure): return failure.response
        case .success(let value): body = value
        }
        var duration: Int?
        if let value = body["duration"], !value.isNull {
            guard let seconds = value.intValue, seconds >= 0 else {
                return Self.error(.badRequest, "duration must be a non-negative integer")
            }
            duration = seconds
        }
        var transcript: String?
        if let value = body["transcript"], !value.isNull {
            guard let text = value.stringValue else { return Self.error(.badRequest, "transcript must be a string") }
            transcript = text
        }
        let now = request.receivedAt
        box.state.withLock { state in
            if state.isActive {
                state.endedAt = now
                state.duration = duration ?? max(0, Int(now.timeIntervalSince(box.startedAt).rounded()))
            }
            if let transcript { state.transcript = transcript }
            if state.transcript == nil { state.transcript = state.lines.joined(separator: "\n") }
        }
        return HTTPReply.json(
            .ok,
            .object([
                ("success", true), ("session", sessionJSON(box)), ("message", "Session ended successfully"),
            ]))
    }

    /// `GET /api/v1/sessions?agent_id=&status=all|active|completed`.
    func listSessions(_ request: SandboxRequest) -> Response {
        var agentID: Int?
        if let text = request.queryValue("agent_id"), !text.isEmpty {
            guard let value = Int(text) else { return Self.error(.badRequest, "agent_id must be an integer") }
            agentID = value
        }
        let status = request.queryValue("status") ?? "all"
        guard ["all", "active", "completed"].contains(status) else {
            return Self.error(.badRequest, "Invalid status. Must be one of: all, active, completed")
        }
        let sessions = store.all.filter { box in
            if let agentID, box.agentID != agentID { return false }
            if status == "all" { return true }
            let active = box.state.withLock { $0.isActive }
            return (status == "active") == active
        }
        return HTTPReply.json(.ok, .object([("success", true), ("sessions", .array(sessions.map(sessionJSON)))]))
    }

    /// `GET /api/v1/agents/{agent_id}/sessions`.
    func agentSessions(_ request: SandboxRequest, agentID text: String) -> Response {
        guard let agentID = Int(text) else { return Self.error(.badRequest, "agent_id must be an integer") }
        guard agentID == credentials.agentHumanAgentID else {
            return Self.error(.notFound, "Agent not found or access denied")
        }
        let sessions = store.all.filter { $0.agentID == agentID }
        return HTTPReply.json(.ok, .object([("success", true), ("sessions", .array(sessions.map(sessionJSON)))]))
    }

    func sessionJSON(_ box: AgentHumanSessionBox) -> JSON {
        let state = box.state.withLock { ($0.endedAt, $0.duration, $0.transcript) }
        var pairs: [(String, JSON)] = [
            ("session_id", .int(box.id)), ("agent_id", .int(box.agentID)),
            ("agent_name", .string(configuration.script.name)),
            ("session_type", .string(box.sessionType)), ("status", state.0 == nil ? "active" : "completed"),
            ("started_at", .string(Timestamp.seconds(box.startedAt))), ("metadata", box.metadata),
            ("avatar_id", 1), ("avatar_name", "Juno"), ("avatar_url", "https://example.com/avatar.jpg"),
            ("voice_id", "sandbox-voice"),
        ]
        if let endedAt = state.0 {
            pairs.append(("ended_at", .string(Timestamp.seconds(endedAt))))
            pairs.append(("duration", state.1.map(JSON.int) ?? .null))
            pairs.append(("transcript", JSON.optional(state.2)))
        }
        return .object(pairs)
    }
}
