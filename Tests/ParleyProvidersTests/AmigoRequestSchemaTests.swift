import Foundation
import Testing
import ParleyFlow
import ParleyProviders
import ParleyRun
import ParleySandbox
import ParleyTestSupport

/// What the Amigo provider really puts on the wire — captured by the sandbox as it arrived — checked
/// against Amigo's official OpenAPI document: paths, query parameters, headers and bodies.
@Suite struct AmigoRequestSchemaTests {
    /// A user id that must be escaped in a query string.
    static let user = "qa user+1&x"

    /// The usual sandbox target, signing in as ``user``.
    static func target(_ baseURL: String) -> String {
        Wire.amigo.target(baseURL).replacingOccurrences(
            of: "user_id: \(SandboxCredentials.default.amigoUserID)", with: "user_id: \"\(user)\"")
    }

    /// The validator's input: one line per request, body in base64.
    static func jsonl(_ entries: [SandboxRequestLog.Entry], label: String = "request") -> String {
        entries.enumerated().map { index, entry in
            var object: [String: Any] = [
                "label": "\(label) \(index + 1) (\(entry.method) \(entry.path))", "method": entry.method,
                "path": entry.path, "headers": entry.headers.map { [$0.name, $0.value] },
                "body_base64": Data(entry.body).base64EncodedString(),
            ]
            object["query"] = entry.query
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }

    static func validate(_ lines: String) async throws -> (status: Int32, output: String) {
        do {
            return try await AmigoOpenAPI.validate(lines, requests: true)
        } catch {
            Issue.record("python3-jsonschema is missing: install it with `apt-get install python3-jsonschema`")
            throw error
        }
    }

    static let eventsFlow = """
        flow: events
        steps:
          - event: Customer opened the app from a push notification about order ORD-1042.
          - expect: /ORD-1042/
          - tag: { set: { channel: push notification, tier: gold } }
          - send: It arrived broken, I'd like a refund.
          - insights: { state: /\\w/ }
          - event: Customer tapped the refund button in the app.
          - tag: { set: { outcome: refunded }, remove: [tier, triage, tier] }
          - end
        """

    static let simulatedFlow = """
        flow: simulated
        scenario: { name: Refund, objective: Get a refund for a damaged order. }
        simulator: target
        steps:
          - expect: /help/i
          - recommend: { pick: first }
          - simulate: { until: /refund has been issued/i, max_turns: 3, on_max: pass }
        """

    /// Every Amigo operation the provider uses, through flows run by the real interpreter.
    static func converse(with provider: any ConversationProvider) async throws {
        // A conversation an earlier run left unfinished: the next create is refused, and the
        // provider lists this user's open conversations and finishes them.
        let stale = try await provider.makeConversation(ConversationContext(flowName: "stale"))
        _ = try await stale.start(.agentFirst)
        await stale.release()

        for text in [refundFlow, Self.eventsFlow] {
            let result = await run(try loadFlow(text), on: provider)
            #expect(result.outcome == .passed, "\(result.summary)")
        }
        let simulated = await run(try loadFlow(Self.simulatedFlow), on: provider, simulator: TargetRecommendSimulator())
        #expect(simulated.outcome == .passed, "\(simulated.summary)")
        #expect(simulated.turns.contains { $0.simulated == true })
    }

    @Test func everyRequestTheAmigoProviderSendsMatchesTheOpenAPIDocument() async throws {
        let log = SandboxRequestLog()
        var credentials = SandboxCredentials.default
        credentials.amigoUserID = Self.user
        try await withSandbox(SandboxConfiguration(credentials: credentials, requestLog: log)) { server in
            let resources = ProviderResources()
            do {
                try await Self.converse(with: try await makeProvider(Self.target(server.baseURL), resources: resources))
            } catch {
                await resources.shutdown()
                throw error
            }
            await resources.shutdown()
        }
        let amigo = log.all.filter { $0.path.hasPrefix("/v1/") }
        let operations = Set(
            amigo.map { entry in
                "\(entry.method) "
                    + entry.path.split(separator: "/").dropFirst(2).map { $0.count == 24 ? "{id}" : String($0) }
                    .joined(separator: "/")
            })
        #expect(
            operations == [
                "POST user/signin_with_api_key", "POST conversation", "GET conversation",
                "POST conversation/{id}/finish", "POST conversation/{id}/interact", "POST conversation/{id}/tags",
                "GET conversation/{id}/interaction/{id}/insights",
                "POST conversation/{id}/interaction/{id}/recommend_responses",
            ], "\(operations.sorted())")
        // The user id went out escaped, and the tag removals once each.
        #expect(amigo.contains { $0.query?.contains("user_id=qa%20user%2B1%26x") == true })
        let tagBodies = amigo.filter { $0.path.hasSuffix("/tags/") }.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(tagBodies.contains { $0.contains(#""deletes":["tier","triage"]"#) }, "\(tagBodies)")

        let result = try await Self.validate(Self.jsonl(amigo))
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("validated \(amigo.count) requests, 0 invalid"), "\(result.output)")
    }

    @Test func aMessageBlankOnceFilledInNeverLeaves() async throws {
        let log = SandboxRequestLog()
        try await withSandbox(SandboxConfiguration(requestLog: log)) { server in
            for (text, line) in [
                ("flow: blank\nsteps:\n  - set: { name: \" \" }\n  - send: \"${name}\"\n", 4),
                ("flow: blank\nsteps:\n  - set: { e: \"\" }\n  - event: \"${e}\"\n", 4),
                ("flow: blank\nsteps:\n  - set: { t: \" \" }\n  - tag: { set: { tier: \"${t}\" } }\n", 4),
            ] {
                let result = try await run(text, target: Wire.amigo.target(server.baseURL))
                #expect(result.outcome == .error, "\(result.summary)")
                #expect(result.failure?.errorKind == .configuration)
                #expect(result.failure?.location.line == line)
            }
        }
        #expect(log.all.isEmpty, "\(log.all.map { "\($0.method) \($0.path)" })")
    }

    /// The check has teeth: requests Amigo refuses, in the shape the sandbox records them.
    @Test func theValidatorRefusesRequestsAmigoWouldReject() async throws {
        let id = "65f0aa0000000000000000c1"
        let service = SandboxCredentials.default.amigoServiceID
        func entry(_ method: String, _ path: String, query: String? = nil, type: String? = nil, body: String = "")
            -> SandboxRequestLog.Entry
        {
            SandboxRequestLog.Entry(
                method: method, path: "/v1/org/" + path, query: query,
                headers: type.map { [("Content-Type", $0)] } ?? [], body: Array(body.utf8))
        }
        let form = { (message: String) in
            "--b\r\nContent-Disposition: form-data; name=\"initial_message_type\"\r\n\r\nuser-message\r\n"
                + "--b\r\nContent-Disposition: form-data; name=\"recorded_message\"\r\n\r\n\(message)\r\n--b--\r\n"
        }
        let bad = [
            entry(
                "POST", "conversation/", query: "response_format=text", type: "application/json",
                body: #"{"service_id":"\#(service)","initial_message":"  ","initial_message_type":"user-message"}"#),
            entry(
                "POST", "conversation/\(id)/interact", query: "request_format=text&response_format=text",
                type: "multipart/form-data; boundary=b", body: form("")),
            entry(
                "POST", "conversation/\(id)/tags/", type: "application/json",
                body: #"{"updates":{},"deletes":["tier","tier"]}"#),
            entry(
                "POST", "conversation/\(id)/tags/", type: "application/json",
                body: #"{"updates":{"tier":" "},"deletes":[]}"#),
            entry("POST", "conversation/not-an-id/finish/"),
            entry("GET", "conversation/", query: "user_id=u&limit=500"),
        ]
        let good = entry(
            "POST", "conversation/\(id)/interact", query: "request_format=text&response_format=text",
            type: "multipart/form-data; boundary=b", body: form("hello"))
        let result = try await Self.validate(Self.jsonl(bad + [good]))
        #expect(result.status == 1)
        #expect(result.output.contains("validated 7 requests, 6 invalid"), "\(result.output)")
        for index in 1...6 { #expect(result.output.contains("request \(index) ("), "request \(index) passed") }
        #expect(!result.output.contains("request 7 ("), "\(result.output)")
    }
}
