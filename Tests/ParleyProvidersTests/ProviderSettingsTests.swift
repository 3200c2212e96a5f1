import Foundation
import Testing
import ParleyJSON
@testable import ParleyProviders
import ParleyRun

/// Reading `amelia`, `agenthuman` and `sandbox` targets: located diagnostics, defaults, secrets.
@Suite struct ProviderSettingsTests {
    @Test func ameliaDefaultsAndTheEnvironmentFillWhatIsNotWritten() throws {
        let yaml = """
            targets:
              desk: { provider: amelia, base_url: "https://amelia.example.com/", domain: support }
            """
        let parsed = parseTarget(
            yaml, environment: ["AMELIA_USERNAME": "qa-bot@example.com", "AMELIA_PASSWORD": "pw-from-env-81"])
        let spec = try #require(parsed.spec as? AmeliaProviderSpec, "\(parsed.errors)")
        #expect(spec.capabilities == [.agentFirst, .userFirst])
        #expect(spec.settings.apiBase == "https://amelia.example.com/AmeliaRest/api/v1")
        #expect(spec.settings.url("auth/login") == "https://amelia.example.com/AmeliaRest/api/v1/auth/login")
        #expect(spec.settings.username == "qa-bot@example.com")
        #expect(spec.settings.password == "pw-from-env-81")
        #expect(spec.settings.pollInterval == .milliseconds(100))
        #expect(spec.settings.maxPollInterval == .seconds(1))
        #expect(spec.settings.verifyTLS)
        #expect(spec.warnings.isEmpty)
        #expect(parsed.secrets.contains("pw-from-env-81"))
    }

    @Test func everyNetworkTargetTakesAReplyLimit() throws {
        // An Amelia target written inline, left open for more keys.
        let base =
            "targets:\n  d: { provider: amelia, base_url: https://a.example.com, domain: s, username: u, "
            + "password: pw-123456"
        let limited = parseTarget(base + ", max_reply_size: 256KiB }")
        let spec = try #require(limited.spec as? AmeliaProviderSpec, "\(limited.errors)")
        #expect(spec.settings.replyLimit == ReplyLimit(bytes: 256 << 10))
        let plain = try #require(parseTarget(base + " }").spec as? AmeliaProviderSpec)
        #expect(plain.settings.replyLimit == .default)
        #expect(ReplyLimit.default.description == "1MiB")

        let wrong = parseTarget(base + ", max_reply_size: lots }")
        #expect(
            wrong.errors == [
                "`max_reply_size` must be a size between 1KiB and 256MiB such as 1MiB or 512KiB, not `lots`"
            ])
        let tiny = parseTarget(base + ", max_reply_size: 10 }")
        #expect(tiny.errors.count == 1)
        for target in [
            "targets:\n  t: { provider: agenthuman, api_key: k-12345, agent_id: 1, max_reply_size: 2MiB }",
            "targets:\n  t: { provider: openai, model: m, api_key: k-12345, max_reply_size: 2MiB }",
            "targets:\n  t: { provider: http, base_url: http://h, max_reply_size: 2MiB, "
                + "send: { request: { path: /s }, reply: { json: { text: $.t } } } }",
        ] {
            let parsed = parseTarget(target)
            #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        }
    }

