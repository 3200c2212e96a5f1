import Foundation
import ParleyFlow
import ParleyHTTP
import ParleyJSON
import ParleyRun
import ParleyWebhooks
import Synchronization

/// One conversation with a `provider: http` target: the configured start, sends and end, with the
/// variables extracted along the way (`${conversation_id}`, a poll cursor…), the cookies its
/// requests were given, and — when replies arrive by webhook — its own callback URL.
///
/// A class with its mutable fields under a lock rather than an actor, so that its calls, and every
/// line or poll they await, run where the flow run does (docs/architecture.md).
final class HTTPConversation: AgentConversation {
    let provider: HTTPProvider
    let context: ConversationContext
    /// Where the agent delivers replies, when they arrive by webhook.
    let mailbox: WebhookMailbox?
    let clock = ContinuousClock()
    private let state: Mutex<State>

    private struct State {
        /// The target's constants and everything extracted so far.
        var variables: [String: String]
        /// Cookies set by this conversation's requests (`nil` with `cookies: false`).
        var cookies: CookieJar?
        /// Ids of webhook-delivered messages already read.
        var deliveredIDs: Set<String> = []
        var opened = false
        /// `start`, which runs to its end even if the turn times out, so that a conversation created
        /// late is still ended.
        var creation: ShieldedRequest<AgentReply?>?
    }

    init(provider: HTTPProvider, context: ConversationContext) {
        self.provider = provider
        self.context = context
        var variables = provider.settings.constants
        if let route = provider.webhooks {
            let (mailbox, url) = route.open()
            self.mailbox = mailbox
            variables["webhook_url"] = url
            if let secret = mailbox.secret {
                variables["webhook_secret"] = secret
                provider.secrets.add(secret)
            }
        } else {
            mailbox = nil
        }
        state = Mutex(State(variables: variables, cookies: provider.settings.cookies ? CookieJar() : nil))
    }

    var settings: HTTPTargetSettings { provider.settings }
    var http: ProviderHTTP { provider.http }
    var name: String { "target `\(provider.settings.name)`" }
    /// Requests of a turn get the turn timeout plus a margin; the interpreter's own deadline comes first.
    var turnRequestTimeout: Duration { context.turnTimeout + .seconds(5) }

    /// The target's constants and everything extracted so far.
    var variables: [String: String] { state.withLock { $0.variables } }

    func setVariable(_ name: String, to value: String) {
        state.withLock { $0.variables[name] = value }
    }

    /// Whether a webhook-delivered message with this id is new (it is remembered as read).
    func firstDelivery(of id: String) -> Bool {
        state.withLock { $0.deliveredIDs.insert(id).inserted }
    }

    func start(_ opening: ConversationOpening) async throws(ProviderError) -> AgentReply {
        guard !state.withLock({ $0.opened }) else {
            throw ProviderError(.protocolViolation, "\(name): the conversation was already started")
        }
        // Refuse what the target cannot do before anything is sent.
        switch opening {
        case .agentFirst where settings.start?.reply == nil:
            throw ProviderError(.unsupported, "\(name) has no `start.reply`, so the agent cannot speak first")
        case .externalEvent:
            throw ProviderError(.unsupported, "\(name) (http) cannot open a conversation with an external event")
        default:
            break
        }
        state.withLock { $0.opened = true }
        var greeting: AgentReply?
        if let start = settings.start {
            let (sentAt, started) = (Date(), clock.now)
            // Logged in first: only a request that may create a conversation is seen through to its end.
            _ = try await provider.login?.variables()
            let creation = ShieldedRequest { () async throws(ProviderError) -> AgentReply? in
                try await self.perform(
                    start, extra: [:], sentAt: sentAt, started: started, doing: "starting a conversation")
            }
            state.withLock { $0.creation = creation }
            greeting = try await creation.value()
        }
        if case .userMessage(let text) = opening {
            var reply = try await send(text)
            // The agent greeted before the user spoke; keep its words in the transcript.
            if let greeting, !greeting.messages.isEmpty {
                reply.events.insert(ProviderEvent(kind: "greeting", detail: greeting.text), at: 0)
            }
            return reply
        }
        guard var greeting else {
            throw ProviderError(.protocolViolation, "\(name): `start` gave no greeting")
        }
        greeting.ids = ids()
        return greeting
    }

