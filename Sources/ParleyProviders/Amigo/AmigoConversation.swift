import Foundation
import ParleyClock
import ParleyHTTP
import ParleyJSON
import ParleyFlow
import ParleyRun
import Synchronization

/// One Amigo conversation: create, interact, recommend, tags, insights, finish.
///
/// A class with its few fields under a lock rather than an actor: its calls then run where the flow
/// run runs (the HTTP loop's thread), where an actor would hop in and out on every call and on every
/// line of every reply. One flow run drives a conversation one call at a time; the lock covers the
/// rest (ending it from the clean-up task while a late call winds down).
final class AmigoConversation: AgentConversation {
    private let provider: AmigoProvider
    /// The pooled user this conversation runs as, until ``release()``.
    private let user: String
    private let turnTimeout: Duration
    private let state = Mutex(State())

    private struct State {
        var released = false
        var id: String?
        /// The latest completed interaction: recommend_responses and insights refer to it.
        var interactionID: String?
        var completed = false
        /// A create request went out, so the server may hold a conversation whose id never reached us.
        var createSent = false
        /// Where this conversation's interacts go, made at the first: the same URL every turn.
        var interactURL: String?
    }

    init(provider: AmigoProvider, user: String, turnTimeout: Duration) {
        self.provider = provider
        self.user = user
        self.turnTimeout = turnTimeout
    }

    private var settings: AmigoSettings { provider.settings }
    private var http: ProviderHTTP { provider.http }
    /// Streams get the turn timeout plus a margin; the interpreter's own deadline comes first.
    private var streamTimeout: Duration { turnTimeout + .seconds(5) }

    func start(_ opening: ConversationOpening) async throws(ProviderError) -> AgentReply {
        var body: [(String, JSONValue)] = [
            ("service_id", .string(settings.serviceID)), ("service_version_set_name", .string(settings.versionSet)),
        ]
        switch opening {
        case .agentFirst: break
        case .userMessage(let text):
            body += [("initial_message", .string(try Self.nonBlank(text))), ("initial_message_type", "user-message")]
        case .externalEvent(let text):
            body += [
                ("initial_message", .string(try Self.nonBlank(text))), ("initial_message_type", "external-event"),
            ]
        }
        let payload = HTTPBody.json(JSONValue.object(body).bytes)
        let url = settings.url("conversation/?response_format=text" + provider.agentActionQuery)
        let create: @Sendable (String) -> HTTPRequest = { token in
            var request = self.http.request(
                .post, url, headers: ["Accept": "application/x-ndjson"], body: payload, timeout: self.streamTimeout)
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            return request
        }
        // Signed in first: a create that never went out leaves nothing to finish.
        _ = try await provider.token(for: user, timeout: turnTimeout)
        state.withLock { $0.createSent = true }
        do {
            return try await streamReply(doing: "creating a conversation", endpoint: "create", create)
        } catch  where error.status == 400 {
            // A run that crashed may have left this user's conversation open; finish it and try once more.
            let stale = try await finishUnfinishedConversations()
            guard stale > 0 else { throw error }
            var reply = try await streamReply(doing: "creating a conversation", endpoint: "create", create)
            reply.events.append(
                ProviderEvent(
                    kind: "recovered",
                    detail:
                        "finished \(stale) unfinished conversation\(stale == 1 ? "" : "s") of user \(user) left by "
                        + "an earlier run"
                ))
            return reply
        }
    }

    /// Finishes this user's unfinished conversations of the service; returns how many there were.
    @inline(never)
    private func finishUnfinishedConversations() async throws(ProviderError) -> Int {
        let url = settings.url(
            "conversation/?user_id=\(RequestTemplate.encodeQueryComponent(user))&service_id=\(settings.serviceID)"
                + "&is_finished=false&limit=50")
        let response = try await provider.authorized(
            as: user,
            { token in
                var request = self.http.request(.get, url, timeout: .seconds(30))
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                return request
            }, endpoint: "list", idempotent: true)
        guard (200..<300).contains(response.status) else { return 0 }
        // Only well-formed ids go into a finish request's path.
        let ids =
            (try? JSONValue(parsing: response.body))?["conversations"]?.array?.compactMap { $0["id"]?.string }
            .filter(AmigoSettings.isObjectID) ?? []
        for stale in ids {
            let finish = settings.url("conversation/\(stale)/finish/")
            _ = try await provider.authorized(
                as: user,
                { token in
                    var request = self.http.request(.post, finish, timeout: .seconds(30))
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                    return request
                }, endpoint: "finish", idempotent: true)
        }
        return ids.count
    }

