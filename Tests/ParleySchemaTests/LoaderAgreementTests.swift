import Foundation
import Testing
@testable import ParleyRuntime
import ParleyTestSupport
@testable import ParleyFlow
@testable import ParleyProviders

/// Small documents on which the loaders and the schemas must agree: valid ones (no false alarms in
/// an editor) and invalid ones the schemas are meant to catch.
@Suite struct LoaderAgreementTests {
    /// A flow is loaded as if it were a file in flows/, so `include:` and persona files resolve there.
    static let flowFile = SchemaValidator.repositoryRoot + "/flows/agreement.yaml"
    static let environment = [
        "HOME": "/root", "PARLEY_TOKEN": "token-value",
        "AMIGO_ORGANIZATION_ID": "org", "AMIGO_API_KEY": "key-value", "AMIGO_API_KEY_ID": "key-id-value",
        "AMIGO_USER_ID": "5a4db0c0ffee00000000a001", "AMIGO_SERVICE_ID": "5a4db0c0ffee00000000c0de",
        "OPENAI_API_KEY": "sk-test-value", "AMELIA_USERNAME": "user", "AMELIA_PASSWORD": "password-value",
        "AGENTHUMAN_API_KEY": "ah_live_test",
    ]

    // MARK: - Flows

    static let validFlows: [String] = [
        """
        steps:
          - send: "42"
          - send: 42
          - send: yes
          - expect: 42
          - expect: ""
          - recommend
          - recommend:
          - recommend: {}
          - recommend: { pick: 2 }
          - recommend: { pick: random }
          - end
        """,
        """
        flow: "2024"
        tags: smoke
        turn_timeout: 45
        timeout: 1m30s
        steps:
          - wait: 1.5s
          - wait: 250ms
          - wait: 0
          - wait: "10"
          - wait: 2Min
          - wait: 1h 30m
          - wait: .5s
          - send: hi
          - end: {}
        """,
        """
        persona: { name: Dana, variables: { größe: M, order-id: ORD-1, _n: 1 } }
        steps:
          - send: "Price: $$5 for ${ persona.name }, $ and $$${persona.order-id}"
          - expect: /a\\/b$/
          - expect: "/not a regex/ at all"
          - expect: { regex: "ticket T-\\\\d+" }
          - expect: { equals: "" }
          - expect: { any: [/x/imsx, { all: [a, { contains: b }] }] }
          - expect: { capture: { t: /T-(\\d+)/, _x: "no slashes (.*)" } }
          - expect: { pattern: { any: [/x/] }, capture: { y: /y/ }, within: 5s }
          - expect_not: { regex: /sorry/i }
          - expect_not: { message: any, pattern: /sorry/i }
          - expect_not: { message: -1, contains: sorry }
          - set: { größe2: "${persona.größe}", n: 1, empty: "" }
          - send: "${größe2} ${t} ${_x} ${y} ${n}"
        """,
        """
        simulator: { from: script }
        scenario: { name: Refund, objective: 3 }
        replies:
          - when: /x/
            say: [a, "b ${scenario.objective}"]
          - say: c
        steps:
          - event: { message: App opened }
          - include: _steps/report-damage.yaml
          - include: { file: _steps/report-damage.yaml }
          - set: { t: T-1 }
          - tag: { set: { "customer tier": gold, count: 3, ticket: "${t}", größe: groß } }
          - tag: { set: {}, remove: tier }
          - tag: { remove: [a, b, "customer tier", 3] }
          - insights: { objective: refund }
          - insights: { state: { equals: refund_offer }, action: /refund/i }
          - simulate: { on_max: pass }
          - simulate: { until: { any: [/a/, b] }, max_turns: 100, on_max: fail, pick: "1" }
          - end: true
        """,
        """
        flow: personas
        description: 3
        target: staging
        simulator: openai
        personas:
          - _personas/dana.yaml
          - name: Sam
            background: 42
            replies:
              - when: { equals: Hi }
                say: hello
        steps:
          - event: The app opened ${persona.name}'s order
          - send: "${persona.name}: ${env.PARLEY_TOKEN}"
        """,
        """
        steps:
          - send: ORD-1
          - expect_tool: order-lookup
          - expect_tool: { regex: lookup }
          - expect_tool:
              { name: /lookup/, args: { order_number: ORD-1, n: { any: [a, b] } }, result: x, in: turn, times: 1 }
          - expect_tool: { name: x, min: 0, max: 2, in: conversation }
          - expect_no_tool: /refund/
          - expect_no_tool: { name: refund, in: conversation }
          - expect_state: refund_offer
          - expect_state: { state: /refund/, in: conversation }
          - expect_tools: [a, /b/]
          - expect_tools: { sequence: [a, b], ordered: false, in: conversation }
          - judge: [The agent says "hi".]
          - judge: { criteria: [a, { criterion: b, inconclusive: pass }], each_reply: [c], min_score: 0.5, judge: j }
          - end
          - expect_tool: a
          - judge: { each_reply: [{ criterion: polite, inconclusive: fail }] }
        judge:
          criteria: [The agent called `order-lookup`.]
        """,
        """
        cases: tables/orders.csv
        personas: matrix/customers.csv
        scenarios:
          - { name: late parcel, objective: Find my parcel. }
          - name: damaged item
        steps:
          - send: "${case.order_id} for ${persona.email} (${scenario.name})"
        """,
        """
        cases: { file: tables/orders.csv, name: order_id }
        personas: [matrix/customers.csv, { name: Lee }]
        scenario: { name: one }
        steps:
          - send: "${case.status}"
        """,
        """
        personas: matrix/customers.csv
        scenarios: [{ name: a }, { name: b, instructions: x }]
        steps:
          - send: hi
        """,
    ]

