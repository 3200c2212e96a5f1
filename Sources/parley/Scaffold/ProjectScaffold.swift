/// What `parley init` writes into a new project: a `parley.yaml`, a first flow that passes against
/// the built-in sandbox, and the editor schemas both point at.
///
/// The command only writes these files and prints what it did; the content lives here so that tests
/// can check it against the loader and the schemas without running the binary.
public enum ProjectScaffold {
    /// One file to write, at a path relative to the project folder.
    public struct File: Sendable, Hashable {
        public var path: String
        public var contents: String

        public init(path: String, contents: String) {
            self.path = path
            self.contents = contents
        }
    }

    /// Where the schemas go, relative to the project folder (the same layout as Parley's repository,
    /// so modelines read the same in both).
    public static let schemaFolder = "schema"
    /// Where the project configuration goes.
    public static let configPath = "parley.yaml"
    /// Where the first flow goes.
    public static let flowPath = "flows/hello.yaml"

    /// Every file, configuration and flow first.
    public static var files: [File] {
        [File(path: configPath, contents: config()), File(path: flowPath, contents: helloFlow)]
            + EditorSchema.all.map { File(path: schemaFolder + "/" + $0.fileName, contents: $0.text) }
    }

    /// An example target for each provider, as YAML under `targets:` (two-space indented).
    ///
    /// Written commented out; the names of environment variables are the ones each provider's
    /// documentation and SDKs use.
    static let exampleTargets: [(comment: String, yaml: String)] = [
        (
            "Amigo. Unset credentials are read from AMIGO_ORGANIZATION_ID, AMIGO_API_KEY,\nAMIGO_API_KEY_ID and "
                + "AMIGO_USER_ID.",
            """
            staging:
              provider: amigo
              base_url: https://api.amigo.ai
              organization: ${env.AMIGO_ORGANIZATION_ID}
              api_key: ${env.AMIGO_API_KEY}
              api_key_id: ${env.AMIGO_API_KEY_ID}
              user_id: ${env.AMIGO_USER_ID}
              service_id: 0123456789abcdef01234567     # your service's id: 24 hex characters
            """
        ),
        (
            "Amelia's REST gateway.",
            """
            support-desk:
              provider: amelia
              base_url: https://amelia.example.com
              domain: support
              username: ${env.AMELIA_USERNAME}
              password: ${env.AMELIA_PASSWORD}
            """
        ),
        (
            "AgentHuman's session API.",
            """
            avatar-chat:
              provider: agenthuman
              base_url: https://api.agenthuman.com
              api_key: ${env.AGENTHUMAN_API_KEY}
              agent_id: 123
              session_type: agent_chat
            """
        ),
        (
            "Any agent that speaks JSON over HTTP, described here (docs/http-provider.md).",
            """
            my-agent:
              provider: http
              base_url: https://agent.example.com
              headers: { Authorization: "Bearer ${env.AGENT_TOKEN}" }
              start:
                request: { method: POST, path: /conversations }
                extract: { conversation_id: $.id }
              send:
                request: { method: POST, path: "/conversations/${conversation_id}/messages", json: { text: \
                "${message}" } }
                reply: { json: { text: "$.reply.text" } }
              end: { request: { method: DELETE, path: "/conversations/${conversation_id}" } }
            """
        ),
        (
            "An OpenAI-compatible chat-completions endpoint as the agent.",
            """
            chat-model:
              provider: openai
              base_url: https://api.openai.com/v1
              model: gpt-4o-mini
              api_key: ${env.OPENAI_API_KEY}
            """
        ),
    ]

    /// An example simulator, as YAML under `simulators:`.
    static let exampleSimulator = """
        gpt:
          provider: openai
          base_url: https://api.openai.com/v1
          model: gpt-4o-mini
          api_key: ${env.OPENAI_API_KEY}
          candidates: 3
        """

    /// An example judge, as YAML under `judges:`.
    static let exampleJudge = """
        gpt-judge:
          provider: openai
          base_url: https://api.openai.com/v1
          model: gpt-4o-mini
          api_key: ${env.OPENAI_API_KEY}
          temperature: 0
          seed: 7
        """

    /// The `parley.yaml` text. With `examplesEnabled` the commented-out examples are written as live
    /// settings, which is how tests check that every example is correct.
    public static func config(examplesEnabled: Bool = false) -> String {
        func block(_ yaml: String, indent: String) -> String {
            yaml.split(separator: "\n", omittingEmptySubsequences: false)
                .map { examplesEnabled ? indent + $0 : indent + "# " + $0 }
                .joined(separator: "\n")
        }
        func comment(_ text: String, indent: String) -> String {
            text.split(separator: "\n").map { indent + "# " + $0 }.joined(separator: "\n")
        }
        var text = """
            \(EditorSchema.modeline("parley.schema.json", in: schemaFolder))
            #
            # Parley's project configuration: the agents flows run against (targets) and who writes the
            # simulated user's turns (simulators). `parley validate` checks it. Secrets come from the
            # environment: write ${env.NAME}, never the secret itself; a .env file beside this one is read too.

            # The target flows run against unless `parley run --target NAME` or the flow names another.
            default_target: sandbox

            targets:
              # The built-in demo agent (the support desk of Juniper & Pine, a made-up shop), started
              # inside parley and reached over real HTTP. Needs no credentials.
              sandbox:
                provider: sandbox

            """
        for example in exampleTargets {
            text += "\n" + comment(example.comment, indent: "  ") + "\n" + block(example.yaml, indent: "  ") + "\n"
        }
        text += """

            # Who writes the simulated user's turns in `recommend` and `simulate` steps: `target` (the
            # target's own recommend-responses endpoint: the sandbox and Amigo have one), `script` (the
            # `replies:` written in flows and personas), or a name under `simulators:`.
            simulator: target

            # OpenAI-compatible endpoints that can write the simulated user's turns.
            \(examplesEnabled ? "" : "# ")simulators:
            \(block(exampleSimulator, indent: "  "))

            # Models that grade conversations on criteria (`judge:` in flows). Without `judges:` the
            # built-in rule-based judge `sandbox` grades, and every run says so.
            \(examplesEnabled ? "" : "# ")judges:
            \(block(exampleJudge, indent: "  "))
            \(examplesEnabled ? "" : "# ")default_judge: gpt-judge

            # How many flow runs go on at once (`parley run --concurrency N` overrides it).
            \(examplesEnabled ? "" : "# ")concurrency: 4

            """
        return text
    }

    /// `flows/hello.yaml`: a short conversation with the sandbox's demo agent.
    public static let helloFlow = """
        \(EditorSchema.modeline("flow.schema.json", in: "../" + schemaFolder))
        #
        # A first flow. Run it with `parley run`; it talks to the built-in sandbox's demo agent. Point
        # `default_target` in parley.yaml at your own agent and write the steps it should pass.
        # Each `expect` checks the agent's latest reply: /regex/flags, or text it must contain.
        flow: hello
        description: The agent greets the customer, asks for the order number and reports the order's status.
        tags: [smoke]
        persona:
          name: Sam Lee
          variables: { order_id: ORD-2077 }
        steps:
          - expect: /how can I help/i                  # nothing sent yet: the agent speaks first
          - send: Where is my order?
          - expect: /order number/i
          - send: It's ${persona.order_id}.
          - expect: "status of order ${persona.order_id}"
          - send: No, that's all. Bye!
          - expect: /goodbye/i
          - end

        """
}
