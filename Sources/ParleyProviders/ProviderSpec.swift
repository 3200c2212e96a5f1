import ParleyFlow
import ParleyJSON
import ParleyRun

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