    @Test func flowsTheLoaderAcceptsPassTheSchema() async throws {
        var cases: [SchemaValidator.Case] = []
        for (index, text) in Self.validFlows.enumerated() {
            let loaded = FlowLoader(environment: Self.environment).load(text: text, file: Self.flowFile)
            #expect(loaded.diagnostics.isEmpty, "valid flow \(index + 1): \(loaded.diagnostics.map(\.description))")
            cases.append(
                .init(
                    schema: SchemaKind.flow.fileName, label: "valid flow \(index + 1)",
                    document: try SchemaValidator.document(yaml: text)))
        }
        for verdict in try await SchemaValidator().validate(cases) {
            #expect(verdict.valid, "\(verdict)")
        }
    }

    /// Broken flows, each with a piece of the loader's message: both must refuse them.
    static let invalidFlows: [(yaml: String, loaderSays: String)] = [
        (step("expect: /help/gi"), "unknown regular-expression flag `g`"),
        (step("expect: //"), "empty regular expression"),
        (step("expect: { regex: //i }"), "empty regular expression"),
        (step("send: \"${foo.bar}\""), "is not a variable name"),
        (step("send: \"${two words}\""), "is not a variable name"),
        (step("send: \"${scenario.goal}\""), "is not a scenario field"),
        (step("recommend: { pick: -1 }"), "`pick` must be"),
        (step("recommend: { pik: 1 }"), "unknown key `pik`"),
        (step("simulate: { until: /x/, on_max: maybe }"), "`on_max` must be"),
        (step("simulate: { until: /x/, max_turns: 0 }"), "`max_turns` must be between 1 and 100"),
        (step("tag: { set: { note: \(String(repeating: "a", count: 101)) } }"), "at most 100 characters"),
        (step("tag: { set: { " + (0...20).map { "k\($0): v" }.joined(separator: ", ") + " } }"), "at most 20 tags"),
        (step("tag: { set: { tier: gold! } }"), "may hold only letters"),
        (step("tag: {}"), "`tag` needs `set:` or `remove:`"),
        (step("tag: { remove: \" \" }"), "a tag name must not be empty"),
        (step("tag: { remove: [tier, \"\"] }"), "a tag name must not be empty"),
        (step("tag: { remove: [customer-tier] }"), "may hold only letters"),
        (step("end: false"), "`end` must be empty"),
        (step("insights: {}"), "needs at least one of"),
        (step("set: { env: x }"), "is reserved"),
        (step("set: { 1x: x }"), "not a valid variable name"),
        (step("include: \"\""), "must not be empty"),
        (step("event: { message: \" \" }"), "must not be empty"),
        (step("send: \" \""), "must not be empty"),
        (step("wait: 5 s"), "must be a duration"),
        (step("wait: -1s"), "must be a duration"),
        (step("expect: { within: 1s }"), "`expect` needs a pattern"),
        (step("expect: { any: [] }"), "needs at least one pattern"),
        (step("expect_not: {}"), "an empty pattern"),
        (step("expect_not: { regex: a, contains: b }"), "a pattern takes one of"),
        (step("expect_not: { message: first }"), "`expect_not` needs a pattern"),
        (step("expect_not: { message: last, regex: a, contains: b }"), "`expect_not` takes one of"),
        (step("expect_not: { message: 0, contains: x }"), "`message` must be"),
        (step("expect_not: { message: any, contains: x, within: 1s }"), "unknown key `within`"),
        (step("expect: { regex: a, capture: { 1: /x/ } }"), "not a valid variable name"),
        ("flow: x\nsteps:\n  - { send: hi, within: 2s }\n", "unexpected `within` beside `send`"),
        (
            "flow: x\npersona: { name: Dana, variables: { name: D } }\nsteps:\n  - send: Hi\n",
            "is a persona field already"
        ),
        ("flow: x\npersona: \" \"\nsteps:\n  - send: Hi\n", "must not be empty"),
        ("flow: x\npersonas: []\nsteps:\n  - send: Hi\n", "needs at least one persona"),
        ("flow: x\nreplies: [{ when: /x/ }]\nsteps:\n  - send: Hi\n", "is missing `say`"),
        ("flow: x\nreplies: [{ say: [] }]\nsteps:\n  - send: Hi\n", "`say` needs at least one reply"),
        ("flow: x\nsimulator: { from: \"\" }\nsteps:\n  - send: Hi\n", "must not be empty"),
        ("flow: x\ntags: { a: b }\nsteps:\n  - send: Hi\n", "`tags` must be a list of strings"),
        ("flow: x\nscenario: { goal: x }\nsteps:\n  - send: Hi\n", "unknown key `goal`"),
        ("flow: \"\"\nsteps:\n  - send: Hi\n", "must not be empty"),
        ("flow: x\ntimeout: soon\nsteps:\n  - send: Hi\n", "must be a duration"),
        (step("expect_tool: { name: a, times: 1, min: 1 }"), "`times` sets an exact count"),
        (step("expect_tool: { args: { a: b } }"), "is missing `name`"),
        (step("expect_tool: { name: a, in: everywhere }"), "`in` must be `turn`"),
        (step("expect_tool: { name: a, max: -1 }"), "`max` must be"),
        (step("expect_no_tool: { name: a, when: b }"), "unknown key `when`"),
        (step("expect_state: { in: conversation }"), "is missing `state`"),
        (step("expect_tools: { sequence: [] }"), "`sequence` needs at least one tool"),
        (step("expect_tools: { sequence: [a], ordered: maybe }"), "`ordered` must be"),
        (step("judge: []"), "needs at least one criterion"),
        (step("judge: { criteria: [a], min_score: 0.5 }"), "`min_score` applies to `each_reply`"),
        (step("judge: { each_reply: [a], min_score: 2 }"), "`min_score` must be between 0.0 and 1.0"),
        (step("judge: { critera: [a] }"), "unknown key `critera`"),
        (step("judge: [{ criterion: a, inconclusive: maybe }]"), "`inconclusive` must be `pass` or `fail`"),
        ("flow: x\njudge: { judge: j }\nsteps:\n  - send: Hi\n", "`judge` needs `criteria:`, `each_reply:` or both"),
        ("flow: x\ncases: tables/orders.yaml\nsteps:\n  - send: Hi\n", "`cases` names a table"),
        ("flow: x\ncases: { file: tables/orders.csv, sheet: 1 }\nsteps:\n  - send: Hi\n", "unknown key `sheet`"),
        ("flow: x\ncases: { name: order_id }\nsteps:\n  - send: Hi\n", "is missing `file`"),
        ("flow: x\nscenarios: []\nsteps:\n  - send: Hi\n", "needs at least one scenario"),
        ("flow: x\nscenarios: [{ objective: x }]\nsteps:\n  - send: Hi\n", "needs a `name`"),
        ("flow: x\nscenarios: { name: a }\nsteps:\n  - send: Hi\n", "a list of scenarios"),
        (
            "flow: x\nscenario: { name: a }\nscenarios: [{ name: b }]\nsteps:\n  - send: Hi\n",
            "use either `scenario` or `scenarios`"
        ),
        ("flow: x\npersonas: customers.txt\nsteps:\n  - send: Hi\n", "a list of personas"),
    ]

