import ParleyAuthoring
import ParleyFlow
import ParleyProviders
import ParleyRun

/// Past conversations read from a target's platform, for `parley capture`.
public enum ConversationHistory {
    /// Why a conversation could not be read: `invalid` input (exit 2) or trouble reaching the
    /// platform (exit 3).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var invalidInput: Bool
        public var diagnostics: [Diagnostic] = []
        public var secrets: Set<String> = []
        public var description: String { message }
    }

    /// The conversation `id` on target `name` (an Amigo target), as a captured conversation.
    public static func conversation(id: String, target name: String, workspace: Workspace) async throws(Failure)
        -> CapturedConversation
    {
        guard let target = workspace.config.target(named: name) else {
            let known = workspace.config.targets.map(\.name)
            throw Failure(
                message: "unknown target `\(name)`\(Suggestion.hint(for: name, in: known)); known targets: "
                    + known.joined(separator: ", "),
                invalidInput: true)
        }
        guard target.kind == "amigo" else {
            let why =
                target.kind == "sandbox" || target.kind == "local"
                ? "the built-in sandbox starts afresh for each command and keeps no past conversations; run "
                    + "`parley sandbox` and point a `provider: amigo` target at it"
                : "Parley reads conversation histories from Amigo targets only"
            throw Failure(message: "target `\(name)` is `provider: \(target.kind)`: \(why)", invalidInput: true)
        }
        guard AmigoHistory.isConversationID(id) else {
            throw Failure(
                message: "`\(id)` is not an Amigo conversation id (24 lowercase hexadecimal characters)",
                invalidInput: true)
        }
        let sink = DiagnosticSink()
        if let file = workspace.config.file, let text = try? String(contentsOfFile: file, encoding: .utf8) {
            sink.register(file: file, text: text)
        }
        let values = ConfigValues(reader: NodeReader(sink: sink), environment: workspace.environment)
        guard let spec = AmigoProviderSpec(target, values: values) else {
            throw Failure(
                message: "target `\(name)` has errors", invalidInput: true, diagnostics: sink.sorted,
                secrets: values.secrets)
        }
        let resources = ProviderResources()
        let provider = AmigoProvider(settings: spec.settings, client: resources.http)
        let messages: [AmigoHistoryMessage]
        do {
            messages = try await AmigoHistory(provider: provider).messages(of: id)
        } catch {
            await resources.shutdown()
            throw Failure(
                message: error.message, invalidInput: error.status == 404, secrets: values.secrets)
        }
        await resources.shutdown()
        return CapturedConversation(
            messages: messages.map { (type: $0.type, interaction: $0.interactionID, text: $0.text) },
            source: "Amigo conversation \(id) on target `\(name)`", suggestedName: "captured-\(id.prefix(8))")
    }
}
