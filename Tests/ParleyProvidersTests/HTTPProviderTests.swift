import Foundation
import Testing
@testable import ParleyProviders
@testable import ParleyRun
import ParleySandbox

/// `provider: http` against the sandbox on loopback: each reply mode, and each way a run goes wrong.
@Suite struct HTTPProviderTests {
    typealias Support = ProviderTestSupport

    /// AgentHuman's sessions: the reply in the message response's JSON body.
    static func agentHuman(
        _ base: String, extract: String = "$.session.session_id", metadata: String = "{ source: parley }"
    ) -> String {
        """
        targets:
          agenthuman-http:
            provider: http
            base_url: \(base)/api/v1
            headers: { x-api-key: ah_live_parleysandbox00000000000000 }
            start:
              request: { method: POST, path: /sessions, json: { agent_id: 123, session_type: agent_chat, metadata: \
              \(metadata) } }
              extract: { conversation_id: \(extract) }
            send:
              request: { method: POST, path: "/sessions/${conversation_id}/messages", json: { message: "${message}" } }
              reply: { json: { text: $.response.text } }
            end:
              request: { method: PUT, path: "/sessions/${conversation_id}/end" }
        """
    }

    /// Amigo's conversation API: a header sign-in, NDJSON streams, a multipart interact.
    static func amigo(_ base: String) -> String {
        """
        targets:
          amigo-http:
            provider: http
            base_url: \(base)/v1/parley-sandbox
            headers: { Authorization: "Bearer ${token}" }
            login:
              request:
                method: POST
                path: /user/signin_with_api_key
                headers: { x-api-key: sandbox-amigo-api-key, x-api-key-id: sandbox-amigo-key-id, x-user-id: \
                5a4db0c0ffee00000000a001 }
              extract: { token: $.id_token }
            start:
              request:
                method: POST
                path: /conversation/
                query: { response_format: text }
                json: { service_id: 5a4db0c0ffee00000000c0de, service_version_set_name: release }
              extract: { conversation_id: $.conversation_id }
              reply:
                stream: &amigo-stream
                  format: ndjson
                  text: $.message
                  done: { path: $.type, equals: interaction-complete }
                  completed: { path: $.conversation_completed, equals: true }
            send:
              request:
                method: POST
                path: "/conversation/${conversation_id}/interact"
                query: { request_format: text, response_format: text }
                multipart: { initial_message_type: user-message, recorded_message: "${message}" }
              reply: { stream: *amigo-stream }
            end:
              request: { method: POST, path: "/conversation/${conversation_id}/finish/" }
        """
    }

    /// The sandbox's helpdesk bot: a form login, `Token` auth, a polled timeline.
    static func helpdesk(
        _ base: String,
        until: String = "{ any: [ { path: $.turn.complete, equals: true }, { path: $.kind, equals: closed } ] }",
        secret: String = "sandbox-helpdesk-secret"
    ) -> String {
        """
        targets:
          helpdesk-http:
            provider: http
            base_url: \(base)/helpdesk/v2
            headers: { Authorization: "Token ${token}" }
            variables: { cursor: "0" }
            login:
              request:
                method: POST
                path: /oauth/token
                form: { grant_type: client_credentials, client_id: parley-sandbox, client_secret: \(secret) }
              extract: { token: $.data.access.token }
            start:
              request: { method: POST, path: /workspaces/juniper/conversations, json: { conversation: { channel: chat \
              } } }
              extract: { conversation_id: $.data.conversation.id }
              reply:
                poll: &poll
                  request: { method: GET, path: "/conversations/${conversation_id}/messages", query: { after: \
                  "${cursor}" } }
                  extract: { cursor: $.meta.next_after }
                  every: 20ms
                  max_every: 200ms
                  messages: $.data.items
                  skip: [ { path: $.kind, equals: typing }, { path: $.actor.role, equals: customer } ]
                  text: $.body.text
                  until: \(until)
                  completed: { path: $.kind, equals: closed }
                  events: { escalation: { path: $.kind, equals: handoff } }
            send:
              request: { method: POST, path: "/conversations/${conversation_id}/messages", json: { message: { body: { \
              text: "${message}" } } } }
              reply: { poll: *poll }
            end:
              request: { method: POST, path: "/conversations/${conversation_id}/close" }
        """
    }

