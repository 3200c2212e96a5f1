import Foundation
import ParleyFlow
import ParleyJSON
import ParleyHTTP
import ParleyRun
import Synchronization

public struct AmigoProviderSpec: ProviderSpec {
    public let targetName: String
    public let settings: AmigoSettings
    public var kind: String { "amigo" }
    public var capabilities: ProviderCapabilities { AmigoProvider.capabilities }
    public var warnings: [String] {
        insecureWarnings(verifyTLS: settings.verifyTLS)
    }

    public init?(_ target: TargetConfig, values: ConfigValues) {
        guard let settings = AmigoSettings(target, values: values) else { return nil }
        self.targetName = target.name
        self.settings = settings
    }

    public func makeProvider(resources: ProviderResources) async throws(ProviderError) -> any ConversationProvider {
        AmigoProvider(settings: settings, client: resources.http, secrets: resources.secrets)
    }
}

/// `provider: amigo` — Amigo's classic conversation API: NDJSON streams for create and interact,
/// recommend_responses, insights, tags, finish.
public final class AmigoProvider: ConversationProvider {
    public static let capabilities: ProviderCapabilities = [
        .agentFirst, .userFirst, .externalEvents, .recommend, .tags, .insights, .actions, .states,
    ]
    public let settings: AmigoSettings
    let http: ProviderHTTP
    let auth: AmigoAuth
    let users: AmigoUserPool
    /// `settings.agentActionQuery`, encoded once rather than for every turn.
    let agentActionQuery: String
    /// Event types, the agent's action types, state names and the like, kept once for every
    /// conversation (a bounded table: strings that occur once, such as ids, pass through it).
    let strings = StringInterner(capacity: 1024)

    /// `secrets`: the run's registry, to which every id token is added as it is issued.
    public init(settings: AmigoSettings, client: HTTPClient, secrets: SecretRegistry = SecretRegistry()) {
        self.settings = settings
        self.http = ProviderHTTP(
            client: client, service: "Amigo", verifyTLS: settings.verifyTLS, connectTimeout: settings.connectTimeout,
            limits: RateLimits(perMinute: settings.rateLimits), replyLimit: settings.replyLimit)
        self.auth = AmigoAuth(settings: settings, http: http, secrets: secrets)
        secrets.add([settings.apiKey, settings.apiKeyID])
        self.users = AmigoUserPool(users: settings.userIDs)
        self.agentActionQuery = settings.agentActionQuery
    }

    public var kind: String { "amigo" }
    public var capabilities: ProviderCapabilities { Self.capabilities }
    public var replyLimit: ReplyLimit { settings.replyLimit }

    public func makeConversation(_ context: ConversationContext) async throws(ProviderError) -> any AgentConversation {
        let user = try await users.lease()
        return AmigoConversation(provider: self, user: user, turnTimeout: context.turnTimeout)
    }

    /// `user`'s id token: the fresh one without entering the sign-in actor, otherwise from a sign-in.
    func token(for user: String, timeout: Duration) async throws(ProviderError) -> String {
        if let token = auth.freshToken(for: user) { return token }
        return try await auth.token(for: user, timeout: timeout)
    }

    /// Sends an authenticated request; on a 401 signs in again once and repeats it. A sign-in it
    /// needs is given at most `signInTimeout`.
    public func authorized(
        as user: String, _ build: @Sendable (String) -> HTTPRequest, endpoint: String, idempotent: Bool,
        signInTimeout: Duration = AmigoAuth.signInTimeout
    ) async throws(ProviderError) -> HTTPResponse {
        var token = try await token(for: user, timeout: signInTimeout)
        var response = try await http.send(build(token), endpoint: endpoint, idempotent: idempotent)
        if response.status == 401 {
            await auth.invalidate(token, for: user)
            token = try await self.token(for: user, timeout: signInTimeout)
            response = try await http.send(build(token), endpoint: endpoint, idempotent: idempotent)
        }
        return response
    }

    /// Opens an authenticated stream; on a 401 signs in again once and repeats it.
    public func authorizedStream(
        as user: String, _ build: @Sendable (String) -> HTTPRequest, endpoint: String,
        signInTimeout: Duration = AmigoAuth.signInTimeout
    ) async throws(ProviderError) -> HTTPStreamingResponse {
        var token = try await token(for: user, timeout: signInTimeout)
        var response = try await http.stream(build(token), endpoint: endpoint, idempotent: false)
        if response.status == 401 {
            _ = try? await response.collectBody()
            await auth.invalidate(token, for: user)
            token = try await self.token(for: user, timeout: signInTimeout)
            response = try await http.stream(build(token), endpoint: endpoint, idempotent: false)
        }
        return response
    }
}

