import Testing
@testable import ParleyProviders

/// Every mistake in a `provider: http` target is a located diagnostic when the configuration is
/// loaded, never a surprise in the middle of a run.
@Suite struct HTTPTargetConfigTests {
    static let valid = """
        targets:
          bot:
            provider: http
            base_url: http://127.0.0.1:9
            start:
              request: { method: POST, path: /sessions }
              extract: { conversation_id: $.id }
            send:
              request: { method: POST, path: "/sessions/${conversation_id}/messages", json: { text: "${message}" } }
              reply: { json: { text: $.reply.text } }
        """

    @Test func theBaseConfigurationIsValid() throws {
        #expect(ProviderTestSupport.diagnostics(Self.valid) == [])
        let spec = try ProviderTestSupport.spec(Self.valid).spec
        #expect(spec.kind == "http")
        #expect(spec.capabilities == [.userFirst], "no `start.reply`: the agent cannot speak first")
    }

    @Test(
        arguments: [
            // An unknown key, at the key.
            (
                "path: /sessions }", "path: /sessions, body: {} }",
                "parley.yaml:6:49: error: unknown key `body` in `start.request`"
            ),
            // A misspelt key at the target's level, with a suggestion.
            (
                "base_url: http://127.0.0.1:9\n", "base_url: http://127.0.0.1:9\n    hedaers: {}\n",
                "parley.yaml:5:5: error: unknown key `hedaers` in target `bot`; did you mean `headers`?"
            ),
            // A variable no step defines, at the `${`.
            (
                "${conversation_id}/messages", "${conversaton_id}/messages",
                "parley.yaml:9:49: error: unknown variable ${conversaton_id} in `send.request.path`; did you mean "
                    + "`conversation_id`? "
                    + "(known here: conversation_id, message; variables come from `variables:` and `extract:`)"
            ),
            // A variable that exists, but not yet.
            (
                "path: /sessions }", "path: /sessions, json: { first: \"${message}\" } }",
                "parley.yaml:6:65: error: ${message} has no value in `start.request.json.first`: `${message}` is "
                    + "known in `send` only"
            ),
            // A bad path, at the offending character.
            (
                "text: $.reply.text", "text: $.reply..text",
                "parley.yaml:10:37: error: bad path `$.reply..text` in `send.reply.json.text`: recursive descent "
                    + "(`..`) is not supported; write each step"
            ),
            (
                "conversation_id: $.id", "conversation_id: \"$.items[x]\"",
                "parley.yaml:7:44: error: bad path `$.items[x]` in `start.extract.conversation_id`: `[` takes a "
                    + "number ([0], [-1]), `*` or a quoted name (['name'])"
            ),
            // Wrong types and values.
            (
                "method: POST, path: /sessions }", "method: POTS, path: /sessions }",
                "parley.yaml:6:26: error: unknown method `POTS`; did you mean `POST`?; use one of GET, POST, PUT, "
                    + "PATCH, DELETE, HEAD, OPTIONS"
            ),
            (
                "reply: { json: { text: $.reply.text } }",
                "reply: { poll: { request: { path: /p }, text: $.t, until: { path: $.type } } }",
                "parley.yaml:10:65: error: `send.reply.poll.until` needs a test: `equals`, `in`, `exists` or `matches`"
            ),
            (
                "reply: { json: { text: $.reply.text } }", "reply: { json: { text: $.t }, stream: { text: $.t } }",
                "parley.yaml:10:37: error: `send.reply` takes one of `json`, `stream`, `poll` or `webhook`, not both "
                    + "`json` and `stream`"
            ),
            (
                "reply: { json: { text: $.reply.text } }", "reply: { stream: { format: websocket, text: $.t } }",
                "parley.yaml:10:34: error: `format` must be `ndjson` (one JSON object a line) or `sse` (server-sent "
                    + "events), not `websocket`"
            ),
            (
                "json: { text: \"${message}\" }", "json: { text: \"${message}\" }, form: { a: b }",
                "parley.yaml:9:109: error: `send.request` takes one body — `json` or `form`, not both"
            ),
            (
                "path: /sessions }", "path: /sessions, headers: [a] }",
                "parley.yaml:6:58: error: `start.request.headers` must be a mapping of names to values, not a list"
            ),
            (
                "path: /sessions }", "path: \"/s/${env.BOT_SESSION_PREFIX}\" }",
                "parley.yaml:6:42: error: environment variable `BOT_SESSION_PREFIX` is not set (for "
                    + "`start.request.path`; set it or add it to .env)"
            ),
            (
                "conversation_id: $.id", "conversation_id: $.id, message: $.id",
                "parley.yaml:7:41: error: `message` is reserved (`${message}` is the user's message); choose another "
                    + "name"
            ),
        ] as [(String, String, String)])
    func aMistakeIsReportedWhereItIs(original: String, replacement: String, expected: String) {
        let yaml = Self.valid.replacingOccurrences(of: original, with: replacement)
        #expect(yaml != Self.valid, "the replacement applies")
        #expect(ProviderTestSupport.diagnostics(yaml) == [expected])
    }