    /// Amelia's gateway: a JSON login, a token header, polling until the ready message.
    static func amelia(_ base: String, password: String = "sandbox-password") -> String {
        """
        targets:
          amelia-http:
            provider: http
            base_url: \(base)/AmeliaRest/api/v1
            headers: { X-Amelia-Rest-Token: "${token}" }
            login:
              request: { method: POST, path: /auth/login, json: { username: sandbox@parley.local, password: \
              \(password) } }
              extract: { token: $.token }
              relogin_on: [401, 410]
            start:
              request: { method: POST, path: /conversations/new, json: { domain: support, deliveryMode: POLLING } }
              extract: { conversation_id: $.sessionId }
              reply:
                poll: &poll
                  request: { method: POST, path: "/conversations/${conversation_id}/poll", json: {} }
                  every: 20ms
                  skip: { path: $.selfEcho, equals: true }
                  text: $.messageText
                  until: { path: $.ameliaMessageType, in: [OutboundAmeliaReadyMessage, \
                  OutboundConversationClosedMessage] }
                  completed: { path: $.ameliaMessageType, equals: OutboundConversationClosedMessage }
            send:
              request: { method: POST, path: "/conversations/${conversation_id}/send", json: { messageText: \
              "${message}" } }
              reply: { poll: *poll }
        """
    }

    static let refundFlow = """
        flow: refund
        steps:
          - send: Hi, my blender arrived cracked.
          - expect: /order number/i
          - send: It's ORD-1042.
          - expect: { all: [/found order ORD-1042/, /go ahead with the refund/], capture: { ticket: /ticket (T-\\d+)/ \
          } }
          - send: "Yes"
          - expect: "refund has been issued under ticket ${ticket}"
        """

    static let greetingFlow = """
        flow: greeting
        steps:
          - expect: /how can I help you today\\?/i
          - send: I'd like to talk to a human, please.
          - expect: /transferring you to a human agent/i
        """

    // MARK: - Reply modes

    @Test func aJSONBodyReplyCarriesAConversationAndEndsIt() async throws {
        let server = try await SandboxServer.start()
        let result = try await Support.run(try Support.flow(Self.refundFlow), target: Self.agentHuman(server.baseURL))
        let stats = server.stats
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        #expect(result.provider == "http")
        let conversation = try #require(result.conversationId)
        #expect(stats.userMessages[conversation] == 3, "each message is delivered once")
        #expect(stats.requests(.agentHumanCreateSession) == 1)
        #expect(stats.requests(.agentHumanEndSession) == 1, "the conversation is ended after the steps")
        #expect(result.turns.filter { $0.role == .agent }.allSatisfy { $0.ids?["conversation_id"] == conversation })
    }

    @Test func numbersInARequestBodyKeepEveryDigit() async throws {
        let server = try await SandboxServer.start()
        let target = Self.agentHuman(server.baseURL, metadata: "{ order: 12345678901234567890, n: 9007199254740993 }")
        let result = try await Support.run(try Support.flow(Self.refundFlow), target: target)
        let body = try await agentHumanSessions(server)
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        #expect(body.contains(#""metadata":{"order":12345678901234567890,"n":9007199254740993}"#), "\(body)")
    }

