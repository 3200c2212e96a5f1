import Foundation

/// `parley.yaml`: the targets flows run against, the default simulator, run defaults.
public struct ProjectConfig: Sendable {
    /// The file it came from; `nil` for the built-in default.
    public var file: String?
    public var defaultTarget: String?
    /// Targets in written order.
    public var targets: [TargetConfig]
    /// The simulator `recommend` and `simulate` use unless a flow names one.
    public var simulator: SimulatorChoice
    /// Named OpenAI-compatible simulator endpoints (`simulators:`), settings as written.
    public var simulators: [NamedSettings]
    /// Named OpenAI-compatible judge models (`judges:`), settings as written.
    public var judges: [NamedSettings] = []
    /// The judge `judge:` uses unless it names one (`default_judge:`).
    public var defaultJudge: String?
    /// Named OpenAI-compatible models that write flows for `parley generate` (`generators:`).
    public var generators: [NamedSettings] = []
    public var concurrency: Int?
    /// `coverage:`: the agent's states, tools and intents, for `parley coverage`.
    public var coverage: CoverageInventory?
    /// Settings for the run itself (rate limits, retries) as written, read by the layers that use them.
    public var rateLimits: YAMLNode?
    /// Values that came from the environment into credentials; redacted from every output.
    public var secrets: Set<String>
    /// What models' tokens cost (`pricing:`).
    public var pricing = Pricing()
    /// Limits on a run's spending (`budget:`); `nil` for none.
    public var budget: Budget?
    /// Where runs are recorded (`history:`).
    public var history = HistorySettings()

    public init(
        file: String? = nil, defaultTarget: String? = nil, targets: [TargetConfig] = [],
        simulator: SimulatorChoice = .target,
        simulators: [NamedSettings] = [], concurrency: Int? = nil, rateLimits: YAMLNode? = nil,
        secrets: Set<String> = []
    ) {
        self.file = file
        self.defaultTarget = defaultTarget
        self.targets = targets
        self.simulator = simulator
        self.simulators = simulators
        self.concurrency = concurrency
        self.rateLimits = rateLimits
        self.secrets = secrets
    }

    public func target(named name: String) -> TargetConfig? { targets.first { $0.name == name } }
    public func simulatorSettings(named name: String) -> NamedSettings? { simulators.first { $0.name == name } }
    public func judgeSettings(named name: String) -> NamedSettings? { judges.first { $0.name == name } }
    public func generatorSettings(named name: String) -> NamedSettings? { generators.first { $0.name == name } }

    /// The name of the rule-based judge model the built-in sandbox serves; always available.
    public static let builtInJudge = "sandbox"

}

/// One entry of `targets:` (or `simulators:`): a name, a kind, and settings the provider reads itself.
public struct NamedSettings: Sendable {
    public var name: String
    /// For targets, the `provider:` kind (`amigo`, `amelia`, ...); for simulators, `openai`.
    public var kind: String
    /// The whole mapping as written, `${env.X}` still unresolved (see ``ConfigValues``).
    public var node: YAMLNode
    public var location: SourceLocation

    public init(name: String, kind: String, node: YAMLNode, location: SourceLocation) {
        self.name = name
        self.kind = kind
        self.node = node
        self.location = location
    }
}

public typealias TargetConfig = NamedSettings
