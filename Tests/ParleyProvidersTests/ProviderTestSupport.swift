import Foundation
import Testing
import ParleyFlow
import ParleyHTTP
import ParleyJSON
@testable import ParleyProviders
import ParleyResults
@testable import ParleyRuntime
@testable import ParleyRun
import ParleySandbox

/// The three wire protocols the sandbox speaks, with what each test needs to know about them.
enum Wire: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case amigo, amelia, agenthuman

    var testDescription: String { rawValue }

    /// A `parley.yaml` target reaching a sandbox at `baseURL`, credentials replaced where given.
    func target(_ baseURL: String, secret: String? = nil, extra: String = "") -> String {
        let credentials = SandboxCredentials.default
        switch self {
        case .amigo:
            return """
                targets:
                  t:
                    provider: amigo
                    base_url: \(baseURL)
                    organization: \(credentials.amigoOrganization)
                    api_key: \(secret ?? credentials.amigoAPIKey)
                    api_key_id: \(credentials.amigoAPIKeyID)
                    user_id: \(credentials.amigoUserID)
                    service_id: \(credentials.amigoServiceID)
                \(extra)
                """
        case .amelia:
            return """
                targets:
                  t:
                    provider: amelia
                    base_url: \(baseURL)
                    domain: \(credentials.ameliaDomain)
                    username: \(credentials.ameliaUsername)
                    password: \(secret ?? credentials.ameliaPassword)
                    poll_interval: 20ms
                \(extra)
                """
        case .agenthuman:
            return """
                targets:
                  t:
                    provider: agenthuman
                    base_url: \(baseURL)
                    api_key: \(secret ?? credentials.agentHumanAPIKey)
                    agent_id: \(credentials.agentHumanAgentID)
                \(extra)
                """
        }
    }

    /// Endpoints that carry a user message (Amigo's first message rides on the create call).
    var messageEndpoints: [SandboxEndpoint] {
        switch self {
        case .amigo: [.amigoCreateConversation, .amigoInteract]
        case .amelia: [.ameliaSend]
        case .agenthuman: [.agentHumanMessage]
        }
    }

    /// A fault hitting, once, the answer that carries the agent's reply to the first user message:
    /// Amigo's create stream, Amelia's second poll (the first one collects the greeting), the
    /// AgentHuman message answer.
    func faultOnFirstReply(_ kind: SandboxFault.Kind) -> SandboxFault {
        switch self {
        case .amigo: SandboxFault(kind, endpoint: .amigoCreateConversation, limit: 1)
        case .amelia: SandboxFault(kind, endpoint: .ameliaPoll, every: 2, limit: 1)
        case .agenthuman: SandboxFault(kind, endpoint: .agentHumanMessage, limit: 1)
        }
    }
}

/// A user-first refund conversation of three messages that every protocol can run.
let refundFlow = """
    flow: refund
    turn_timeout: 30s
    steps:
      - send: Hi, my blender arrived cracked.
      - expect: /order number/i
      - send: It's ORD-1042.
      - expect: { any: [/refund/i, /replace/i], capture: { ticket: /ticket (T-\\d+)/ } }
      - send: Yes, please refund it.
      - expect: "refund has been issued under ticket ${ticket}"
      - end
    """

