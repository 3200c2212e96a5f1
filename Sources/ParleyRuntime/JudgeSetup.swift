import ParleyFlow
import ParleyProviders
import ParleyRun

/// Reads judges from parley.yaml: shared by run plans and `parley rejudge`/`parley judge calibrate`.
public enum JudgeSetup {
    /// The endpoint of the judge `name`: an entry of `judges:`, or the built-in `sandbox` judge.
    /// `nil` when it is unknown or its settings are wrong (reported to `values.sink`).
    public static func endpoint(named name: String, config: ProjectConfig, values: ConfigValues) -> SimulatorEndpoint? {
        if let entry = config.judgeSettings(named: name) {
            if entry.kind == SimulatorEndpoint.embeddedKind {
                let settings = values.reader.mapping(entry.node, for: "judge `\(name)`", keys: ["provider"])
                return settings == nil ? nil : .embeddedSandbox
            }
            return OpenAISettings(entry, values: values, what: "judge", keys: OpenAISettings.judgeKeys).map {
                .openAI($0)
            }
        }
        return name == ProjectConfig.builtInJudge ? .embeddedSandbox : nil
    }

    /// Judges by name for a command that grades without a run plan; problems (an unknown name, bad
    /// settings) come back as diagnostics, and the credentials read as secrets to redact.
    public static func endpoints(named names: Set<String>, workspace: Workspace)
        -> (endpoints: [String: SimulatorEndpoint], diagnostics: [Diagnostic], secrets: Set<String>)
    {
        let sink = DiagnosticSink()
        if let file = workspace.config.file, let text = try? String(contentsOfFile: file, encoding: .utf8) {
            sink.register(file: file, text: text)
        }
        let values = ConfigValues(reader: NodeReader(sink: sink), environment: workspace.environment)
        var endpoints: [String: SimulatorEndpoint] = [:]
        for name in names.sorted() {
            if let endpoint = endpoint(named: name, config: workspace.config, values: values) {
                endpoints[name] = endpoint
            } else if workspace.config.judgeSettings(named: name) == nil {
                let known = workspace.config.judges.map(\.name) + [ProjectConfig.builtInJudge]
                sink.error(
                    "unknown judge `\(name)`\(Suggestion.hint(for: name, in: known)); judges: "
                        + known.joined(separator: ", "),
                    at: SourceLocation(file: workspace.config.file ?? "<command line>", line: 1, column: 1))
            }
        }
        return (endpoints, sink.sorted, values.secrets)
    }
}
