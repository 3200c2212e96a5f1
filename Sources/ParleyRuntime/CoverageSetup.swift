import ParleyDemoAgent
import ParleyFlow

/// The inventory coverage is measured against: `coverage:` in parley.yaml, else — for runs against
/// the sandbox or `local` targets — their agent script's states, tools and dynamic behaviours.
public enum CoverageSetup {
    /// The inventory for a run against `targets`; `nil` when nothing declares one (coverage then lists
    /// only what the agent did).
    public static func inventory(workspace: Workspace, targets: [String]) -> CoverageInventory? {
        if let declared = workspace.config.coverage { return declared }
        var result: CoverageInventory?
        let values = ConfigValues(reader: NodeReader(sink: DiagnosticSink()), environment: workspace.environment)
        for name in targets {
            guard let target = workspace.config.target(named: name) else { continue }
            let script: AgentScript?
            switch ProviderSpecs.parse(target, values: values) {
            case let spec as SandboxProviderSpec: script = spec.script
            case let spec as LocalProviderSpec: script = spec.script
            default: script = nil
            }
            guard let script else { continue }
            let found = script.coverageInventory(source: "the agent script of target `\(name)`")
            result = result.map { $0.merged(with: found) } ?? found
        }
        return result
    }
}

extension AgentScript {
    /// The script's states (in written order), the tools its states call, and its dynamic behaviours.
    func coverageInventory(source: String) -> CoverageInventory {
        var tools: [String] = []
        for name in stateOrder {
            if let tool = states[name]?.tool?.id, !tools.contains(tool) { tools.append(tool) }
        }
        return CoverageInventory(states: stateOrder, tools: tools, intents: behaviors.map(\.name), source: source)
    }
}
