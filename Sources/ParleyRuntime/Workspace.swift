import Foundation
import ParleyFlow

/// The project a command works in: its configuration and the environment `${env.X}` reads.
public struct Workspace: Sendable {
    public var config: ProjectConfig
    /// Process environment plus `.env` (the process wins).
    public var environment: [String: String]

    /// The target used when neither the command line, the flow nor the config names one: the
    /// sandbox started in-process and reached over real HTTP.
    public static let embeddedTargetName = "sandbox"

    public init(config: ProjectConfig, environment: [String: String]) {
        self.config = config
        self.environment = environment
    }

    /// Loads `configPath` (or `parley.yaml` in `directory`, if any) and `.env` beside it.
    public static func load(
        configPath: String?, directory: String = ".",
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) -> (Workspace?, [Diagnostic]) {
        let sink = DiagnosticSink()
        let path = configPath ?? ConfigLoader.find(in: directory)
        let configDirectory = path.map { ($0 as NSString).deletingLastPathComponent } ?? directory
        let dotEnv = ((configDirectory.isEmpty ? "." : configDirectory) as NSString).appendingPathComponent(".env")
        let environment = DotEnv.environment(process: processEnvironment, dotEnvPath: dotEnv)
        guard let path else {
            return (Workspace(config: embeddedConfig(), environment: environment), [])
        }
        if configPath != nil, !FileManager.default.fileExists(atPath: path) {
            sink.error("no such configuration file", at: SourceLocation(file: path, line: 1, column: 1))
            return (nil, sink.sorted)
        }
        guard var config = ConfigLoader.load(path: path, sink: sink) else { return (nil, sink.sorted) }
        if let node = config.history.urlNode {
            // The URL may carry a password from the environment: resolved here, and kept secret.
            let values = ConfigValues(reader: NodeReader(sink: sink), environment: environment)
            guard let url = values.resolve(node, for: "url", secret: true) else { return (nil, sink.sorted) }
            config.history.url = url
            config.secrets.formUnion(values.secrets)
            if let password = HistoryURLPassword.password(in: url) { config.secrets.insert(password) }
        }
        if config.target(named: embeddedTargetName) == nil {
            config.targets.append(embeddedConfig().targets[0])
        }
        return (Workspace(config: config, environment: environment), sink.sorted)
    }

    /// The configuration used when there is no `parley.yaml`: the target `sandbox`, the simulator
    /// `openai` and the default judge `sandbox`, all served by the in-process sandbox.
    public static func embeddedConfig() -> ProjectConfig {
        let location = SourceLocation(file: "<built-in>", line: 1, column: 1)
        func settings(_ name: String, kind: String) -> NamedSettings {
            let node = YAMLNode(
                mapping: [
                    YAMLPair(
                        key: YAMLNode(scalar: YAMLScalar(value: "provider"), at: location),
                        value: YAMLNode(scalar: YAMLScalar(value: kind), at: location))
                ], at: location)
            return NamedSettings(name: name, kind: kind, node: node, location: location)
        }
        var config = ProjectConfig(
            defaultTarget: embeddedTargetName,
            targets: [settings(embeddedTargetName, kind: embeddedProviderKind)],
            simulators: [settings("openai", kind: SimulatorEndpoint.embeddedKind)])
        config.judges = [settings(ProjectConfig.builtInJudge, kind: SimulatorEndpoint.embeddedKind)]
        config.defaultJudge = ProjectConfig.builtInJudge
        return config
    }

    /// What the built-in target runs on.
    static let embeddedProviderKind = "sandbox"

    /// The target a flow runs against: the command line's, else the flow's, else the config's default.
    public func targetName(for flow: Flow, override: String?) -> String {
        override ?? flow.target ?? config.defaultTarget ?? Self.embeddedTargetName
    }
}