    @Test func anNDJSONStreamReplyRecordsTheFirstPieceAndTheGreeting() async throws {
        let server = try await SandboxServer.start(
            SandboxConfiguration(latency: .milliseconds(30), chunkDelay: .milliseconds(20)))
        let result = try await Support.run(try Support.flow(Self.greetingFlow), target: Self.amigo(server.baseURL))
        let stats = server.stats
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        let replies = result.turns.filter { $0.role == .agent }
        #expect(replies.count == 2)
        for reply in replies {
            let first = try #require(reply.timeToFirstChunkMs)
            let latency = try #require(reply.latencyMs)
            #expect(
                first >= 25 && first + 15 < latency,
                "the first piece arrives after the latency, the rest a chunk delay or more later")
        }
        #expect(
            replies.allSatisfy { $0.ids?["conversation_id"] == result.conversationId && result.conversationId != nil })
        #expect(stats.requests(.amigoSignIn) == 1)
        #expect(stats.requests(.amigoFinish) == 1)
    }

    @Test func anSSEStreamReplyJoinsTheTokens() async throws {
        let server = try await SandboxServer.start(
            SandboxConfiguration(latency: .milliseconds(30), chunkDelay: .milliseconds(10)))
        let target = """
            targets:
              chat-sse:
                provider: http
                headers: { Authorization: "Bearer sk-parley-sandbox" }
                send:
                  request:
                    url: \(server.baseURL)/openai/v1/chat/completions
                    json: { model: parley-support-desk, stream: true, messages: [ { role: user, content: "${message}" \
                    } ] }
                  reply:
                    stream:
                      format: sse
                      text: $.choices[0].delta.content
                      done: { path: "$.choices[0].finish_reason", exists: true }
            """
        let flow = try Support.flow(
            """
            flow: one-turn
            steps:
              - send: Where is my order?
              - expect: { equals: "I can check that for you. What's your order number? It looks like ORD-1234." }
            """)
        let result = try await Support.run(flow, target: target)
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? ""): \(result.failure?.actual ?? "")")
        let reply = try #require(result.turns.last)
        #expect(try #require(reply.timeToFirstChunkMs) >= 25)
        #expect(try #require(reply.latencyMs) > (reply.timeToFirstChunkMs ?? 0) + 5, "the tokens arrive over time")
    }

    @Test func pollingSkipsTypingAndFollowsTheCursorToTheEndOfTheConversation() async throws {
        let server = try await SandboxServer.start(SandboxConfiguration(latency: .milliseconds(50)))
        let flow = try Support.flow(
            """
            flow: polled
            steps:
              - expect: /how can I help you today\\?/i
              - send: Never mind, bye.
              - expect: /goodbye/i
            """)
        let result = try await Support.run(flow, target: Self.helpdesk(server.baseURL))
        let stats = server.stats
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        let replies = result.turns.filter { $0.role == .agent }
        #expect(replies.count == 2)
        #expect(replies.allSatisfy { ($0.latencyMs ?? 0) >= 45 }, "the reply appears only after the latency")
        #expect(replies.allSatisfy { !$0.text.isEmpty && $0.timeToFirstChunkMs != nil })
        #expect(replies.last?.conversationCompleted == true, "a closed item ends the conversation")
        #expect(stats.requests(.helpdeskPoll) >= 2, "each reply is polled for")
        #expect(stats.requests(.helpdeskClose) == 0, "the agent ended it, so Parley does not")
        #expect(stats.requests(.helpdeskToken) == 1)
    }

    @Test func aUserFirstFlowKeepsTheGreetingAsAnEventAndEscalationIsRecorded() async throws {
        let server = try await SandboxServer.start()
        let flow = try Support.flow(
            """
            flow: user-first
            steps:
              - send: I'd like to talk to a human, please.
              - expect: /transferring you to a human agent/i
              - expect_not: /how can I help you today/i
            """)
        let result = try await Support.run(flow, target: Self.amelia(server.baseURL))
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        let reply = try #require(result.turns.last)
        #expect(reply.events?.first?.kind == "greeting")
        #expect(reply.events?.first?.detail?.contains("How can I help you today?") == true)
    }

    @Test func anExpiredTokenIsRenewedAndTheRequestSentAgain() async throws {
        let server = try await SandboxServer.start()
        let spec = try Support.spec(Self.helpdesk(server.baseURL)).spec
        let resources = ProviderResources()
        let provider = try await spec.makeProvider(resources: resources)
        // A generous turn timeout: the test is about the second login, not about speed, and a loaded
        // machine running the whole suite has taken more than 5 s to answer the first poll.
        let conversation = try await provider.makeConversation(
            ConversationContext(flowName: "relogin", turnTimeout: .seconds(30)))
        _ = try await conversation.start(.agentFirst)
        server.expireHelpdeskTokens()
        let reply = try await conversation.send("Where is my order?")
        let stats = server.stats
        await resources.shutdown()
        await server.stop()
        #expect(reply.text.contains("order number"))
        #expect(stats.requests(.helpdeskToken) == 2, "logged in again after the 401")
        #expect(stats.totalUserMessages == 1, "the refused message was delivered once")
    }

    @Test func aRefusedSendIsSentAgainAndAFailedPollIsRetried() async throws {
        let server = try await SandboxServer.start(
            SandboxConfiguration(faults: [
                SandboxFault(.unavailable, endpoint: .helpdeskSend, limit: 1),
                SandboxFault(.rateLimited(retryAfter: 0), endpoint: .helpdeskPoll, every: 2, limit: 2),
            ]))
        let result = try await Support.run(try Support.flow(Self.refundFlow), target: Self.helpdesk(server.baseURL))
        let stats = server.stats
        await server.stop()
        #expect(result.outcome == .passed, "\(result.failure?.message ?? "")")
        let conversation = try #require(result.conversationId)
        #expect(stats.requests(.helpdeskSend) == 4, "three messages, the first refused once with 503 and sent again")
        #expect(stats.userMessages[conversation] == 3, "no message was delivered twice")
    }

    // MARK: - Failures

    @Test func anExtractionThatFindsNothingIsAnErrorShowingTheRedactedBody() async throws {
        let server = try await SandboxServer.start()
        let secret = "fake-SECRET-4711-do-not-print"
        let target = Self.agentHuman(
            server.baseURL, extract: "$.session.id", metadata: "{ note: \"${env.NOTE_KEY}\", token: abc123-literal }")
        let result = try await Support.run(
            try Support.flow(Self.refundFlow), target: target, environment: ["NOTE_KEY": secret])
        await server.stop()
        #expect(result.outcome == .error)
        #expect(result.failure?.errorKind == .protocolViolation)
        let message = try #require(result.failure?.message)
        #expect(message.contains("`start.extract.conversation_id` ($.session.id, parley.yaml:8:"), "\(message)")
        #expect(
            message.contains("found nothing in the answer to POST \(server.baseURL)/api/v1/sessions (201)"),
            "\(message)")
        #expect(
            message.contains("\"session_id\":"), "the body is shown, so the right path can be read off it: \(message)")
        #expect(!message.contains(secret), "\(message)")
        #expect(!message.contains("abc123-literal"), "values under credential keys are masked: \(message)")
        #expect(message.contains("[redacted]"))
        #expect(result.failure?.location.line == 3, "the error is located at the step that opened the conversation")
    }

    @Test func aRefusedLoginIsAuthRefusedWithoutThePassword() async throws {
        let server = try await SandboxServer.start()
        let result = try await Support.run(
            try Support.flow(Self.greetingFlow), target: Self.amelia(server.baseURL, password: "wrong-PASSWORD-99"))
        await server.stop()
        #expect(result.outcome == .error)
        #expect(result.failure?.errorKind == .authRefused)
        let message = try #require(result.failure?.message)
        #expect(message.contains("target `amelia-http` refused the login (500)"), "\(message)")
        #expect(message.contains("\"message\":\"Bad credentials\""), "the answer is shown: \(message)")
        #expect(message.contains("POST \(server.baseURL)/AmeliaRest/api/v1/auth/login"))
        #expect(!message.contains("wrong-PASSWORD-99"))
    }

    @Test func aTurnDeadlineThatComesFirstStillShowsTheLastPoll() async throws {
        try await withSandbox { server in
            let resources = ProviderResources()
            let provider = try await makeProvider(
                Self.helpdesk(server.baseURL, until: "{ path: $.kind, equals: never }"), resources: resources)
            // The provider would poll for most of a minute; the deadline around the call comes first.
            // Ten seconds, so that even a machine too busy to answer a poll in four gets some answered.
            let conversation = try await provider.makeConversation(
                ConversationContext(flowName: "late", turnTimeout: .seconds(60)))
            do throws(Deadline.Failure) {
                _ = try await Deadline.run(limit: .seconds(10)) { () throws(ProviderError) -> AgentReply in
                    try await conversation.start(.agentFirst)
                }
                Issue.record("the reply never becomes ready, yet the call answered")
            } catch {
                guard case .timedOut(_, let said?) = error else {
                    Issue.record("expected a time-out saying what was awaited, got \(error)")
                    await resources.shutdown()
                    return
                }
                #expect(said.message.contains("no polled message satisfied `until` ($.kind equals never)"))
                #expect(said.message.contains("(turn timeout 1m)"), "\(said.message)")
                #expect(said.message.contains("answered (200): {\"data\":{\"items\":["), "\(said.message)")
            }
            await resources.shutdown()
        }
    }

    @Test func aReplyThatNeverBecomesReadyIsATimeoutErrorShowingTheLastPoll() async throws {
        let server = try await SandboxServer.start()
        let flow = try Support.flow(
            """
            flow: never-ready
            turn_timeout: 12s
            steps:
              - expect: /how can I help/i
            """)
        let result = try await Support.run(
            flow, target: Self.helpdesk(server.baseURL, until: "{ path: $.kind, equals: never }"))
        let polls = server.stats.requests(.helpdeskPoll)
        await server.stop()
        #expect(result.outcome == .error)
        #expect(result.failure?.errorKind == .timeout)
        let message = try #require(result.failure?.message)
        #expect(message.contains("no polled message satisfied `until` ($.kind equals never)"), "\(message)")
        #expect(message.contains("(turn timeout 12s)"), "\(message)")
        #expect(message.contains("the last poll, GET \(server.baseURL)/helpdesk/v2/conversations/"), "\(message)")
        #expect(message.contains("answered (200): {\"data\":{\"items\":["), "the answer is shown: \(message)")
        #expect(polls >= 1)
        #expect(polls < 120, "backed off rather than polling flat out: \(polls)")
    }
}