    func send(_ text: String) async throws(ProviderError) -> AgentReply {
        // Without `start:` the first message opens the conversation.
        state.withLock { $0.opened = true }
        guard
            var reply = try await perform(
                settings.send, extra: ["message": text], sentAt: Date(), started: clock.now,
                doing: "sending a message")
        else {
            throw ProviderError(.configuration, "\(name): `send` has no `reply`")
        }
        reply.ids = ids()
        return reply
    }

    func end() async throws(ProviderError) {
        guard state.withLock({ $0.opened }), let end = settings.end else {
            closeMailbox()
            return
        }
        defer { closeMailbox() }
        // A conversation still being started (its turn timed out) is ended once it exists.
        await state.withLock { $0.creation }?.settled()
        _ = try await perform(end, extra: [:], sentAt: Date(), started: clock.now, doing: "ending the conversation")
    }

    /// Closing the webhook mailbox is local.
    var releasesLocally: Bool { true }

    func release() async {
        closeMailbox()
    }

    /// Deliveries after the end are acknowledged and dropped.
    private func closeMailbox() {
        if let mailbox { provider.webhooks?.directory.close(mailbox) }
    }

    /// The ids worth keeping in the transcript: the conversation's, and the latest message's if extracted.
    var conversationID: String? { variables["conversation_id"] }

    private func ids() -> [String: String] {
        let variables = self.variables
        var ids: [String: String] = [:]
        if let id = variables["conversation_id"] { ids["conversation_id"] = id }
        if let id = variables["message_id"] { ids["message_id"] = id }
        return ids
    }

    // MARK: - Requests

    /// Everything templates see in this conversation, with the login's variables and `extra`.
    func scope(login: [String: String], extra: [String: String]) -> VariableScope {
        var locals = variables
        for (key, value) in login { locals[key] = value }
        for (key, value) in extra { locals[key] = value }
        return provider.scope(locals, context: context)
    }

    /// Credentials, tokens, cookie values and the webhook secret to keep out of messages: the run's
    /// secrets as known now.
    func excerpt() -> ResponseExcerpt {
        for jar in [state.withLock({ $0.cookies }), provider.cookies?.snapshot] {
            provider.secrets.add((jar?.cookies ?? []).map(\.value))
        }
        return ResponseExcerpt(redactor: provider.secrets.redactor)
    }

    /// The request, rendered with the conversation's variables and given its cookies.
    private func prepared(_ template: RequestTemplate, what: String, login: [String: String], extra: [String: String])
        throws(ProviderError) -> RenderedRequest
    {
        var rendered = try provider.render(template, what: what, scope: scope(login: login, extra: extra))
        let cookies = state.withLock { $0.cookies }
        if cookies != nil || provider.cookies != nil {
            rendered.attachCookies(login: provider.cookies?.snapshot, conversation: cookies)
        }
        return rendered
    }

    /// Keeps the cookies an answer set for this conversation.
    private func keepCookies(_ headers: HTTPHeaders, from url: String) {
        let values = state.withLock { state -> [String] in
            state.cookies?.store(headers, from: url, now: Date().timeIntervalSince1970)
            return (state.cookies?.cookies ?? []).map(\.value)
        }
        // A cookie is a credential from the moment it is set, before a request carries it.
        provider.secrets.add(values)
    }

    /// Sends a request and reads the whole answer; logs in first, and again once if the answer is one of `relogin_on`.
    func exchange(
        _ template: RequestTemplate, what: String, extra: [String: String], idempotent: Bool,
        timeout: Duration
    ) async throws(ProviderError) -> (RenderedRequest, HTTPResponse) {
        var login = try await provider.login?.variables()
        var rendered = try prepared(template, what: what, login: login?.variables ?? [:], extra: extra)
        var response = try await http.send(
            provider.request(rendered, timeout: timeout), endpoint: HTTPProvider.endpoint, idempotent: idempotent)
        keepCookies(response.headers, from: rendered.url)
        if let session = provider.login, let generation = login?.generation, let reloginOn = settings.login?.reloginOn,
            reloginOn.contains(response.status)
        {
            await session.invalidate(generation)
            login = try await session.variables()
            rendered = try prepared(template, what: what, login: login?.variables ?? [:], extra: extra)
            response = try await http.send(
                provider.request(rendered, timeout: timeout), endpoint: HTTPProvider.endpoint, idempotent: idempotent)
            keepCookies(response.headers, from: rendered.url)
        }
        return (rendered, response)
    }