    func send(_ text: String) async throws(ProviderError) -> AgentReply {
        try await interact(text, type: "user-message", doing: "sending a message")
    }

    func sendEvent(_ text: String) async throws(ProviderError) -> AgentReply {
        try await interact(text, type: "external-event", doing: "sending an external event")
    }

    private func interact(_ text: String, type: String, doing what: String) async throws(ProviderError) -> AgentReply {
        let (url, body) = try interactRequest(text, type: type)
        return try await streamReply(doing: what, endpoint: "interact") { token in
            var request = self.http.request(
                .post, url, headers: ["Accept": "application/x-ndjson"], body: body, timeout: self.streamTimeout)
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            return request
        }
    }

    /// Where an interact goes and what it carries (synchronous: the settings it reads are not then
    /// copied into the frame of a call every conversation waits in).
    @inline(never)
    private func interactRequest(_ text: String, type: String) throws(ProviderError) -> (url: String, body: HTTPBody) {
        let (id, kept) = state.withLock { ($0.id, $0.interactURL) }
        guard let id else { throw Self.notCreated }
        var form = MultipartForm()
        form.addField(name: "initial_message_type", value: type)
        form.addField(name: "recorded_message", value: try Self.nonBlank(text))
        if let kept { return (kept, HTTPBody.multipart(form)) }
        let url = settings.url(
            "conversation/\(id)/interact?request_format=text&response_format=text" + provider.agentActionQuery)
        state.withLock { $0.interactURL = url }
        return (url, HTTPBody.multipart(form))
    }

    /// Opens a create/interact stream and reads it to `interaction-complete`.
    private func streamReply(doing what: String, endpoint: String, _ build: @Sendable (String) -> HTTPRequest)
        async throws(ProviderError) -> AgentReply
    {
        let sentAt = Date()
        // Instants as integers: this frame is held across the whole reply (MonotonicInstant).
        let started = MonotonicInstant.now
        let response = try await provider.authorizedStream(
            as: user, build, endpoint: endpoint, signInTimeout: turnTimeout)
        guard (200..<300).contains(response.status) else {
            let body = (try? await response.collectBody()) ?? []
            throw refusal(response.status, body: body, doing: what)
        }
        var reader = AmigoReplyReader(limit: provider.replyLimit, strings: provider.strings)
        var idKept = false
        do {
            try await response.lines.forEach { line in
                try reader.consume(line, at: .now)
                // Known as soon as it arrives, so the conversation can be finished even if the rest fails.
                if !idKept, let created = reader.conversationID {
                    idKept = true
                    state.withLock { if $0.id == nil { $0.id = created } }
                }
            }
        } catch {
            try readFailure(error, complete: reader.complete)
        }
        return try reply(of: reader, sentAt: sentAt, started: started, finished: .now)
    }

    /// What broke the reply stream, as the error the call throws; returns when everything needed had
    /// arrived and only the server's close was untidy. Synchronous and out of line, like
    /// ``reply(of:sentAt:started:finished:)``: the error values it looks at would otherwise take room
    /// in the frame every conversation holds while it waits for its reply.
    @inline(never)
    private func readFailure(_ error: any Error, complete: Bool) throws(ProviderError) {
        switch error {
        case let error as ProviderError: throw error
        case let error as HTTPError: if !complete { throw http.providerError(error) }
        default: throw ProviderError(.protocolViolation, "Amigo: \(error)")
        }
    }

