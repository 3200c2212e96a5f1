import Foundation
import HTTPTypes
import Hummingbird
import ParleyDemoAgent

/// Amigo's conversation API (`/v1/{organization}/…`), backed by demo conversations.
struct AmigoAPI: Sendable {
    static let prefix = "/v1/"

    let configuration: SandboxConfiguration
    let store: AmigoStore
    let ids: IdentifierFactory
    let limiter: RateLimiter
    let counter: RequestCounter
    let timing: ReplyTiming
    let faults: FaultInjector
    /// Stable ids for the demo agent and its state machine, reported in version infos and insights.
    let agentID: String
    let stateMachineID: String

    var credentials: SandboxCredentials { configuration.credentials }

    /// What a request resolved to: the endpoint and the path ids it carries.
    enum Route {
        case signIn
        case createConversation
        case listConversations
        case interact(String)
        case finish(String)
        case messages(String)
        case tags(String)
        case recommend(String, String)
        case insights(String, String)
        case notFound
        case methodNotAllowed(SandboxEndpoint)

        var endpoint: SandboxEndpoint {
            switch self {
            case .signIn: .amigoSignIn
            case .createConversation: .amigoCreateConversation
            case .listConversations: .amigoListConversations
            case .interact: .amigoInteract
            case .finish: .amigoFinish
            case .messages: .amigoMessages
            case .tags: .amigoTags
            case .recommend: .amigoRecommend
            case .insights: .amigoInsights
            case .notFound: .amigoUnknown
            case .methodNotAllowed(let endpoint): endpoint
            }
        }
    }

    static func route(_ request: SandboxRequest) -> Route {
        let s = Array(request.segments.dropFirst())  // after the organization
        let post = request.method == .post, get = request.method == .get
        func only(_ allowed: Bool, _ route: Route) -> Route { allowed ? route : .methodNotAllowed(route.endpoint) }
        switch s.count {
        case 2 where s[0] == "user" && s[1] == "signin_with_api_key":
            return only(post, .signIn)
        case 1 where s[0] == "conversation":
            if post { return .createConversation }
            if get { return .listConversations }
            return .methodNotAllowed(.amigoCreateConversation)
        case 3 where s[0] == "conversation":
            switch s[2] {
            case "interact": return only(post, .interact(s[1]))
            case "finish": return only(post, .finish(s[1]))
            case "messages": return only(get, .messages(s[1]))
            case "tags": return only(post, .tags(s[1]))
            default: return .notFound
            }
        case 5 where s[0] == "conversation" && s[2] == "interaction":
            switch s[4] {
            case "recommend_responses": return only(post, .recommend(s[1], s[3]))
            case "insights": return only(get, .insights(s[1], s[3]))
            default: return .notFound
            }
        default:
            return .notFound
        }
    }

    /// Answers one request under `/v1/`; every response carries the rate-limit headers.
    func handle(_ request: SandboxRequest) async -> Response {
        let route = Self.route(request)
        counter.record(route.endpoint)
        let organization = request.segments.first ?? ""
        let decision = limiter.check(
            "amigo|\(organization)|\(route.endpoint.rawValue)",
            documentedPerMinute: route.endpoint.amigoLimitPerMinute, now: request.receivedAt)
        var response: Response
        if !decision.allowed {
            response = Self.error(
                .tooManyRequests,
                "The user has exceeded the rate limit of \(decision.limit) requests per minute for this endpoint.")
        } else {
            var request = request
            request.faults = faults.draw(route.endpoint)
            switch request.faults.refusal {
            case .rateLimited(let retryAfter)?:
                response = Self.error(
                    .tooManyRequests,
                    "The user has exceeded the rate limit of \(decision.limit) requests per minute for this endpoint.")
                response.headers[.retryAfter] = String(retryAfter)
            case .internalError?:
                response = Self.error(.internalServerError, "Internal Server Error")
            case .some:
                response = Self.error(.serviceUnavailable, "The service is going through temporary maintenance.")
            case nil:
                let delay = request.faults.firstByteDelay
                if delay > .zero { try? await Task.sleep(for: delay) }
                response = await dispatch(route, request, organization: organization)
            }
        }
        for field in HTTPFields(rateLimit: decision) { response.headers[field.name] = field.value }
        return response
    }

    private func dispatch(_ route: Route, _ request: SandboxRequest, organization: String) async -> Response {
        switch route {
        case .notFound:
            return Self.error(.notFound, "Not Found")
        case .methodNotAllowed:
            return Self.error(.methodNotAllowed, "Method Not Allowed")
        case .signIn:
            return signIn(request, organization: organization)
        default:
            break
        }
        guard organization == credentials.amigoOrganization else {
            return Self.error(.notFound, "Specified organization is not found.")
        }
        guard let user = authenticate(request, organization: organization) else {
            var response = Self.error(.unauthorized, "Invalid authorization credentials.")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        switch route {
        case .createConversation: return createConversation(request, user: user)
        case .listConversations: return listConversations(request, user: user)
        case .interact(let id): return interact(request, user: user, conversationID: id)
        case .finish(let id): return finish(request, user: user, conversationID: id)
        case .messages(let id): return messages(request, user: user, conversationID: id)
        case .tags(let id): return modifyTags(request, user: user, conversationID: id)
        case .recommend(let id, let interaction):
            return recommend(request, user: user, conversationID: id, interactionID: interaction)
        case .insights(let id, let interaction):
            return insights(request, user: user, conversationID: id, interactionID: interaction)
        case .signIn, .notFound, .methodNotAllowed: return Self.error(.notFound, "Not Found")
        }
    }

    // MARK: - Shared pieces

    /// FastAPI's error body: `{"detail":"…"}`.
    static func error(_ status: HTTPResponse.Status, _ detail: String) -> Response {
        HTTPReply.json(status, .object([("detail", .string(detail))]))
    }

    static func unprocessable(_ validation: AmigoValidation) -> Response {
        HTTPReply.json(.unprocessableContent, validation.body)
    }

    /// The user's conversation, or nil when it does not exist or belongs to someone else.
    func ownedConversation(_ id: String, user: String) -> AmigoConversationBox? {
        guard let box = store.conversation(id), box.userID == user else { return nil }
        return box
    }

    static let conversationNotFound = "Specified organization or conversation is not found."

    /// `[id, 1]`, the (id, version) pairs Amigo reports for agents and state machines.
    func versionInfo(_ id: String) -> JSON { [.string(id), 1] }
}
