import ParleyAuthoring
import ParleyFlow
import ParleyProviders
import ParleyRun
import ParleySandbox

/// Asking a model for a test suite (`parley generate`): which model, and the call.
public enum SuiteGeneration {
    /// A generator ready to ask: its name, where it is, and the settings' secrets.
    public struct Generator: Sendable {
        public var name: String
        public var endpoint: SimulatorEndpoint
        /// True for the sandbox's deterministic model (its suites are templates, not a model's ideas).
        public var isBuiltIn: Bool {
            if case .embeddedSandbox = endpoint { return true }
            return false
        }
    }

    /// The generator `name` — an entry of `generators:`, or `sandbox` — or, when `name` is `nil`, the
    /// first entry of `generators:`, else the built-in one. Problems come back as diagnostics.
    public static func generator(named name: String?, workspace: Workspace)
        -> (generator: Generator?, diagnostics: [Diagnostic], secrets: Set<String>)
    {
        let sink = DiagnosticSink()
        if let file = workspace.config.file, let text = try? String(contentsOfFile: file, encoding: .utf8) {
            sink.register(file: file, text: text)
        }
        let values = ConfigValues(reader: NodeReader(sink: sink), environment: workspace.environment)
        let chosen = name ?? workspace.config.generators.first?.name ?? builtIn
        let endpoint = endpoint(named: chosen, config: workspace.config, values: values)
        if endpoint == nil, workspace.config.generatorSettings(named: chosen) == nil {
            let known = workspace.config.generators.map(\.name) + [builtIn]
            sink.error(
                "unknown generator `\(chosen)`\(Suggestion.hint(for: chosen, in: known)); generators: "
                    + known.joined(separator: ", "),
                at: SourceLocation(file: workspace.config.file ?? "<command line>", line: 1, column: 1))
        }
        return (endpoint.map { Generator(name: chosen, endpoint: $0) }, sink.sorted, values.secrets)
    }

    /// The endpoint of the generator `name`: an entry of `generators:` (an OpenAI-compatible model, read
    /// with a judge's settings: structured answers, `seed`, `timeout`), or the built-in `sandbox`.
    /// `nil` when it is unknown or its settings are wrong (reported to `values.sink`).
    public static func endpoint(named name: String, config: ProjectConfig, values: ConfigValues) -> SimulatorEndpoint? {
        guard let entry = config.generatorSettings(named: name) else {
            return name == builtIn ? .embeddedSandbox : nil
        }
        if entry.kind == SimulatorEndpoint.embeddedKind {
            let settings = values.reader.mapping(entry.node, for: "generator `\(name)`", keys: ["provider"])
            return settings == nil ? nil : .embeddedSandbox
        }
        return OpenAISettings(entry, values: values, what: "generator", keys: OpenAISettings.judgeKeys).map {
            .openAI($0)
        }
    }

    /// The name of the sandbox's generator, always available.
    public static let builtIn = "sandbox"

    /// Asks `generator` for a suite; returns its answer and the model that gave it.
    public static func ask(_ request: GenerationRequest, generator: Generator) async throws(ProviderError)
        -> (answer: String, model: String)
    {
        let resources = ProviderResources()
        do {
            var settings: OpenAISettings
            switch generator.endpoint {
            case .openAI(let configured):
                settings = configured
            case .embeddedSandbox:
                let server = try await resources.embeddedSandbox(SandboxConfiguration())
                settings = OpenAISettings(
                    name: generator.name, baseURL: server.baseURL + "/openai/v1",
                    apiKey: server.configuration.credentials.openAIAPIKey, model: SandboxServer.generatorModel,
                    stream: false)
            }
            settings.stream = false
            let client = OpenAIChatClient(settings: settings, client: resources.http, service: "the generator")
            let answer = try await client.structuredCompletion(
                GenerationPrompt.messages(request), schemaName: GenerationPrompt.schemaName,
                schema: GenerationPrompt.schema, seed: settings.seed ?? 0, timeout: settings.timeout ?? .seconds(300))
            await resources.shutdown()
            return (answer.text, settings.model)
        } catch {
            await resources.shutdown()
            throw error
        }
    }
}