    @Test func aTargetWithoutSendSaysSo() {
        let yaml = """
            targets:
              bot:
                provider: http
                base_url: http://127.0.0.1:9
            """
        #expect(ProviderTestSupport.diagnostics(yaml) == ["parley.yaml:3:5: error: target `bot` is missing `send`"])
    }

    @Test func theLoginIsSharedSoItCannotUseThePersona() {
        let yaml = Self.valid.replacingOccurrences(
            of: "    start:\n",
            with: """
                    login:
                      request: { method: POST, path: /login, json: { user: "${persona.name}" } }
                      extract: { token: $.token }
                    start:

                """)
        #expect(
            ProviderTestSupport.diagnostics(yaml) == [
                "parley.yaml:6:61: error: ${persona.name} cannot be used in `login.request.json.user`: it is shared "
                    + "by every conversation of the target, whatever the persona"
            ])
    }

    @Test func aPathWithoutBaseURLIsReportedAtTheRequest() {
        let yaml = Self.valid.replacingOccurrences(of: "    base_url: http://127.0.0.1:9\n", with: "")
        #expect(
            ProviderTestSupport.diagnostics(yaml) == [
                "parley.yaml:5:16: error: `start.request` has a `path` but the target has no `base_url`; add "
                    + "`base_url:` or write a whole `url:`",
                "parley.yaml:8:16: error: `send.request` has a `path` but the target has no `base_url`; add "
                    + "`base_url:` or write a whole `url:`",
            ])
    }

    @Test func theAgentSpeaksFirstOnlyWhenTheStartHasAReply() throws {
        let yaml = Self.valid.replacingOccurrences(
            of: "      extract: { conversation_id: $.id }\n",
            with: """
                      extract: { conversation_id: $.id }
                      reply: { json: { text: $.greeting } }

                """)
        #expect(try ProviderTestSupport.spec(yaml).spec.capabilities == [.userFirst, .agentFirst])
    }

    @Test func credentialsWrittenLiterallyAreSecrets() throws {
        let yaml = Self.valid.replacingOccurrences(
            of: "    start:\n",
            with: """
                    headers: { X-Api-Key: literal-key-123, X-Trace: not-a-secret }
                    login:
                      request: { method: POST, path: /login, json: { user: bot, password: hunter2-literal } }
                      extract: { token: $.token }
                    start:

                """)
        let secrets = try ProviderTestSupport.spec(yaml, environment: ["UNUSED": "x"]).secrets
        #expect(secrets.contains("literal-key-123"))
        #expect(secrets.contains("hunter2-literal"))
        #expect(!secrets.contains("not-a-secret"))
        #expect(!secrets.contains("bot"))
    }
}
