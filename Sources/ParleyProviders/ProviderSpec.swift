import ParleyCore

/// A target's checked configuration: what it can do, known before anything connects.
///
/// Validation reads specs only, so `parley validate` never touches the network; a run turns specs
/// into live providers with ``makeProvider(resources:)``.
public protocol ProviderSpec: Sendable {
    var targetName: String { get }
    var kind: String { get }
    var capabilities: ProviderCapabilities { get }
    /// Things the user should see on every run (e.g. TLS verification turned off).
    var warnings: [String] { get }
    func makeProvider(resources: ProviderResources) async throws(ProviderError) -> any ConversationProvider
}

extension ProviderSpec {
    public var warnings: [String] { [] }

    /// The warning printed on every run of a target with `insecure: true`.
    func insecureWarnings(verifyTLS: Bool) -> [String] {
        verifyTLS ? [] : ["target `\(targetName)`: TLS certificate verification is OFF (insecure: true)"]
    }
}

/// Reads target settings into specs, one provider kind each.
public enum ProviderSpecs {
    /// Provider kinds a target can name.
    public static let kinds = ["local", "sandbox", "amigo", "amelia", "agenthuman", "http", "openai"]

    /// Checks a target's settings; problems go to `values.sink` and yield `nil`.
    public static func parse(_ target: TargetConfig, values: ConfigValues) -> (any ProviderSpec)? {
        switch target.kind {
        case "local": return LocalProviderSpec(target, values: values)
        case "amigo": return AmigoProviderSpec(target, values: values)
        case "amelia": return AmeliaProviderSpec(target, values: values)
        case "agenthuman": return AgentHumanProviderSpec(target, values: values)
        case "sandbox": return SandboxProviderSpec(target, values: values)
        case "http": return HTTPProviderSpec(target, values: values)
        case "openai": return OpenAIProviderSpec(target, values: values)
        default:
            values.sink.error("unknown provider `\(target.kind)`\(Suggestion.hint(for: target.kind, in: kinds)); use one of \(kinds.joined(separator: ", "))",
                              at: target.node["provider"]?.location ?? target.location)
            return nil
        }
    }
}
