/// Every operation the sandbox serves, for request counts and rate limits.
public enum SandboxEndpoint: String, Sendable, Hashable, CaseIterable {
    case amigoSignIn = "amigo.signin"
    case amigoCreateConversation = "amigo.create"
    case amigoInteract = "amigo.interact"
    case amigoFinish = "amigo.finish"
    case amigoMessages = "amigo.messages"
    case amigoListConversations = "amigo.list"
    case amigoTags = "amigo.tags"
    case amigoRecommend = "amigo.recommend"
    case amigoInsights = "amigo.insights"
    case amigoUnknown = "amigo.unknown"
    case ameliaLogin = "amelia.login"
    case ameliaLogout = "amelia.logout"
    case ameliaNewConversation = "amelia.new"
    case ameliaSend = "amelia.send"
    case ameliaPoll = "amelia.poll"
    case ameliaClose = "amelia.close"
    /// Not a request the sandbox serves but one it makes: a WEBHOOK conversation's message POSTed
    /// to its `webhookUrl` (each attempt counts).
    case ameliaWebhook = "amelia.webhook"
    case ameliaUnknown = "amelia.unknown"
    case agentHumanCreateSession = "agenthuman.create"
    case agentHumanMessage = "agenthuman.message"
    case agentHumanEndSession = "agenthuman.end"
    case agentHumanListSessions = "agenthuman.list"
    case agentHumanAgentSessions = "agenthuman.agent-sessions"
    case agentHumanUnknown = "agenthuman.unknown"
    case helpdeskToken = "helpdesk.token"
    case helpdeskCreate = "helpdesk.create"
    case helpdeskSend = "helpdesk.send"
    case helpdeskPoll = "helpdesk.poll"
    case helpdeskClose = "helpdesk.close"
    case helpdeskUnknown = "helpdesk.unknown"
    case webchatSignIn = "webchat.signin"
    case webchatCreate = "webchat.create"
    case webchatSend = "webchat.send"
    case webchatEnd = "webchat.end"
    case webchatUnknown = "webchat.unknown"
    case openAIChat = "openai.chat"
    case openAIUnknown = "openai.unknown"
    case unknown = "unknown"

    /// Amigo's documented requests per minute, per organization and endpoint.
    var amigoLimitPerMinute: Int {
        switch self {
        case .amigoSignIn, .amigoCreateConversation, .amigoFinish: 5
        case .amigoInteract, .amigoListConversations: 15
        case .amigoMessages, .amigoRecommend, .amigoInsights: 20
        case .amigoTags: 50
        default: 60
        }
    }
}