/// Signs in with the API key, per user, and keeps each id token fresh: renewed shortly before
/// `expires_at` (five minutes early, as Amigo's SDKs do, or halfway for short-lived tokens) and
/// after a 401. Concurrent conversations of one user share one sign-in; each waits for it only as
/// long as its own deadline allows, and a sign-in nobody waits for any more is cancelled.
/// Every id token is a secret of the run from the moment it arrives.
public actor AmigoAuth {
    /// The longest a sign-in may take when the caller has no turn timeout of its own.
    public static let signInTimeout: Duration = .seconds(30)

    private typealias Outcome = Result<(token: String, renewAt: Date), ProviderError>

    private let settings: AmigoSettings
    private let http: ProviderHTTP
    private let secrets: SecretRegistry
    /// Each user's token while it is fresh; read without entering the actor (``freshToken(for:)``),
    /// since nearly every request finds one.
    private let current = Mutex<[String: (token: String, renewAt: Date)]>([:])
    private var pending: [String: (task: Task<Outcome, Never>, waiters: Int)] = [:]

    init(settings: AmigoSettings, http: ProviderHTTP, secrets: SecretRegistry) {
        self.settings = settings
        self.http = http
        self.secrets = secrets
    }

    /// `user`'s token if it is still fresh.
    nonisolated func freshToken(for user: String) -> String? {
        current.withLock { current in
            guard let entry = current[user], Date() < entry.renewAt else { return nil }
            return entry.token
        }
    }

    /// A valid id token for `user`, signing in (within `timeout`) when there is none.
    func token(for user: String, timeout: Duration) async throws(ProviderError) -> String {
        if let token = freshToken(for: user) { return token }
        let task: Task<Outcome, Never>
        if let shared = pending[user] {
            task = shared.task
            pending[user]?.waiters += 1
        } else {
            task = Task(executorPreference: FlowLoop.current?.executor) {
                await CallDeadline.unbound { await self.signIn(as: user, timeout: min(timeout, Self.signInTimeout)) }
            }
            pending[user] = (task, 1)
        }
        let outcome = await Waiting.value(of: task)
        if let shared = pending[user], shared.task == task {
            if outcome != nil {
                pending[user] = nil
            } else if shared.waiters <= 1 {
                task.cancel()
                pending[user] = nil
            } else {
                pending[user]?.waiters -= 1
            }
        }
        switch outcome {
        case nil:
            throw ProviderError(.cancelled, "cancelled while signing in to Amigo")
        case .success(let signedIn)?:
            current.withLock { $0[user] = signedIn }
            return signedIn.token
        case .failure(let error)?:
            throw error
        }
    }

    func invalidate(_ token: String, for user: String) {
        current.withLock { current in
            if current[user]?.token == token { current[user] = nil }
        }
    }

    private func signIn(as user: String, timeout: Duration) async -> Outcome {
        do throws(ProviderError) {
            let signedIn = try await requestToken(as: user, timeout: timeout)
            secrets.add(signedIn.token)
            return .success(signedIn)
        } catch {
            return .failure(error)
        }
    }

    private func requestToken(as user: String, timeout: Duration) async throws(ProviderError) -> (
        token: String, renewAt: Date
    ) {
        var request = http.request(.post, settings.url("user/signin_with_api_key"), timeout: timeout)
        request.headers.add(name: "x-api-key", value: settings.apiKey)
        request.headers.add(name: "x-api-key-id", value: settings.apiKeyID)
        request.headers.add(name: "x-user-id", value: user)
        let response = try await http.send(request, endpoint: "signin", idempotent: true)
        switch response.status {
        case 200..<300: break
        case 401, 403:
            let said = ProviderHTTP.errorText(response.body)
            throw ProviderError(
                .authRefused,
                "Amigo refused the API key for user \(user) (\(response.status))"
                    + (said.isEmpty ? "" : ": \(said)")
                    + " — check AMIGO_API_KEY, AMIGO_API_KEY_ID and AMIGO_USER_ID",
                status: response.status)
        case 404:
            throw ProviderError(
                .authRefused, "Amigo does not know the organization `\(settings.organization)` (404)", status: 404)
        default:
            throw http.statusError(response.status, body: response.body, doing: "signing in")
        }
        let body = try http.json(response.body, doing: "signing in")
        guard let token = body["id_token"]?.string, !token.isEmpty else {
            throw ProviderError(.protocolViolation, "Amigo's sign-in answer has no `id_token`")
        }
        let expires =
            body["expires_at"]?.string.flatMap {
                try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0)
            }
            ?? body["expires_at"]?.string.flatMap { try? Date.ISO8601FormatStyle().parse($0) }
            ?? Date().addingTimeInterval(3600)
        let lifetime = expires.timeIntervalSinceNow
        let renewAt = expires.addingTimeInterval(-min(300, max(0, lifetime / 2)))
        return (token, renewAt)
    }
}

/// Hands out the target's users one conversation at a time (Amigo allows one unfinished
/// conversation per user and service); flow runs wait for a free user.
actor AmigoUserPool {
    private var free: [String]
    private var waiters: [(id: Int, continuation: CheckedContinuation<String?, Never>)] = []
    private var nextWaiter = 0

    init(users: [String]) {
        free = users.reversed()
    }

    func lease() async throws(ProviderError) -> String {
        if let user = free.popLast() { return user }
        let id = nextWaiter
        nextWaiter += 1
        let user = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
        guard let user else { throw ProviderError(.cancelled, "cancelled while waiting for a free Amigo user") }
        return user
    }

    func release(_ user: String) {
        if waiters.isEmpty {
            free.append(user)
        } else {
            waiters.removeFirst().continuation.resume(returning: user)
        }
    }

    private func cancelWaiter(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }
}
