import ParleyFlow
/// Checks, before anything runs, that a flow only asks its target for what the target can do.
public enum FlowCompatibility {
    /// What the flow needs that the target (or the simulator) cannot provide, located at the steps.
    ///
    /// - Parameter simulatorProblem: why the flow's simulator is unusable for it, if it is (checked by
    ///   the caller, which knows the configured targets and endpoints).
    public static func problems(
        in flow: Flow, target: String, providerKind: String, capabilities: ProviderCapabilities,
        simulatorProblem: String?
    ) -> [Diagnostic] {
        var found: [Diagnostic] = []
        // Made only for a message: nearly every flow has nothing to report.
        var name: String { "target `\(target)` (\(providerKind))" }
        if let first = flow.steps.first(where: { $0.kind != .set && $0.kind != .wait }) {
            switch flow.opening {
            case .agentFirst where !capabilities.contains(.agentFirst):
                found.append(
                    Diagnostic(
                        .error, at: first.location,
                        "\(name) cannot let the agent speak first; start the flow with `send`"))
            case .userFirst where !capabilities.contains(.userFirst):
                found.append(
                    Diagnostic(.error, at: first.location, "\(name) cannot open a conversation with a user message"))
            case .eventFirst where !capabilities.contains(.externalEvents):
                found.append(
                    Diagnostic(
                        .error, at: first.location,
                        "\(name) has no external events, so a flow cannot start with `event`"))
            default:
                break
            }
        }
        var simulatorReported = false
        for (index, step) in flow.steps.enumerated() {
            let needed: (ProviderCapabilities, String)?
            switch step.kind {
            case .event where index > 0 || flow.opening != .eventFirst: needed = (.externalEvents, "external events")
            case .tag: needed = (.tags, "conversation tags")
            case .insights: needed = (.insights, "insights (the agent's state)")
            case .expectTool, .expectNoTool, .expectTools: needed = (.actions, "the agent's tool calls")
            case .expectState: needed = (.states, "the agent's state transitions")
            default: needed = nil
            }
            if let (capability, what) = needed, !capabilities.contains(capability) {
                found.append(
                    Diagnostic(.error, at: step.location, "`\(step.kind.rawValue)` needs \(what), and \(name) has none")
                )
            }
            if step.kind == .recommend || step.kind == .simulate, let simulatorProblem, !simulatorReported {
                found.append(Diagnostic(.error, at: step.location, simulatorProblem))
                simulatorReported = true
            }
        }
        return found
    }

    /// Whether the flow has steps that need a simulator.
    public static func needsSimulator(_ flow: Flow) -> Bool {
        flow.steps.contains { $0.kind == .recommend || $0.kind == .simulate }
    }

    /// Why the `script` simulator cannot serve `flow`, if it cannot.
    public static func scriptProblem(_ flow: Flow) -> String? {
        guard flow.replies.isEmpty else { return nil }
        if flow.personas.isEmpty {
            return "the `script` simulator needs `replies:` in the flow or its persona; this flow has neither"
        }
        let lacking = flow.personas.filter { $0.replies.isEmpty }.map { "`\($0.name)`" }
        return lacking.isEmpty
            ? nil
            : "the `script` simulator needs `replies:` in the flow or in persona \(lacking.joined(separator: ", "))"
    }
}