    @Test func ameliaAcceptsABaseURLThatAlreadyNamesTheAPI() {
        #expect(
            AmeliaSettings.apiBase(from: "https://a.example.com/AmeliaRest/api/v1/")
                == "https://a.example.com/AmeliaRest/api/v1")
        #expect(
            AmeliaSettings.apiBase(from: "https://a.example.com/AmeliaRest")
                == "https://a.example.com/AmeliaRest/api/v1")
    }

    @Test func insecureTargetsWarnOnEveryRun() throws {
        let amelia = parseTarget(
            "targets:\n  d: { provider: amelia, base_url: https://a, domain: s, username: u, password: p, insecure: "
                + "true }\n"
        )
        #expect(
            try #require(amelia.spec).warnings == ["target `d`: TLS certificate verification is OFF (insecure: true)"])
        let agentHuman = parseTarget(
            "targets:\n  h: { provider: agenthuman, api_key: k, agent_id: 1, insecure: true }\n")
        #expect(
            try #require(agentHuman.spec).warnings == [
                "target `h`: TLS certificate verification is OFF (insecure: true)"
            ])
    }

    @Test(arguments: [
        (
            "{ provider: amelia, base_url: https://a, domain: s, username: u, password: p, pol_interval: 1s }",
            "parley.yaml:2:84: error: unknown key `pol_interval` in target `t`; did you mean `poll_interval`?"
        ),
        (
            "{ provider: amelia, base_url: https://a, domain: s, username: u, password: p, delivery: PUSH }",
            "parley.yaml:2:94: error: `delivery` must be `polling` (Parley polls for messages) or `webhook` (Amelia "
                + "POSTs them to Parley's receiver), not `PUSH`"
        ),
        (
            "{ provider: amelia, base_url: https://a, domain: s, username: u, password: p, poll_interval: 1ms }",
            "parley.yaml:2:99: error: `poll_interval` must be between 10ms and 10s, not 1ms"
        ),
        (
            "{ provider: amelia, base_url: https://a, domain: s, username: u, password: p, poll_interval: [1] }",
            "parley.yaml:2:99: error: `poll_interval` must be a duration such as 30s, 500ms or 2m, not a list"
        ),
        (
            "{ provider: amelia, base_url: amelia.example.com, domain: s, username: u, password: p }",
            "parley.yaml:2:36: error: `base_url` must start with https:// (or http://), not `amelia.example.com`"
        ),
        (
            "{ provider: amelia, base_url: https://a, domain: s }",
            "parley.yaml:2:3: error: target `t` (amelia) needs `username` or the environment variable AMELIA_USERNAME"
        ),
        (
            "{ provider: amelia, base_url: https://a, domain: s, username: u, password: \"${env.NOT_SET_ANYWHERE}\" }",
            "parley.yaml:2:81: error: environment variable `NOT_SET_ANYWHERE` is not set (for `password`; set it or "
                + "add it to .env)"
        ),
        (
            "{ provider: agenthuman, api_key: k }",
            "parley.yaml:2:3: error: target `t` (agenthuman) needs `agent_id` (the agent the sessions talk to)"
        ),
        (
            "{ provider: agenthuman, agent_id: 1 }",
            "parley.yaml:2:3: error: target `t` (agenthuman) needs `api_key` or the environment variable "
                + "AGENTHUMAN_API_KEY"
        ),
        (
            "{ provider: agenthuman, api_key: k, agent_id: 1, session_type: agent_chatt }",
            "parley.yaml:2:69: error: `session_type` must be one of agent_chat, agent_voice, agent_video, "
                + "webrtc_video, not `agent_chatt`; did you mean `agent_chat`?"
        ),
        (
            "{ provider: agenthuman, api_key: k, agent_id: 1, metadata: [a, b] }",
            "parley.yaml:2:65: error: `metadata` must be a mapping of names to values, not a list"
        ),
        (
            "{ provider: agenthuman, api_key: k, agent_id: 1, send_message: { method: GET } }",
            "parley.yaml:2:79: error: `send_message.method` must be one of POST, PUT, PATCH (the call carries a "
                + "body), not `GET`"
        ),
        (
            "{ provider: agenthuman, api_key: k, agent_id: 1, send_message: { path: \"/x/${session}/y\" } }",
            "parley.yaml:2:81: error: only `${session_id}`, `${agent_id}` and `${env.NAME}` can be used in "
                + "`send_message.path`, not ${session}"
        ),
        (
            "{ provider: agenthuman, api_key: k, agent_id: 1, send_message: { reply_path: response..text } }",
            "parley.yaml:2:83: error: `send_message.reply_path` must be a path such as `response.text` or "
                + "`$.response.text`, not `response..text`: recursive descent (`..`) is not supported; write each step"
        ),
        (
            "{ provider: agenthuman, api_key: k, agent_id: 1, send_message: { reply: response.text } }",
            "parley.yaml:2:71: error: unknown key `reply` in `send_message`; did you mean `reply_path`?"
        ),
        (
            "{ provider: sandbox, protocol: ameila }",
            "parley.yaml:2:37: error: `protocol` must be one of amigo, amelia, agenthuman, not `ameila`; did you "
                + "mean `amelia`?"
        ),
    ])
    func badSettingsAreLocatedDiagnostics(_ settings: String, _ expected: String) {
        let parsed = parseTarget("targets:\n  t: \(settings)\n")
        #expect(parsed.diagnostics.hasErrors, "the run is refused before anything connects")
        #expect(parsed.diagnostics.map(\.description).contains(expected), "\(parsed.diagnostics.map(\.description))")
    }

    @Test func agentHumanDefaultsFollowThePublishedAPI() throws {
        let parsed = parseTarget(
            "targets:\n  h: { provider: agenthuman, agent_id: 123 }\n",
            environment: ["AGENTHUMAN_API_KEY": "ah_live_fromenv42"])
        let spec = try #require(parsed.spec as? AgentHumanProviderSpec, "\(parsed.errors)")
        #expect(spec.capabilities == [.userFirst])
        #expect(spec.settings.baseURL == "https://api.agenthuman.com")
        #expect(spec.settings.url("sessions") == "https://api.agenthuman.com/api/v1/sessions")
        #expect(spec.settings.apiKey == "ah_live_fromenv42")
        #expect(spec.settings.agentID == .int(123))
        #expect(spec.settings.sessionType == "agent_chat")
        #expect(spec.settings.sendMessage.pathDescription == "/api/v1/sessions/${session_id}/messages")
        #expect(spec.settings.sendMessage.textField.description == "message")
        #expect(spec.settings.sendMessage.replyPath.description == "response.text")
        #expect(parsed.secrets.contains("ah_live_fromenv42"))
    }

    @Test func agentHumanMetadataKeepsTypesAndReadsTheEnvironment() throws {
        let yaml = """
            targets:
              h:
                provider: agenthuman
                api_key: k
                agent_id: "007"
                metadata:
                  suite: nightly
                  build: ${env.BUILD_NUMBER}
                  retries: 3
                  ci: true
                  note: "42"
            """
        let parsed = parseTarget(yaml, environment: ["BUILD_NUMBER": "build-991"])
        let spec = try #require(parsed.spec as? AgentHumanProviderSpec, "\(parsed.errors)")
        #expect(
            JSONValue.object(spec.settings.metadata).serialized
                == #"{"suite":"nightly","build":"build-991","retries":3,"ci":true,"note":"42"}"#)
        #expect(spec.settings.agentID == .int(7), "an agent id is a number in the API")
    }

    @Test(arguments: Wire.allCases)
    func theSandboxTargetCanDoWhatItsProtocolCanDo(_ wire: Wire) throws {
        let capabilities: ProviderCapabilities =
            switch wire {
            case .amigo: [.agentFirst, .userFirst, .externalEvents, .recommend, .tags, .insights, .actions, .states]
            case .amelia: [.agentFirst, .userFirst]
            case .agenthuman: [.userFirst]
            }
        let parsed = parseTarget("targets:\n  s: { provider: sandbox, protocol: \(wire.rawValue) }\n")
        let spec = try #require(parsed.spec, "\(parsed.errors)")
        #expect(spec.kind == "sandbox")
        #expect(spec.capabilities == capabilities)
    }

    @Test(arguments: ["amelia", "agenthuman"])
    func theSandboxTargetRunsAFlowOverTheChosenProtocol(_ wire: String) async throws {
        let result = try await run(refundFlow, target: "targets:\n  s: { provider: sandbox, protocol: \(wire) }\n")
        #expect(result.outcome == .passed, "\(result.summary)")
        #expect(result.provider == "sandbox")
    }

    @Test func shortFormPathsNameTheStepThatFailed() throws {
        let answer: JSONValue = ["data": ["items": [["text": "first"], ["text": 2]]]]
        #expect(try JSONPath(parsingShortForm: "data.items.0.text").evaluate(answer) == [.string("first")])
        #expect(try JSONPath(parsingShortForm: "$.data.items[0].text").evaluate(answer) == [.string("first")])
        let missing = try JSONPath(parsingShortForm: "data.items.5.text")
        #expect(missing.evaluate(answer).isEmpty)
        #expect(missing.explainMiss(in: answer) == "`data.items` is a list of 2; `5` is not an index in it")
        let scalar = try JSONPath(parsingShortForm: "data.items.1.text.value")
        #expect(scalar.explainMiss(in: answer) == "`data.items.1.text` is a number, so it has no `value`")
        #expect(throws: JSONPathError.self) { try JSONPath(parsingShortForm: "") }
        #expect(throws: JSONPathError.self) { try JSONPath(parsingShortForm: "a. b") }
    }
}
