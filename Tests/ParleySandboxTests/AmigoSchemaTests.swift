import Foundation
import ParleyTestSupport
import HummingbirdTesting
import Testing
import ParleySandbox

/// Collects Amigo response bodies and NDJSON events with the schema each must satisfy.
final class SchemaCases: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private(set) var statuses: Set<Int> = []

    /// FastAPI's error bodies, which the OpenAPI subset does not spell out.
    static let httpError =
        #"{"title":"HTTPError","type":"object","required":["detail"],"properties":{"detail":{"type":"string"}}}"#
    static let validationError = #"""
        {"title":"HTTPValidationError","type":"object","required":["detail"],"properties":{"detail":{"type":"array",
        "minItems":1,"items":{"type":"object","required":["loc","msg","type"],"properties":{"loc":{"type":"array",
        "items":{"anyOf":[{"type":"string"},{"type":"integer"}]}},
        "msg":{"type":"string"},"type":{"type":"string"}}}}}}
        """#.replacingOccurrences(of: "\n", with: "")

    private func add(schema: String, label: String, document: String) {
        lock.lock()
        defer { lock.unlock() }
        lines.append(#"{"schema":\#(schema),"label":\#(Self.quoted(label)),"document":\#(document)}"#)
    }

    static func quoted(_ text: String) -> String {
        String(
            decoding: (try? JSONSerialization.data(withJSONObject: [text]))?.dropFirst().dropLast()
                ?? Data("\"\"".utf8), as: UTF8.self)
    }

    /// Records every body of `result`: `schema` names the component for a 2xx JSON body; NDJSON
    /// lines are checked against `schema` and against their own event type; errors against FastAPI's shapes.
    @discardableResult
    func record(_ result: HTTPResult, _ label: String, schema: String? = nil) -> HTTPResult {
        lock.lock()
        statuses.insert(result.status)
        lock.unlock()
        switch result.status {
        case 204:
            #expect(result.text.isEmpty, "\(label): a 204 has no body")
        case 422:
            add(schema: Self.validationError, label: label, document: result.text)
        case 400..<600:
            add(schema: Self.httpError, label: label, document: result.text)
        default:
            guard let schema else {
                Issue.record("\(label): no schema given for a \(result.status) body")
                return result
            }
            if result.header("Content-Type") == "application/x-ndjson" {
                for (index, line) in result.rawLines.enumerated() {
                    add(schema: Self.quoted(schema), label: "\(label) line \(index + 1)", document: line)
                    let type = result.lines[index]["type"] as? String ?? ""
                    if let specific = Self.eventSchemas[type] {
                        add(
                            schema: Self.quoted(specific), label: "\(label) line \(index + 1) (\(type))", document: line
                        )
                    } else {
                        Issue.record("\(label): unexpected event type \(type)")
                    }
                    // An agent action is also checked against its own type's schema.
                    if type == "current-agent-action", let action = result.lines[index]["action"] as? [String: Any] {
                        let actionType = action["type"] as? String ?? ""
                        recordAction(actionType)
                        if let specific = Self.actionSchemas[actionType],
                            let data = try? JSONSerialization.data(withJSONObject: action)
                        {
                            add(
                                schema: Self.quoted(specific), label: "\(label) line \(index + 1) (\(actionType))",
                                document: String(decoding: data, as: UTF8.self))
                        } else {
                            Issue.record("\(label): unexpected agent action type \(actionType)")
                        }
                    }
                }
            } else {
                add(schema: Self.quoted(schema), label: label, document: result.text)
            }
        }
        return result
    }

    static let eventSchemas = [
        "conversation-created": "ConversationCreatedEvent",
        "new-message": "NewMessageEvent",
        "interaction-complete": "InteractionCompleteEvent",
        "current-agent-action": "CurrentAgentActionEvent",
        "user-message-available": "UserMessageAvailableEvent",
        "error": "ErrorEvent",
    ]

    /// The agent-action payloads the sandbox emits, by type, with their schemas.
    static let actionSchemas = [
        "tool-call-started": "ToolCallStartedEvent",
        "tool-call-ended": "ToolCallEndedEvent",
        "navigate-state-machine-state-transitioned": "NavigateStateMachineStateTransitionedEvent",
        "navigate-state-machine-action-state-action-selected": "NavigateStateMachineActionStateActionSelectedEvent",
        "select-dynamic-behavior-completed": "SelectDynamicBehaviorCompletedEvent",
        "engage-user-dynamic-behavior-override": "EngageUserDynamicBehaviorOverrideEvent",
    ]

    private var actionTypes: Set<String> = []

    private func recordAction(_ type: String) {
        lock.lock()
        actionTypes.insert(type)
        lock.unlock()
    }

    /// Every agent-action type seen.
    var seenActionTypes: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return actionTypes
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return lines.count
    }

    var jsonl: String {
        lock.lock()
        defer { lock.unlock() }
        return lines.joined(separator: "\n") + "\n"
    }
}

@Suite struct AmigoSchemaTests {
    /// Runs `scripts/validate-amigo-json.py` over the cases; returns its exit status and output.
    static func validate(_ cases: String) async throws -> (status: Int32, output: String) {
        do {
            return try await AmigoOpenAPI.validate(cases)
        } catch {
            Issue.record("python3-jsonschema is missing: install it with `apt-get install python3-jsonschema`")
            throw error
        }
    }

    @Test func theValidatorRejectsWhatTheSchemaForbids() async throws {
        let bad =
            #"{"schema":"NewMessageEvent","label":"chunk without stop","document":{"type":"new-message","#
            + #""message":"Hi","transcript_alignment":null,"sequence_number":1,"message_id":"x"}}"#
        let result = try await Self.validate(bad + "\n")
        #expect(result.status == 1)
        #expect(result.output.contains("'stop' is a required property"))
    }

    @Test func everyAmigoBodyAndEventMatchesTheOpenAPIDocument() async throws {
        let cases = SchemaCases()
        try await withSandbox(SandboxConfiguration(rateLimits: .documented(scale: 100))) { _, http in
            let amigo = AmigoTestClient(http: http)
            let org = amigo.org
            let c = amigo.credentials
            let signInHeaders = [
                "x-api-key": c.amigoAPIKey, "x-api-key-id": c.amigoAPIKeyID, "x-user-id": c.amigoUserID,
            ]
            let signIn = cases.record(
                try await http.send(.post, "/v1/\(org)/user/signin_with_api_key", headers: signInHeaders),
                "sign-in", schema: "src__app__endpoints__user__sign_in_with_api_key__Response")
            let token = try #require(signIn.object["id_token"] as? String)
            cases.record(
                try await http.send(.post, "/v1/\(org)/user/signin_with_api_key", headers: ["x-api-key": "wrong"]),
                "sign-in missing headers")
            cases.record(
                try await http.send(
                    .post, "/v1/\(org)/user/signin_with_api_key",
                    headers: signInHeaders.merging(["x-api-key": "wrong"]) { $1 }), "sign-in wrong key")

            let create = "src__app__endpoints__conversation__create_conversation__Response"
            let interact = "src__app__endpoints__conversation__interact_with_conversation__Response"
            let messages = "src__app__endpoints__conversation__get_conversation_messages__Response"
            let list = "src__app__endpoints__conversation__get_conversations__Response"
            let recommend = "src__app__endpoints__conversation__recommend_responses_for_interaction__Response"
            let insights = "src__app__endpoints__conversation__get_interaction_insights__Response"

            // An agent-first conversation taken through every branch.
            let first = cases.record(
                try await amigo.create(token, tags: ["suite": "schema", "empty": "x"]), "create agent-first",
                schema: create)
            let id = first.conversationID
            cases.record(try await amigo.create(token), "create while one is open")
            var latest = first.interactionID
            let inputs: [(String, Bool, String)] = [
                ("hello", false, "user-message"), ("What's the weather?", true, "user-message"), ("", false, "skip"),
                ("push notification about order ORD-1042", false, "external-event"),
                ("I'd like a refund", false, "user-message"), ("this is ridiculous", false, "user-message"),
                ("replace it please", true, "user-message"), ("yes", false, "user-message"),
                ("can I talk to a human?", false, "user-message"),
            ]
            for (index, (text, asFile, type)) in inputs.enumerated() {
                let result = cases.record(
                    try await amigo.interact(
                        token, id, text, asFile: asFile, type: type,
                        events: index == 1 ? [("page view", "2024-05-01T12:00:00.5+02:00")] : []),
                    "interact \(index + 1)", schema: interact)
                #expect(result.status == 200, "interact \(index + 1): \(result.text)")
                latest = result.interactionID
                cases.record(
                    try await amigo.get(token, "conversation/\(id)/interaction/\(latest)/insights"),
                    "insights \(index + 1)", schema: insights)
            }
            let context = #"{"context":"PERSONA:\nName: Dana\n---\nSCENARIO:\nObjective: Get a refund.\n"}"#
            cases.record(
                try await amigo.post(
                    token, "conversation/\(id)/interaction/\(latest)/recommend_responses", body: context),
                "recommend", schema: recommend)
            cases.record(
                try await amigo.post(token, "conversation/\(id)/interaction/\(latest)/recommend_responses"),
                "recommend default", schema: recommend)
            cases.record(
                try await amigo.post(
                    token, "conversation/\(id)/interaction/\(first.interactionID)/recommend_responses"),
                "recommend stale")
            cases.record(
                try await amigo.post(
                    token, "conversation/\(id)/tags/",
                    body: #"{"updates":{"outcome":"escalated","note":null},"deletes":["empty"]}"#),
                "tags")
            cases.record(
                try await amigo.post(token, "conversation/\(id)/tags/", body: #"{"updates":{"bad-key":"x"}}"#),
                "tags invalid")
            for query in [
                "", "?limit=2", "?limit=2&continuation_token=2&sort_by=%2Bcreated_at",
                "?message_type=user-message&sort_by=-interaction_id",
                "?interaction_id=\(latest)",
            ] {
                cases.record(
                    try await amigo.get(token, "conversation/\(id)/messages/\(query)"), "messages \(query)",
                    schema: messages)
            }
            cases.record(
                try await amigo.get(token, "conversation/\(id)/messages/?limit=9999"), "messages invalid limit")
            cases.record(try await amigo.post(token, "conversation/\(id)/finish/"), "finish")
            cases.record(try await amigo.post(token, "conversation/\(id)/finish/"), "finish again")
            cases.record(try await amigo.interact(token, id, "hello"), "interact after finish")

            // User-first and event-first conversations, one ended by the agent.
            let userFirst = cases.record(
                try await amigo.create(token, initialMessage: "I need a refund for ORD-77", type: "user-message"),
                "create user-first", schema: create)
            cases.record(
                try await amigo.interact(token, userFirst.conversationID, "yes please"), "interact refund",
                schema: interact)
            cases.record(
                try await amigo.interact(token, userFirst.conversationID, "bye"), "interact goodbye", schema: interact)
            let event = cases.record(
                try await amigo.create(
                    token, initialMessage: "customer opened a push notification about order ORD-3",
                    type: "external-event"), "create event-first", schema: create)
            cases.record(
                try await amigo.interact(
                    token, event.conversationID, "", type: "skip", query: "&current_agent_action_type=%5E%24"),
                "interact skip without actions", schema: interact)

            for query in [
                "", "?is_finished=true", "?tag=outcome:escalated", "?tag=suite:*&limit=1",
                "?id=\(id)&user_id=\(c.amigoUserID)",
            ] {
                cases.record(try await amigo.get(token, "conversation/\(query)"), "list \(query)", schema: list)
            }
            cases.record(try await amigo.get(token, "conversation/?limit=0"), "list invalid limit")
            cases.record(try await amigo.create(token, query: ""), "create without response_format")
            cases.record(try await http.send(.get, "/v1/\(org)/conversation/"), "list without token")
            cases.record(
                try await amigo.get(token, "conversation/\(id)/interaction/aaaaaaaaaaaaaaaaaaaaaaaa/insights"),
                "insights unknown")
            cases.record(try await amigo.get(token, "unknown"), "unknown path")
        }
        #expect(cases.statuses.isSuperset(of: [200, 201, 204, 400, 401, 404, 409, 422]))
        #expect(cases.seenActionTypes == Set(SchemaCases.actionSchemas.keys), "every kind of agent action was checked")
        #expect(cases.count > 150)
        let result = try await Self.validate(cases.jsonl)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("validated \(cases.count) documents, 0 invalid"), "\(result.output)")
    }
}
