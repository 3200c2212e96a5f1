import Foundation
import Testing
import ParleyFlow
@testable import ParleyProviders
import ParleyRun
import ParleyTestSupport

/// Servers that misbehave on purpose — silent, trickling, flooding, resetting, answering garbage —
/// against every provider: each flow run ends as `error` within the turn timeout plus a second,
/// with the reply never held past its limit.
///
/// The time bound is checked with ``slack`` for a loaded test machine (the whole test suite starts
/// at once on two cores): enough to tell a bounded run from an unbounded one (a silent sign-in once
/// cost 60 s); scripts/hostile.py measures the bound itself, BENCHMARKS.md has the numbers. One
/// case at a time, so that the cases do not starve each other.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HostileServerTests {
    static let turnTimeout: Duration = .seconds(1)
    static let slack: Duration = .seconds(20)
    static let endTimeout: Duration = .milliseconds(300)
    static let flowText = "turn_timeout: 1s\nsteps:\n  - send: hi\n  - expect: never\n"
    /// For servers whose answer is refused as soon as it arrives: a generous turn timeout, so that
    /// the refusal, not the clock, ends the run even on a busy machine.
    static let patientFlowText = "turn_timeout: 8s\nsteps:\n  - send: hi\n  - expect: never\n"

    /// Every provider that talks HTTP, with the target text for a server at a base URL.
    enum Client: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case amigo, amelia, agenthuman, http, openai
        var testDescription: String { rawValue }

        func target(_ base: String) -> String {
            switch self {
            case .amigo: Wire.amigo.target(base)
            case .amelia: Wire.amelia.target(base)
            case .agenthuman: Wire.agenthuman.target(base)
            case .http:
                """
                targets:
                  t:
                    provider: http
                    base_url: \(base)
                    send:
                      request: { method: POST, path: /chat, json: { text: "${message}" } }
                      reply: { json: { text: $.reply } }
                """
            case .openai:
                """
                targets:
                  t: { provider: openai, base_url: \(base)/v1, model: m, api_key: sk-hostile-key, stream: false }
                """
            }
        }
    }

    /// A flow run against a target, timed; the conversation's end gets a short budget.
    func run(_ client: Client, _ server: HostileServer, flow text: String = Self.flowText) async throws -> (
        FlowRunResult, Duration
    ) {
        let resources = ProviderResources()
        let provider = try await makeProvider(client.target(server.baseURL), resources: resources)
        let interpreter = FlowInterpreter(
            provider: provider, environment: [:], secrets: resources.secrets, endTimeout: Self.endTimeout)
        let clock = ContinuousClock()
        let began = clock.now
        let result = await interpreter.run(FlowRunRequest(flow: try loadFlow(text), persona: nil, targetName: "t"))
        let took = clock.now - began
        await resources.shutdown()
        server.stop()
        return (result, took)
    }

    func expectOnTime(
        _ result: FlowRunResult, _ took: Duration, _ what: String, turnTimeout: Duration = Self.turnTimeout
    ) {
        #expect(result.outcome == .error, "\(what): \(result.summary)")
        #expect(took < turnTimeout + .seconds(1) + Self.slack, "\(what) took \(took)")
    }

    // MARK: - Amigo: a server that signs in, then misbehaves on the conversation's stream

    static let amigoToken = #"{"id_token":"hostile-id-token-0123456789","expires_at":"2099-01-01T00:00:00Z"}"#

    static func amigo(_ onCreate: HostileServer.Behaviour) -> @Sendable (String, String) -> HostileServer.Behaviour {
        { method, path in
            if path.hasSuffix("/user/signin_with_api_key") {
                return .answer(status: 200, contentType: "application/json", body: Array(amigoToken.utf8))
            }
            if path.contains("/finish/") { return .answer(status: 204, contentType: "application/json", body: []) }
            if method == "GET" {
                return .answer(status: 200, contentType: "application/json", body: Array(#"{"conversations":[]}"#.utf8))
            }
            return onCreate
        }
    }

    static func everywhere(_ behaviour: HostileServer.Behaviour)
        -> @Sendable (String, String) -> HostileServer.Behaviour
    {
        { _, _ in behaviour }
    }

    static let created = Array(#"{"type":"conversation-created","conversation_id":"5a4db0c0ffee0000000c0001"}"#.utf8)
    static func chunk(_ text: String) -> [UInt8] {
        Array(#"{"type":"new-message","message":"\#(text)","message_id":"m1","stop":false}"#.utf8) + [0x0A]
    }

    @Test(arguments: Client.allCases)
    func aSilentServerEndsTheRunAtTheTurnTimeout(_ client: Client) async throws {
        let server = try HostileServer { _, _ in .silent }
        let (result, took) = try await run(client, server)
        expectOnTime(result, took, "silent \(client)")
        #expect(result.failure?.errorKind == .timeout, "\(result.summary)")
    }

    @Test func aSignInThatNeverAnswersIsBoundedByTheTurnTimeout() async throws {
        // The sign-in alone may take up to 30 s and is retried; the turn's 1 s bounds it.
        let server = try HostileServer { _, path in
            path.hasSuffix("/user/signin_with_api_key") ? .silent : .answer(status: 500, contentType: "", body: [])
        }
        let (result, took) = try await run(.amigo, server)
        expectOnTime(result, took, "silent sign-in")
        #expect(result.failure?.errorKind == .timeout)
    }

    @Test func aTricklingStreamEndsAtTheTurnTimeoutAndKeepsTheConversationID() async throws {
        let server = try HostileServer(
            Self.amigo(.trickle(contentType: "application/x-ndjson", line: Self.chunk("a"), every: .milliseconds(50))))
        let (result, took) = try await run(.amigo, server)
        expectOnTime(result, took, "trickling stream")
        #expect(result.failure?.errorKind == .timeout)
    }

    @Test func aTricklingBodyEndsAtTheTurnTimeout() async throws {
        let server = try HostileServer { _, path in
            if path.hasSuffix("/sessions") {
                return .answer(
                    status: 201, contentType: "application/json",
                    body: Array(#"{"success":true,"session":{"session_id":"s1"}}"#.utf8))
            }
            if path.hasSuffix("/end") {
                return .answer(status: 200, contentType: "application/json", body: Array("{}".utf8))
            }
            return .trickle(contentType: "application/json", line: Array(" ".utf8), every: .milliseconds(50))
        }
        let (result, took) = try await run(.agenthuman, server)
        expectOnTime(result, took, "trickling body")
        #expect(result.failure?.errorKind == .timeout)
    }

    @Test(arguments: ["many events", "one line", "one body"])
    func aTwentyMegabyteReplyIsAnErrorWhateverTheChunking(_ chunking: String) async throws {
        let twentyMB = 20 << 20
        let server: HostileServer
        let client: Client
        switch chunking {
        case "many events":
            client = .amigo
            server = try HostileServer(
                Self.amigo(
                    .flood(
                        contentType: "application/x-ndjson",
                        lines: Self.created + [0x0A] + Self.chunk(String(repeating: "a", count: 4000)), bytes: twentyMB)
                ))
        case "one line":
            client = .amigo
            server = try HostileServer(
                Self.amigo(.flood(contentType: "application/x-ndjson", lines: Array("aaaa".utf8), bytes: twentyMB)))
        default:
            client = .openai
            var body = Array(#"{"choices":[{"message":{"content":""#.utf8)
            body += [UInt8](repeating: UInt8(ascii: "a"), count: twentyMB)
            body += Array(#""}}]}"#.utf8)
            let answer = body
            server = try HostileServer { _, _ in .answer(status: 200, contentType: "application/json", body: answer) }
        }
        let (result, took) = try await run(client, server, flow: Self.patientFlowText)
        expectOnTime(result, took, "20 MB as \(chunking)", turnTimeout: .seconds(8))
        #expect(result.failure?.errorKind == .protocolViolation, "\(result.summary)")
        #expect(result.failure?.message.hasPrefix("reply larger than 1MiB") == true, "\(result.summary)")
        #expect(result.transcriptJSON.utf8.count < 64 * 1024, "the transcript holds none of it")
    }

    @Test(arguments: [Client.amigo, .agenthuman])
    func aResetConnectionIsAnError(_ client: Client) async throws {
        let server = try HostileServer(client == .amigo ? Self.amigo(.reset) : Self.everywhere(.reset))
        let (result, took) = try await run(client, server, flow: Self.patientFlowText)
        expectOnTime(result, took, "reset \(client)", turnTimeout: .seconds(8))
        #expect(took < .seconds(8), "a reset is noticed, not waited out: \(result.summary)")
    }

    @Test(arguments: [Client.amigo, .amelia, .agenthuman, .http, .openai])
    func binaryGarbageIsAnError(_ client: Client) async throws {
        var garbage = [UInt8](repeating: 0, count: 4096)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for index in garbage.indices {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            garbage[index] = UInt8(truncatingIfNeeded: seed >> 33)
        }
        let bytes = garbage
        let server = try HostileServer(
            client == .amigo ? Self.amigo(.garbage(bytes)) : Self.everywhere(.garbage(bytes)))
        let (result, took) = try await run(client, server, flow: Self.patientFlowText)
        expectOnTime(result, took, "garbage \(client)", turnTimeout: .seconds(8))
        let kind = result.failure?.errorKind
        #expect(kind != ErrorKind.timeout, "garbage is noticed, not waited out: \(result.summary)")
    }

    @Test func anAmeliaLoginFailingWith5xxIsAServerError() async throws {
        let server = try HostileServer { _, path in
            path.hasSuffix("/auth/login")
                ? .answer(
                    status: 502, contentType: "application/json",
                    body: Array(#"{"status":502,"error":"Bad Gateway","message":"upstream down"}"#.utf8))
                : .silent
        }
        let (result, _) = try await run(.amelia, server)
        #expect(result.failure?.errorKind == .server, "\(result.summary)")
        let message = try #require(result.failure?.message)
        #expect(message.contains("(502)") && message.contains("upstream down"), "\(message)")
        #expect(!message.contains("check `username`"), "\(message)")
    }
}
