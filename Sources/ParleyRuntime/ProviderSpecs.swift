import ParleyFlow
import ParleyProviders
import ParleyRun

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
            values.sink.error(
                "unknown provider `\(target.kind)`\(Suggestion.hint(for: target.kind, in: kinds)); use one of "
                    + "\(kinds.joined(separator: ", "))",
                at: target.node["provider"]?.location ?? target.location)
            return nil
        }
    }
}
