import Foundation
import ParleyRun
import ParleySandbox
import Testing

@testable import ParleyProviders

/// `provider: http` against the sandbox's webchat backend: Basic authentication, a session cookie
/// from the login, a conversation cookie, the conversation's address in a `Location` header of an
/// empty 201, a query parameter on every request, and server-sent events told apart by name.
@Suite(.timeLimit(.minutes(1))) struct HTTPCookieAndHeaderTests {
    typealias Support = ProviderTestSupport

    static func webchat(_ base: String, extra: String = "", password: String = "sandbox-webchat-password") -> String {
        """
        targets:
          webchat:
            provider: http
            base_url: \(base)/webchat/v1
            query: { api-version: "2024-05-01" }
        \(extra)
            login:
              request: { method: POST, path: /session, basic_auth: { user: parley, password: \(password) } }
              relogin_on: [401]
            start:
              request: { method: POST, path: /conversations }
              extract: { conversation_id: { header: Location, matches: "/([^/]+)$" } }
            send:
              request:
                method: POST
                path: "/conversations/${conversation_id}/messages"
                json: { text: "${message}" }
              reply:
                stream:
                  format: sse
                  text: $.text
                  event_text: message
                  skip: { event: ping }
                  done: { event: done }
                  completed: { event: closed }
                  events: { escalation: { event: handoff } }
            end:
              request: { method: DELETE, path: "/conversations/${conversation_id}" }
        """
    }

    static let refund = """
        flow: webchat-refund
        steps:
          - send: My blender arrived cracked.
          - expect: /order number/i
          - send: It's ORD-1042.
          - expect: { any: [/refund/i, /replace/i], capture: { ticket: /ticket (T-\\d+)/ } }
          - send: Yes, please refund it.
          - expect: { message: first, pattern: "refund has been issued under ticket ${ticket}" }
          - expect: { message: last, pattern: /anything else/i }
          - expect: { message: any, contains: anything else }
          - end
        """

    @Test func aCookieSessionALocationHeaderAndNamedEventsMakeAConversation() async throws {
        try await withSandbox { server in
            let result = try await Support.run(Support.flow(Self.refund), target: Self.webchat(server.baseURL))
            #expect(result.outcome == .passed, "\(result.summary)")
            let last = try #require(result.turns.last { $0.role == .agent })
            #expect(last.messages?.count == 2, "each `message` event is a message of the reply")
            #expect(server.stats.requests(.webchatSignIn) == 1)
            #expect(server.stats.requests(.webchatEnd) == 1)
            #expect(result.conversationIDs.first?.hasPrefix("wcc_") == true, "the id came from the Location header")
        }
    }

    @Test func conversationCookiesStayWithTheirConversation() async throws {
        try await withSandbox { server in
            let resources = ProviderResources()
            let provider = try await makeProvider(Self.webchat(server.baseURL), resources: resources)
            let first = try await provider.makeConversation(ConversationContext(flowName: "a"))
            let second = try await provider.makeConversation(ConversationContext(flowName: "b"))
            _ = try await first.start(.userMessage("Where is my order?"))
            _ = try await second.start(.userMessage("Where is my order?"))
            // Each conversation's node cookie is sent with its own requests only: the webchat refuses
            // a request carrying another conversation's.
            let a = try await first.send("ORD-1042")
            let b = try await second.send("ORD-2077")
            #expect(a.text.contains("ORD-1042"))
            #expect(b.text.contains("ORD-2077"))
            #expect(server.stats.requests(.webchatSignIn) == 1, "one login, its cookie shared")
            await resources.shutdown()
        }
    }

    @Test func loginCookiesSurviveALoginAgain() async throws {
        try await withSandbox { server in
            let resources = ProviderResources()
            let provider = try await makeProvider(Self.webchat(server.baseURL), resources: resources)
            let conversation = try await provider.makeConversation(ConversationContext(flowName: "expiry"))
            _ = try await conversation.start(.userMessage("Where is my order?"))
            server.expireWebchatSessions()
            let reply = try await conversation.send("ORD-1042")
            #expect(reply.text.contains("status of order ORD-1042"), "the conversation cookie outlived the login")
            #expect(server.stats.requests(.webchatSignIn) == 2)
            await resources.shutdown()
        }
    }

    @Test func aRequestRefusedForAMissingCookieSaysWhatWasSent() async throws {
        try await withSandbox { server in
            let result = try await Support.run(
                Support.flow(Self.refund), target: Self.webchat(server.baseURL, extra: "    cookies: false"))
            #expect(result.outcome == .error)
            let failure = try #require(result.failure)
            #expect(failure.errorKind == .authRefused)
            let message = failure.message
            #expect(message.contains("refused POST \(server.baseURL)/webchat/v1/conversations (401)"), "\(message)")
            #expect(message.contains("not signed in: no wc_session cookie"), "\(message)")
            #expect(message.contains("and no cookies"), "\(message)")
            #expect(message.contains("cookies are off"), "\(message)")
            #expect(!message.contains("refused the credentials"))
        }
    }

    @Test func aWrongBasicPasswordIsALoginRefusalThatShowsNoSecret() async throws {
        try await withSandbox { server in
            let result = try await Support.run(
                Support.flow(Self.refund), target: Self.webchat(server.baseURL, password: "wrong-password-1"))
            #expect(result.outcome == .error)
            let message = try #require(result.failure?.message)
            #expect(message.contains("refused the login (401)"), "\(message)")
            #expect(message.contains("Authorization"), "the header's name is shown")
            #expect(!message.contains("wrong-password-1"))
            #expect(!message.contains(Data("parley:wrong-password-1".utf8).base64EncodedString()))
        }
    }
}
