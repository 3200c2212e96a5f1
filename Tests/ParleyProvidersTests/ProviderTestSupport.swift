import Foundation
import Testing
import ParleyCore
import ParleySandbox
@testable import ParleyProviders

/// Targets read from parley.yaml text and flows run against them, the way `parley run` does.
enum ProviderTestSupport {
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// The diagnostics a configuration gets, as `file:line:column: error: message`.
    static func diagnostics(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        let sink = DiagnosticSink()
        guard let config = ConfigLoader.load(bytes: Array(yaml.utf8), file: "parley.yaml", sink: sink) else {
            return sink.sorted.map(\.description)
        }
        let values = ConfigValues(reader: NodeReader(sink: sink), environment: environment)
        for target in config.targets { _ = ProviderSpecs.parse(target, values: values) }
        return sink.sorted.map(\.description)
    }

    /// The first target of a configuration, checked; throws with the diagnostics when it is invalid.
    static func spec(_ yaml: String, environment: [String: String] = [:]) throws -> (spec: any ProviderSpec, secrets: Set<String>) {
        let sink = DiagnosticSink()
        guard let config = ConfigLoader.load(bytes: Array(yaml.utf8), file: "parley.yaml", sink: sink), let target = config.targets.first else {
            throw Problem(description: sink.sorted.map(\.description).joined(separator: "\n"))
        }
        let values = ConfigValues(reader: NodeReader(sink: sink), environment: environment)
        guard let spec = ProviderSpecs.parse(target, values: values), !sink.hasErrors else {
            throw Problem(description: sink.sorted.map(\.description).joined(separator: "\n"))
        }
        return (spec, values.secrets)
    }

    static func flow(_ text: String, environment: [String: String] = [:]) throws -> Flow {
        let result = FlowLoader(environment: environment).load(text: text, file: "flow.yaml")
        guard let flow = result.flows.first, !result.hasErrors else {
            throw Problem(description: result.diagnostics.map(\.description).joined(separator: "\n"))
        }
        return flow
    }

    /// Runs a flow against the configuration's first target, over real HTTP.
    static func run(_ flow: Flow, target yaml: String, environment: [String: String] = [:],
                    simulator: (any UserSimulator)? = nil) async throws -> FlowRunResult {
        let (spec, _) = try spec(yaml, environment: environment)
        let resources = ProviderResources()
        let provider: any ConversationProvider
        do {
            provider = try await spec.makeProvider(resources: resources)
        } catch {
            await resources.shutdown()
            throw error
        }
        let interpreter = FlowInterpreter(provider: provider, simulator: simulator, environment: environment)
        let result = await interpreter.run(FlowRunRequest(flow: flow, persona: flow.personas.first, targetName: spec.targetName))
        await resources.shutdown()
        return result
    }
}