    /// Opens a streamed answer; logs in first, and again once if the answer is one of `relogin_on`.
    func openStream(
        _ template: RequestTemplate, what: String, extra: [String: String],
        timeout: Duration
    ) async throws(ProviderError) -> (RenderedRequest, HTTPStreamingResponse) {
        var login = try await provider.login?.variables()
        var rendered = try prepared(template, what: what, login: login?.variables ?? [:], extra: extra)
        var response = try await http.stream(
            provider.request(rendered, timeout: timeout), endpoint: HTTPProvider.endpoint, idempotent: false)
        keepCookies(response.headers, from: rendered.url)
        if let session = provider.login, let generation = login?.generation, let reloginOn = settings.login?.reloginOn,
            reloginOn.contains(response.status)
        {
            _ = try? await response.collectBody()
            await session.invalidate(generation)
            login = try await session.variables()
            rendered = try prepared(template, what: what, login: login?.variables ?? [:], extra: extra)
            response = try await http.stream(
                provider.request(rendered, timeout: timeout), endpoint: HTTPProvider.endpoint, idempotent: false)
            keepCookies(response.headers, from: rendered.url)
        }
        return (rendered, response)
    }

    /// An error for an answer that is not a success, with what the server said (redacted). A
    /// refusal for something missing (401, 403) also says what Parley sent — header and cookie
    /// names, never values — since the credentials may be fine and a cookie or header absent.
    func refusal(_ status: Int, body: [UInt8], request: RenderedRequest, doing what: String) async -> ProviderError {
        let redacted = excerpt().redactedBytes(body)
        guard status == 401 || status == 403 else {
            return http.statusError(status, body: redacted, doing: "\(what) (\(request.summary))")
        }
        let said = ProviderHTTP.errorText(redacted)
        var message = "\(name) refused \(request.summary) (\(status)) while \(what)" + (said.isEmpty ? "" : ": \(said)")
        message += ". Parley sent \(request.sentDescription)"
        if !settings.cookies { message += "; cookies are off (`cookies: false`)" }
        return ProviderError(.authRefused, message, status: status)
    }

    /// The answer as JSON, or a protocol error showing what came instead.
    func json(_ body: [UInt8], status: Int, request: RenderedRequest, for what: String) async throws(ProviderError)
        -> JSONValue
    {
        do {
            return try JSONValue(parsing: body)
        } catch {
            throw ProviderError(
                .protocolViolation,
                "\(name): the answer to \(request.summary) (\(status)) is not JSON, so `\(what)` "
                    + "cannot read it: \(excerpt().text(body))", status: status)
        }
    }

    /// Takes `extract:` variables from an answer (its body or its headers); one that finds nothing
    /// ends the flow run as an error.
    func applyExtractions(
        _ extractions: [Extraction], operation: String, from json: JSONValue?, headers: HTTPHeaders, body: [UInt8],
        status: Int, request: RenderedRequest
    ) async throws(ProviderError) {
        for extraction in extractions {
            guard let value = extraction.value(in: json, headers: headers) else {
                throw await nothingFound(
                    "`\(operation).extract.\(extraction.name)`", extraction, shown: excerpt().text(body),
                    status: status, request: request)
            }
            setVariable(extraction.name, to: value)
            provider.noteExtracted(extraction.name, value)
        }
    }

    /// "`x` ($.path, parley.yaml:3:4) found nothing in the answer to POST … (200): {…}".
    func nothingFound(_ what: String, _ extraction: Extraction, shown: String, status: Int, request: RenderedRequest)
        async -> ProviderError
    {
        ProviderError(
            .protocolViolation,
            "\(name): \(what) (\(extraction.summary), \(extraction.location)) found nothing in the answer to "
                + "\(request.summary) (\(status)): \(shown)", status: status)
    }

    /// A placeholder in a condition that has no value.
    func unknownVariable(_ error: VariableError, in what: String) -> ProviderError {
        ProviderError(.configuration, "\(name): \(error.reference) has no value for `\(what)` (\(error.location))")
    }
}
