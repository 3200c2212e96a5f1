import ParleyFlow

/// Loads a flow from YAML text or fails the test.
public func flow(_ yaml: String, environment: [String: String] = [:]) throws -> Flow {
    let result = FlowLoader(environment: environment).load(text: yaml, file: "test.yaml")
    if result.hasErrors {
        throw FlowTextError(diagnostics: result.diagnostics.map(\.description))
    }
    guard let flow = result.flows.first else { throw FlowTextError(diagnostics: ["no flow"]) }
    return flow
}

public struct FlowTextError: Error, CustomStringConvertible {
    public var diagnostics: [String]
    public var description: String { diagnostics.joined(separator: "\n") }
}