    static func step(_ line: String) -> String { "flow: x\nsteps:\n  - send: Hi\n  - \(line)\n" }

    @Test func flowsTheLoaderRejectsFailTheSchema() async throws {
        var cases: [SchemaValidator.Case] = []
        for (index, item) in Self.invalidFlows.enumerated() {
            let loaded = FlowLoader(environment: Self.environment).load(text: item.yaml, file: Self.flowFile)
            #expect(
                loaded.diagnostics.contains { $0.message.contains(item.loaderSays) },
                "invalid flow \(index + 1): expected `\(item.loaderSays)`, got \(loaded.diagnostics.map(\.message))")
            cases.append(
                .init(
                    schema: SchemaKind.flow.fileName, label: "invalid flow \(index + 1): \(item.yaml)",
                    document: try SchemaValidator.document(yaml: item.yaml)))
        }
        for verdict in try await SchemaValidator().validate(cases) {
            #expect(!verdict.valid, "the schema accepts \(verdict.label)")
        }
    }

    // MARK: - parley.yaml

    static let validConfigs: [String] = [
        "",
        "# only a comment\n",
        """
        coverage:
          states: [greeting, refund_offer]
          tools: [order-lookup]
          intents: [calm-frustrated-customer]
        generators:
          gpt: { model: gpt-4o-mini, api_key_env: OPENAI_API_KEY, temperature: 0.7, seed: 3, timeout: 2m }
          rules: { provider: sandbox }
        """,
        "coverage: { tools: [] }\n",
        """
        default_target: staging
        concurrency: 8
        simulator: { from: gpt }
        targets:
          staging:
            provider: amigo
            user_ids: [5a4db0c0ffee00000000a001, "${env.AMIGO_USER_ID}"]
            service_id: ${env.AMIGO_SERVICE_ID}
            service_version_set_name: release
            insecure: yes
            connect_timeout: 5s
            rate_limits: off
          limited:
            provider: amigo
            service_id: 5a4db0c0ffee00000000c0de
            rate_limits: { interact: 30, recommend: 0.5 }
          demo: { provider: sandbox, protocol: amigo, agent: examples/agents/support-desk.yaml, latency: 10ms, \
          jitter: 0, chunk_delay: 1ms }
          fast: { provider: local, latency: 0 }
        simulators:
          gpt:
            model: gpt-4o-mini
            headers: { X-Team: "${env.PARLEY_TOKEN}" }
            stream: false
            temperature: 0.7
            max_tokens: 200
            candidates: 5
            insecure: false
            connect_timeout: 3s
            system_prompt: Answer briefly.
          other: { provider: openai, model: m, api_key_env: PARLEY_TOKEN, base_url: "http://127.0.0.1:9/v1" }
          builtin: { provider: sandbox }
        rate_limits: { anything: goes }
        """,
        """
        judges:
          gpt:
            { model: gpt-4o-mini, temperature: 0, seed: 7, timeout: 30s, max_tokens: 500, api_key_env: OPENAI_API_KEY }
          local: { provider: sandbox }
          full:
            provider: openai
            base_url: http://127.0.0.1:9/v1
            model: m
            api_key: ${env.PARLEY_TOKEN}
            headers: { X-Team: qa }
            insecure: false
            connect_timeout: 2s
        default_judge: gpt
        targets:
          a:
            provider: amigo
            service_id: 5a4db0c0ffee00000000c0de
            agent_actions: "^tool-call-"
        """,
    ]

    static let invalidConfigs: [(yaml: String, loaderSays: String)] = [
        ("targts: {}\n", "unknown key `targts`"),
        ("coverage: { states: [a, a] }\n", "is listed twice in coverage.states"),
        ("coverage: { flows: [a] }\n", "unknown key `flows`"),
        ("coverage: { tools: order-lookup }\n", "a list of names"),
        ("coverage: { states: [\"\"] }\n", "must not be empty"),
        ("generators: { g: { provider: amigo } }\n", "generators are OpenAI-compatible endpoints"),
        ("generators: { g: { provider: sandbox, model: x } }\n", "unknown key `model`"),
        ("targets: { a: { latency: 1s } }\n", "is missing `provider:`"),
        ("targets: { a: sandbox }\n", "must be a mapping"),
        ("targets: { a: { provider: amigoo } }\n", "unknown provider `amigoo`"),
        (
            "targets: { s: { provider: sandbox, protocol: amelai } }\n",
            "`protocol` must be one of amigo, amelia, agenthuman"
        ),
        ("targets: { s: { provider: sandbox, latncy: 1s } }\n", "unknown key `latncy`"),
        ("targets: { s: { provider: local, latency: soon } }\n", "must be a duration"),
        (
            "targets: { a: { provider: amigo, service_id: 5a4db0c0ffee00000000c0de, user_id: x, user_ids: [y] } }\n",
            "use either `user_id` or `user_ids`"
        ),
        ("targets: { a: { provider: amigo, service_id: xyz } }\n", "`service_id` must be 24 lowercase hex"),
        ("targets: { a: { provider: amigo } }\n", "needs `service_id`"),
        ("judges: { j: { provider: amigo, model: m } }\n", "judges are OpenAI-compatible endpoints"),
        ("judges: { j: { model: m, seed: -1 } }\n", "`seed` must be between"),
        ("judges: { j: { model: m, candidates: 3 } }\n", "unknown key `candidates`"),
        ("judges: { j: { seed: 1 } }\n", "is missing `model`"),
        ("judges: { j: { provider: sandbox, model: m } }\n", "unknown key `model`"),
        (
            "targets: { a: { provider: amigo, service_id: 5a4db0c0ffee00000000c0de, rate_limits: { chat: 5 } } }\n",
            "unknown endpoint `chat`"
        ),
        (
            "targets: { a: { provider: amigo, service_id: 5a4db0c0ffee00000000c0de, rate_limits: sometimes } }\n",
            "`rate_limits` must be"
        ),
        (
            "targets: { a: { provider: amigo, service_id: 5a4db0c0ffee00000000c0de, api_key: \"${persona.name}\" } }\n",
            "only `${env.NAME}` can be used"
        ),
        (
            "targets: { a: { provider: amigo, service_id: 5a4db0c0ffee00000000c0de, insecure: maybe } }\n",
            "must be true or false"
        ),
        ("concurrency: 0\n", "`concurrency` must be between"),
        ("default_target: \"\"\n", "must not be empty"),
        ("simulator: \"\"\n", "must not be empty"),
        ("simulators: { x: { provider: amigo, model: m } }\n", "simulators are OpenAI-compatible endpoints"),
        ("simulators: { x: { base_url: \"http://x\" } }\n", "is missing `model`"),
        ("simulators: { x: { model: m, temperature: 3 } }\n", "`temperature` must be between 0.0 and 2.0"),
        ("simulators: { x: { model: m, candidates: 9 } }\n", "`candidates` must be between 1 and 8"),
        ("simulators: { x: { model: m, stram: true } }\n", "unknown key `stram`"),
    ]

    /// Everything the configuration loader and the providers report for a parley.yaml text.
    static func configDiagnostics(_ text: String) -> [Diagnostic] {
        let sink = DiagnosticSink()
        let file = SchemaValidator.repositoryRoot + "/parley.yaml"
        guard let config = ConfigLoader.load(bytes: Array(text.utf8), file: file, sink: sink) else {
            return sink.sorted
        }
        let values = ConfigValues(reader: NodeReader(sink: sink), environment: environment)
        for target in config.targets {
            _ = ProviderSpecs.parse(target, values: values)
        }
        for entry in config.simulators where entry.kind == "openai" {
            _ = OpenAISettings(entry, values: values, what: "simulator")
        }
        for entry in config.judges {
            _ = JudgeSetup.endpoint(named: entry.name, config: config, values: values)
        }
        for entry in config.generators {
            _ = SuiteGeneration.endpoint(named: entry.name, config: config, values: values)
        }
        return sink.sorted
    }

    @Test func configurationsTheLoaderAcceptsPassTheSchema() async throws {
        var cases: [SchemaValidator.Case] = []
        for (index, text) in Self.validConfigs.enumerated() {
            let diagnostics = Self.configDiagnostics(text)
            #expect(diagnostics.isEmpty, "valid config \(index + 1): \(diagnostics.map(\.description))")
            cases.append(
                .init(
                    schema: SchemaKind.parley.fileName, label: "valid config \(index + 1)",
                    document: try SchemaValidator.document(yaml: text)))
        }
        for verdict in try await SchemaValidator().validate(cases) {
            #expect(verdict.valid, "\(verdict)")
        }
    }

    @Test func configurationsTheLoaderRejectsFailTheSchema() async throws {
        var cases: [SchemaValidator.Case] = []
        for (index, item) in Self.invalidConfigs.enumerated() {
            let diagnostics = Self.configDiagnostics(item.yaml)
            #expect(
                diagnostics.contains { $0.message.contains(item.loaderSays) },
                "invalid config \(index + 1): expected `\(item.loaderSays)`, got \(diagnostics.map(\.message))")
            cases.append(
                .init(
                    schema: SchemaKind.parley.fileName, label: "invalid config \(index + 1): \(item.yaml)",
                    document: try SchemaValidator.document(yaml: item.yaml)))
        }
        for verdict in try await SchemaValidator().validate(cases) {
            #expect(!verdict.valid, "the schema accepts \(verdict.label)")
        }
    }
}
