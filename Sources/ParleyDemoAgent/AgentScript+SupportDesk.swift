import ParleyFlow

extension AgentScript {
    /// The text of `examples/agents/support-desk.yaml`, the demo agent used when no script is given,
    /// built into the binary as a package resource.
    public static let supportDeskText = String(decoding: PackageResources.support_desk_yaml, as: UTF8.self)

    /// The built-in support desk of Juniper & Pine, a fictional home-goods shop.
    public static let supportDesk: AgentScript = {
        let sink = DiagnosticSink()
        guard
            let script = AgentScript.parse(text: supportDeskText, file: "examples/agents/support-desk.yaml", sink: sink)
        else {
            // The text is fixed at build time and a test parses it, so this cannot happen in a release.
            preconditionFailure("the built-in support-desk script is invalid: \(sink.sorted)")
        }
        return script
    }()
}