/// Starts a sandbox on a free loopback port, runs `body`, and stops the sandbox whatever happens.
func withSandbox(
    _ configuration: SandboxConfiguration = SandboxConfiguration(),
    _ body: (SandboxServer) async throws -> Void
) async throws {
    let server = try await SandboxServer.start(configuration)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// A conversation of `wire` against a sandbox with `faults`, opened with a first user message, for
/// `body`; given back, and the provider's resources shut down, whatever happens.
func withOpenedConversation(
    _ wire: Wire, faults: [SandboxFault], _ body: (SandboxServer, any AgentConversation) async throws -> Void
) async throws {
    try await withSandbox(SandboxConfiguration(faults: faults)) { server in
        let resources = ProviderResources()
        do {
            let provider = try await makeProvider(wire.target(server.baseURL), resources: resources)
            let conversation = try await provider.makeConversation(ConversationContext(flowName: "deadline"))
            _ = try await conversation.start(.userMessage("Where is my order?"))
            do {
                try await body(server, conversation)
            } catch {
                await conversation.release()
                throw error
            }
            await conversation.release()
        } catch {
            await resources.shutdown()
            throw error
        }
        await resources.shutdown()
    }
}

/// How a call run under a deadline it keeps itself (`Deadline.kept`) ended: what it returned, or
/// "timed out", "cancelled" or the provider's error message.
func keptOutcome(
    limit: Duration, _ operation: nonisolated(nonsending) @Sendable () async throws(ProviderError) -> String
) async -> String {
    do throws(Deadline.Failure) {
        return try await Deadline.kept(limit: limit, operation).value
    } catch {
        switch error {
        case .timedOut: return "timed out"
        case .provider(let error): return error.message
        case .cancelled: return "cancelled"
        }
    }
}

/// Sends a message under a deadline of 300 ms that the conversation keeps itself, where the agent
/// (or a pause before asking it again) takes seconds: the call must end at its deadline.
func expectMessageEndsAtItsKeptDeadline(_ conversation: any AgentConversation) async {
    #expect(conversation.keepsCallDeadline)
    let started = ContinuousClock.now
    let outcome = await keptOutcome(limit: .milliseconds(300)) { () throws(ProviderError) in
        try await conversation.send("ORD-1042").text
    }
    #expect(outcome == "timed out")
    let took = ContinuousClock.now - started
    #expect(took >= .milliseconds(300))
    #expect(took < .seconds(6), "the call ended at its deadline, not when the agent answered (\(took))")
}

/// The sandbox's AgentHuman sessions (`GET /api/v1/sessions`), as the raw body any client would read.
func agentHumanSessions(_ server: SandboxServer, query: String = "") async throws -> String {
    let client = HTTPClient()
    defer { client.shutdown() }
    var request = HTTPRequest(method: .get, url: server.baseURL + "/api/v1/sessions" + query)
    request.headers.add(name: "x-api-key", value: SandboxCredentials.default.agentHumanAPIKey)
    return String(decoding: try await client.execute(request).body, as: UTF8.self)
}

/// A target's checked spec, with the diagnostics and secrets reading it produced.
struct ParsedTarget {
    var spec: (any ProviderSpec)?
    var diagnostics: [Diagnostic]
    var secrets: Set<String>

    var errors: [String] { diagnostics.filter { $0.severity == .error }.map(\.message) }
}

/// Reads the first target of a `parley.yaml` text the way a run does.
func parseTarget(_ yaml: String, environment: [String: String] = [:]) -> ParsedTarget {
    let sink = DiagnosticSink()
    guard let config = ConfigLoader.load(bytes: Array(yaml.utf8), file: "parley.yaml", sink: sink),
        let target = config.targets.first
    else {
        return ParsedTarget(spec: nil, diagnostics: sink.sorted, secrets: [])
    }
    let values = ConfigValues(reader: NodeReader(sink: sink), environment: environment)
    let spec = ProviderSpecs.parse(target, values: values)
    return ParsedTarget(spec: spec, diagnostics: sink.sorted, secrets: values.secrets)
}

/// A live provider for a target written in YAML, sharing `resources` (shut down by the caller).
func makeProvider(_ yaml: String, resources: ProviderResources, environment: [String: String] = [:]) async throws
    -> any ConversationProvider
{
    let parsed = parseTarget(yaml, environment: environment)
    let spec = try #require(parsed.spec, "the target does not parse: \(parsed.errors)")
    return try await spec.makeProvider(resources: resources)
}

/// Loads a flow from text.
func loadFlow(_ text: String) throws -> Flow {
    let loaded = FlowLoader(environment: [:]).load(text: text, file: "flow.yaml")
    #expect(!loaded.hasErrors, "\(loaded.diagnostics.map(\.message))")
    return try #require(loaded.flows.first)
}

/// Runs a flow against a provider with the real interpreter.
func run(_ flowText: String, on provider: any ConversationProvider) async throws -> FlowRunResult {
    await run(try loadFlow(flowText), on: provider)
}

/// Runs a loaded flow (as its first persona) against a provider with the real interpreter.
func run(
    _ flow: Flow, on provider: any ConversationProvider, environment: [String: String] = [:],
    simulator: (any UserSimulator)? = nil
) async -> FlowRunResult {
    await FlowInterpreter(provider: provider, simulator: simulator, environment: environment)
        .run(FlowRunRequest(flow: flow, persona: flow.personas.first, targetName: "t"))
}

/// Runs a flow against a target written in YAML, with its own HTTP client.
func run(_ flowText: String, target yaml: String, environment: [String: String] = [:]) async throws -> FlowRunResult {
    try await run(try loadFlow(flowText), target: yaml, environment: environment)
}

/// Runs a loaded flow against a target written in YAML, with its own HTTP client.
func run(
    _ flow: Flow, target yaml: String, environment: [String: String] = [:],
    simulator: (any UserSimulator)? = nil
) async throws -> FlowRunResult {
    let resources = ProviderResources()
    do {
        let provider = try await makeProvider(yaml, resources: resources, environment: environment)
        let result = await run(flow, on: provider, environment: environment, simulator: simulator)
        await resources.shutdown()
        return result
    } catch {
        await resources.shutdown()
        throw error
    }
}

extension FlowRunResult {
    /// The transcript as it is written to disk.
    var transcriptJSON: String {
        json.serialized
    }

    /// The conversation id every agent turn reported.
    var conversationIDs: Set<String> {
        Set(turns.filter { $0.role == .agent }.compactMap { $0.ids?["conversation_id"] })
    }

    /// Every provider event of the run, in order.
    var events: [ProviderEvent] { turns.flatMap { $0.events ?? [] } }

    /// A one-line account for assertion messages.
    var summary: String {
        "\(self.outcome): \(self.failure?.message ?? "-") [\(self.failure?.errorKind?.rawValue ?? "-")]"
    }
}

extension SandboxStats {
    /// Requests to any of `endpoints`.
    func requests(_ endpoints: [SandboxEndpoint]) -> Int { endpoints.reduce(0) { $0 + requests($1) } }
}

/// The same helpers in the form the declarative-provider tests use: throwing with the diagnostics
/// instead of recording expectations.
enum ProviderTestSupport {
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// The diagnostics a configuration gets (every target), as `file:line:column: error: message`.
    static func diagnostics(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        let sink = DiagnosticSink()
        guard let config = ConfigLoader.load(bytes: Array(yaml.utf8), file: "parley.yaml", sink: sink) else {
            return sink.sorted.map(\.description)
        }
        let values = ConfigValues(reader: NodeReader(sink: sink), environment: environment)
        for target in config.targets { _ = ProviderSpecs.parse(target, values: values) }
        return sink.sorted.map(\.description)
    }

    /// The first target of a configuration, checked; throws with the diagnostics when it is invalid.
    static func spec(_ yaml: String, environment: [String: String] = [:]) throws -> (
        spec: any ProviderSpec, secrets: Set<String>
    ) {
        let parsed = parseTarget(yaml, environment: environment)
        guard let spec = parsed.spec, parsed.errors.isEmpty else {
            throw Problem(description: parsed.diagnostics.map(\.description).joined(separator: "\n"))
        }
        return (spec, parsed.secrets)
    }

    static func flow(_ text: String, environment: [String: String] = [:]) throws -> Flow {
        let result = FlowLoader(environment: environment).load(text: text, file: "flow.yaml")
        guard let flow = result.flows.first, !result.hasErrors else {
            throw Problem(description: result.diagnostics.map(\.description).joined(separator: "\n"))
        }
        return flow
    }

    /// Runs a flow against the configuration's first target, over real HTTP.
    static func run(
        _ flow: Flow, target yaml: String, environment: [String: String] = [:],
        simulator: (any UserSimulator)? = nil
    ) async throws -> FlowRunResult {
        _ = try spec(yaml, environment: environment)
        return try await ParleyProvidersTests.run(flow, target: yaml, environment: environment, simulator: simulator)
    }
}