    /// The reply the stream made, once it has ended; the conversation learns its id and interaction.
    @inline(never)
    private func reply(
        of reader: AmigoReplyReader, sentAt: Date, started: MonotonicInstant, finished: MonotonicInstant
    ) throws(ProviderError) -> AgentReply {
        var reply = try reader.reply(sentAt: sentAt, started: started, finished: finished)
        let completed = reply.conversationCompleted
        let id = state.withLock { state -> String? in
            if state.id == nil { state.id = reader.conversationID }
            guard state.id != nil else { return nil }
            state.interactionID = reader.interactionID ?? state.interactionID
            if completed { state.completed = true }
            return state.id
        }
        guard let id else {
            throw ProviderError(.protocolViolation, "Amigo's create stream had no `conversation-created` event")
        }
        reply.ids["conversation_id"] = id
        return reply
    }

    func recommendResponses(context: String) async throws(ProviderError) -> [String] {
        let conversation = try requireID()
        guard let interaction = state.withLock({ $0.interactionID }) else {
            throw ProviderError(.protocolViolation, "Amigo has no completed interaction to recommend responses for yet")
        }
        let url = settings.url("conversation/\(conversation)/interaction/\(interaction)/recommend_responses")
        let body = HTTPBody.json(JSONValue.object([("context", .string(context))]).bytes)
        let response = try await provider.authorized(
            as: user,
            { token in
                var request = self.http.request(.post, url, body: body, timeout: self.turnTimeout)
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                return request
            }, endpoint: "recommend", idempotent: true, signInTimeout: turnTimeout)
        guard (200..<300).contains(response.status) else {
            if response.status == 400 {
                throw ProviderError(
                    .server,
                    "Amigo refused to recommend responses (400): \(ProviderHTTP.errorText(response.body)) — "
                        + "recommend_responses works only on the latest completed interaction (\(interaction)) of an "
                        + "unfinished conversation",
                    status: 400)
            }
            throw http.statusError(response.status, body: response.body, doing: "asking for recommended responses")
        }
        let json = try http.json(response.body, doing: "asking for recommended responses")
        guard let items = json["recommended_responses"]?.array else {
            throw ProviderError(
                .protocolViolation, "Amigo's recommend_responses answer has no `recommended_responses` list")
        }
        return items.compactMap(\.string)
    }

