import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ParleyDemoAgent
import ParleyJSON

/// A web chat backend (`/webchat/v1/…`) of the kind browsers talk to, shaped so that describing it
/// takes what `provider: http` offers beyond JSON bodies: Basic authentication, a session kept in
/// a cookie, a conversation cookie, a conversation whose address comes only in a `Location`
/// header of an empty 201, a query parameter on every request, and replies as server-sent
/// events whose `event:` names matter.
///
/// - Every request carries `?api-version=2024-05-01` (400 otherwise).
/// - `POST session` with `Authorization: Basic …` → 204 and `Set-Cookie: wc_session=…; Path=/webchat`.
/// - `POST conversations` (needs `wc_session`) → 201, empty body, `Location: /webchat/v1/conversations/<id>`
///   and `Set-Cookie: wc_route=<node>; Path=/webchat`: the conversation is
///   pinned to a node, and its requests must carry that cookie (403 otherwise).
/// - `POST conversations/<id>/messages` `{"text": …}` → 200 `text/event-stream`: `event: ping`
///   (data `keep-alive`, not JSON), one `event: message` per agent message (`{"id","text"}`),
///   `event: handoff` on escalation, `event: closed` when the agent ends the conversation, and
///   `event: done` (data `[END]`).
/// - `DELETE conversations/<id>` → 204.
///
/// A missing or expired session answers 401 `{"error": …}` saying what was missing.
struct WebchatAPI: Sendable {
    static let prefix = "/webchat/v1/"
    static let sessionCookie = "wc_session"
    static let routeCookie = "wc_route"

    let configuration: SandboxConfiguration
    let store: WebchatStore
    let ids: IdentifierFactory
    let counter: RequestCounter
    let timing: ReplyTiming
    let faults: FaultInjector

    var credentials: SandboxCredentials { configuration.credentials }

    static func endpoint(_ request: SandboxRequest) -> SandboxEndpoint {
        let s = request.segments
        switch (s.count, s.first) {
        case (1, "session"): return .webchatSignIn
        case (1, "conversations"): return .webchatCreate
        case (3, "conversations") where s[2] == "messages": return .webchatSend
        case (2, "conversations"): return .webchatEnd
        default: return .webchatUnknown
        }
    }

    func handle(_ request: SandboxRequest) async -> Response {
        let endpoint = Self.endpoint(request)
        counter.record(endpoint)
        let injected = faults.draw(endpoint)
        switch injected.refusal {
        case .rateLimited(let retryAfter)?:
            var response = Self.error(.tooManyRequests, "slow down")
            response.headers[.retryAfter] = String(retryAfter)
            return response
        case .some:
            return Self.error(.serviceUnavailable, "down for maintenance")
        case nil:
            let delay = injected.firstByteDelay
            if delay > .zero { try? await Task.sleep(for: delay) }
        }
        guard request.queryValue("api-version") == credentials.webchatAPIVersion else {
            return Self.error(
                .badRequest, "the api-version query parameter must be \(credentials.webchatAPIVersion)")
        }
        let s = request.segments
        switch (endpoint, request.method) {
        case (.webchatSignIn, .post): return signIn(request)
        case (.webchatUnknown, _): return Self.error(.notFound, "no such resource: \(request.path)")
        case (.webchatCreate, .post), (.webchatSend, .post), (.webchatEnd, .delete): break
        default: return Self.error(.methodNotAllowed, "\(request.method) is not allowed here")
        }
        let cookies = Self.cookies(request)
        if let problem = store.problem(session: cookies[Self.sessionCookie]) {
            return Self.error(.unauthorized, problem)
        }
        if endpoint == .webchatCreate { return create() }
        guard let box = store.conversation(s[1]) else { return Self.error(.notFound, "no conversation \(s[1])") }
        guard cookies[Self.routeCookie] == box.route else {
            return Self.error(.forbidden, "this conversation lives on node \(box.route): send its wc_route cookie")
        }
        if endpoint == .webchatEnd {
            box.state.withLock { $0.closed = true }
            return HTTPReply.empty(.noContent)
        }
        return send(request, box)
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        HTTPReply.json(status, .object([("error", .string(message))]))
    }

    /// The request's cookies by name.
    static func cookies(_ request: SandboxRequest) -> [String: String] {
        var out: [String: String] = [:]
        for pair in (request.header("cookie") ?? "").split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            out[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    /// `POST session` with Basic authentication → 204 and the session cookie.
    func signIn(_ request: SandboxRequest) -> Response {
        let expected =
            "Basic " + Data("\(credentials.webchatUser):\(credentials.webchatPassword)".utf8).base64EncodedString()
        guard let authorization = request.header("authorization"), authorization.hasPrefix("Basic ") else {
            return Self.error(.unauthorized, "sign in with Basic authentication")
        }
        guard authorization == expected else { return Self.error(.unauthorized, "bad user name or password") }
        let session = "wcs_" + ids.objectID()
        store.issue(session)
        var headers = HTTPFields()
        headers[.setCookie] = "\(Self.sessionCookie)=\(session); Path=/webchat; HttpOnly; Max-Age=3600"
        return HTTPReply.empty(.noContent, headers: headers)
    }

    /// `POST conversations` → 201 with no body: the address is in `Location`, the node in a cookie.
    func create() -> Response {
        let id = "wcc_" + ids.objectID()
        let box = WebchatConversationBox(
            id: id, route: "node-\(id.suffix(3))",
            demo: DemoConversation(script: configuration.script, seed: configuration.seed))
        store.add(box)
        var headers = HTTPFields()
        headers[.location] = "\(Self.prefix)conversations/\(id)"
        headers[.setCookie] = "\(Self.routeCookie)=\(box.route); Path=/webchat"
        return HTTPReply.empty(.created, headers: headers)
    }

    /// `POST conversations/<id>/messages` → the agent's reply as server-sent events.
    func send(_ request: SandboxRequest, _ box: WebchatConversationBox) -> Response {
        guard let body = try? RequestJSON.parse(request.body), let text = body["text"]?.stringValue,
            !text.allSatisfy(\.isWhitespace)
        else {
            return Self.error(.unprocessableContent, #"send {"text": …}"#)
        }
        let turn = box.state.withLock { state -> DemoTurn? in
            guard !state.closed else { return nil }
            state.userMessages += 1
            if state.opened { return state.demo.reply(to: text) }
            state.opened = true
            return state.demo.open(.userMessage(text))
        }
        guard let turn else { return Self.error(.conflict, "the conversation is over") }
        if turn.completed { box.state.withLock { $0.closed = true } }
        var events = ["event: ping\ndata: keep-alive\n\n"]
        for text in turn.messages {
            let message = JSON.object([("id", .string("wcm_" + ids.objectID())), ("text", .string(text))])
            events.append("event: message\ndata: \(message.text)\n\n")
        }
        if turn.events.contains(where: { $0.kind == "escalation" }) {
            events.append("event: handoff\ndata: {\"to\":\"human\"}\n\n")
        }
        if turn.completed { events.append("event: closed\ndata: {\"reason\":\"agent_ended\"}\n\n") }
        events.append("event: done\ndata: [END]\n\n")
        let first = timing.firstDelay()
        let between = timing.chunkDelay
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { [events] writer in
                try await writer.write(ByteBuffer(string: events[0]))
                if first > .zero { try await Task.sleep(for: first) }
                for (index, event) in events.enumerated().dropFirst() {
                    if index > 1, between > .zero { try await Task.sleep(for: between) }
                    try await writer.write(ByteBuffer(string: event))
                }
                try await writer.finish(nil)
            })
    }
}