    func updateTags(set: [String: String], remove: [String]) async throws(ProviderError) {
        let conversation = try requireID()
        for (key, value) in set {
            if let problem = ConversationTags.problem(withKey: key) ?? ConversationTags.problem(withValue: value) {
                throw ProviderError(.configuration, "Amigo tag `\(key)`: \(problem)")
            }
        }
        // `deletes` is a set on Amigo's side: each name once, never blank.
        var deletes: [String] = []
        for name in remove where !deletes.contains(name) {
            if let problem = ConversationTags.problem(withKey: name) {
                throw ProviderError(.configuration, "Amigo tag removal: \(problem)")
            }
            deletes.append(name)
        }
        let updates = JSONValue.object(set.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
        let body = HTTPBody.json(
            JSONValue.object([("updates", updates), ("deletes", .array(deletes.map { .string($0) }))]).bytes)
        let url = settings.url("conversation/\(conversation)/tags/")
        let response = try await provider.authorized(
            as: user,
            { token in
                var request = self.http.request(.post, url, body: body, timeout: self.turnTimeout)
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                return request
            }, endpoint: "tags", idempotent: true, signInTimeout: turnTimeout)
        guard (200..<300).contains(response.status) else {
            throw http.statusError(response.status, body: response.body, doing: "updating tags")
        }
    }

    func insights() async throws(ProviderError) -> AgentInsights {
        let conversation = try requireID()
        guard let interaction = state.withLock({ $0.interactionID }) else {
            throw ProviderError(.protocolViolation, "Amigo has no completed interaction to read insights of yet")
        }
        let url = settings.url("conversation/\(conversation)/interaction/\(interaction)/insights")
        let response = try await provider.authorized(
            as: user,
            { token in
                var request = self.http.request(.get, url, timeout: self.turnTimeout)
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                return request
            }, endpoint: "insights", idempotent: true, signInTimeout: turnTimeout)
        guard (200..<300).contains(response.status) else {
            throw http.statusError(response.status, body: response.body, doing: "reading insights")
        }
        let json = try http.json(response.body, doing: "reading insights")
        return AgentInsights(
            stateName: json["current_state_name"]?.string, action: json["current_state_action"]?.string,
            objective: json["current_state_objective"]?.string)
    }

    func end() async throws(ProviderError) {
        let (completed, id, createSent) = state.withLock { ($0.completed, $0.id, $0.createSent) }
        guard !completed else { return }
        if let id {
            try await finish(id)
        } else if createSent {
            // The create was cut short before its id arrived: finish whatever this user left open.
            _ = try await finishUnfinishedConversations()
        }
        state.withLock { $0.completed = true }
    }

    /// Finishes the conversation, asking again while Amigo answers 409 for an interaction still
    /// settling. Out of line, like ``finishUnfinishedConversations()``, so that `end()` takes the
    /// room of only the path it takes.
    @inline(never)
    private func finish(_ conversation: String) async throws(ProviderError) {
        let url = settings.url("conversation/\(conversation)/finish/")
        // 409 while the server is still busy with an interaction whose reply we stopped reading
        // (Ctrl-C, a timeout): wait for it to settle, then finish.
        var delay = Duration.milliseconds(100)
        for attempt in 1...6 {
            let response = try await provider.authorized(
                as: user,
                { token in
                    var request = self.http.request(.post, url, timeout: .seconds(30))
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                    return request
                }, endpoint: "finish", idempotent: true)
            guard try finishNeedsRetry(response, attempt: attempt) else { return }
            do { try await CallDeadline.sleep(for: delay) } catch { return }
            delay = delay * 2
        }
    }

    /// Whether a finish request's answer asks for another try: a 409 for an interaction still
    /// settling, at most six tries in all; "already finished" is done, and any other refusal throws.
    @inline(never)
    private func finishNeedsRetry(_ response: HTTPResponse, attempt: Int) throws(ProviderError) -> Bool {
        if (200..<300).contains(response.status) { return false }
        guard response.status == 409 else {
            throw http.statusError(response.status, body: response.body, doing: "finishing the conversation")
        }
        return !ProviderHTTP.errorText(response.body).lowercased().contains("finished") && attempt < 6
    }

    var conversationID: String? { state.withLock { $0.id } }

    /// Giving the user back to the provider's pool is local.
    var releasesLocally: Bool { true }

    /// Sending and ending wait only for HTTP through ``ProviderHTTP`` (its pauses and rate limits
    /// included), for a shared sign-in through ``Waiting`` and for a pause between finish requests,
    /// all bounded by ``CallDeadline``.
    var keepsCallDeadline: Bool { true }

    func release() async {
        let first = state.withLock { state in
            defer { state.released = true }
            return !state.released
        }
        guard first else { return }
        await provider.users.release(user)
    }

    /// Amigo refuses (422) a message that is empty once stripped; the interpreter never asks for one,
    /// and this keeps any other caller from sending it.
    private static func nonBlank(_ text: String) throws(ProviderError) -> String {
        guard text.isBlank else { return text }
        throw ProviderError(.configuration, "Amigo does not accept an empty message; nothing was sent")
    }

    private func requireID() throws(ProviderError) -> String {
        guard let id = state.withLock({ $0.id }) else { throw Self.notCreated }
        return id
    }

    private static let notCreated = ProviderError(.protocolViolation, "the Amigo conversation has not been created")

    /// A refused create/interact in words a user can act on.
    private func refusal(_ status: Int, body: [UInt8], doing what: String) -> ProviderError {
        let said = ProviderHTTP.errorText(body)
        switch status {
        case 400 where what.hasPrefix("creating"):
            return ProviderError(
                .server,
                "Amigo refused to create the conversation (400): \(said) — a user may have only one unfinished "
                    + "conversation per service; finish it or use another user", status: 400)
        case 409:
            return ProviderError(.conversationClosed, "Amigo refused while \(what) (409): \(said)", status: 409)
        default:
            return http.statusError(status, body: body, doing: what)
        }
    }
}
