import Foundation
import Testing
import ParleyFlow
import ParleyResults
import ParleyRun

/// `parley run` against `parley sandbox` in another process, through examples/parley.yaml pointed
/// at it: each protocol client end to end, as a user would run it.
@Suite(.serialized) struct ProviderProtocolTests {
    /// examples/parley.yaml pointed at a running sandbox, written to a fresh folder.
    static func writeConfig(port: Int, replacing: [(String, String)] = []) throws -> (directory: String, config: String)
    {
        let directory = try ParleyBinary.temporaryDirectory()
        var text = try String(contentsOfFile: ParleyBinary.packageRoot + "/examples/parley.yaml", encoding: .utf8)
        #expect(text.contains("http://127.0.0.1:8700"))
        text = text.replacingOccurrences(of: "http://127.0.0.1:8700", with: "http://127.0.0.1:\(port)")
        for (old, new) in replacing { text = text.replacingOccurrences(of: old, with: new) }
        let config = directory + "/parley.yaml"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return (directory, config)
    }

    /// The example flows.
    static var flows: [Flow] { FlowLoader(environment: [:]).load(paths: [ParleyBinary.packageRoot + "/flows"]).flows }

    /// Flows a protocol cannot run, worked out from what each flow needs: Amelia has no external
    /// events, tags, insights, recommend-responses or agent actions; AgentHuman cannot let the agent
    /// speak first either.
    static func unsupported(on target: String) -> Set<String> {
        Set(
            flows.filter { flow in
                let kinds = Set(flow.steps.map(\.kind))
                let needsAmigoExtras =
                    !kinds.isDisjoint(with: [.event, .tag, .insights])
                    || flow.steps.contains { $0.action.assertsActions }
                    || (FlowCompatibility.needsSimulator(flow) && (flow.simulator ?? .target) == .target)
                switch target {
                case "sandbox-amelia", "sandbox-amelia-webhook": return needsAmigoExtras
                case "sandbox-agenthuman": return needsAmigoExtras || flow.opening == .agentFirst
                default: return false
                }
            }.map(\.name))
    }

    @Test(arguments: [
        "sandbox-amigo", "sandbox-amelia", "sandbox-amelia-webhook", "sandbox-agenthuman", "embedded-amelia",
    ])
    func theExampleConfigurationIsValidForEachOfItsTargets(_ target: String) async throws {
        let result = try await ParleyBinary.run([
            "validate", "flows/", "--config", "examples/parley.yaml", "--target", target, "--skip-unsupported",
        ])
        #expect(result.status == 0, "\(result.all)")
        #expect(result.stdout.contains("\(Self.flows.count) flows valid"))
    }

    @Test func everyExampleFlowPassesOverEachProtocol() async throws {
        let sandbox = try await SandboxProcess.start()
        defer { sandbox.stop() }
        let (directory, config) = try Self.writeConfig(port: sandbox.port)
        let flows = Self.flows
        var outcomes: [String: [String: Outcome]] = [:]
        for target in ["sandbox-amigo", "sandbox-amelia", "sandbox-amelia-webhook", "sandbox-agenthuman"] {
            let out = directory + "/" + target
            let result = try await ParleyBinary.run([
                "run", "flows/", "--config", config, "--target", target, "--out", out, "--skip-unsupported",
            ])
            #expect(result.status == 0, "\(target): \(result.all)")
            let records = try RunWriter.readRecords(directory: out)
            #expect(records.allSatisfy { $0.outcome == .passed }, "\(target): \(result.stdout)")
            #expect(Set(records.map(\.target)) == [target])
            outcomes[target] = Dictionary(records.map { ("\($0.flow) \($0.persona ?? "")", $0.outcome) }) { a, _ in a }

            // Exactly the flows the protocol cannot run are left out, each said so; all others ran.
            let skipped = Set(
                result.stdout.split(separator: "\n").filter { $0.hasPrefix("SKIP  ") }
                    .compactMap { $0.dropFirst(6).split(separator: ":").first.map(String.init) })
            let expected = Self.unsupported(on: target)
            #expect(skipped == expected, "\(target)")
            let runs = flows.filter { !expected.contains($0.name) }.reduce(0) { $0 + $1.runCount }
            #expect(records.count == runs, "\(target)")
            #expect(result.stdout.contains("\(runs) passed"), "\(target): \(result.stdout)")
            #expect(Set(records.map(\.flow)).isDisjoint(with: skipped))
            switch target {
            case "sandbox-amigo":
                #expect(skipped.isEmpty, "Amigo can run every example flow")
            case "sandbox-amelia", "sandbox-amelia-webhook":
                #expect(!skipped.contains("greeting"), "Amelia greets first")
                #expect(records.contains { $0.flow == "escalation" })
            default:
                // The greeting flow lets the agent speak first, which an AgentHuman session cannot.
                #expect(skipped.contains("greeting"))
                #expect(
                    result.stdout.contains(
                        "SKIP  greeting: target `sandbox-agenthuman` (agenthuman) cannot let the agent speak first"))
            }
        }
        #expect(outcomes["sandbox-amelia-webhook"] == outcomes["sandbox-amelia"], "webhooks and polling agree")
    }

    @Test(arguments: [
        ("sandbox-amigo", "api_key: sandbox-amigo-api-key", "Amigo refused the API key"),
        (
            "sandbox-amelia", "password: sandbox-password",
            "Amelia refused the login of `sandbox@parley.local` (500: Bad credentials)"
        ),
        (
            "sandbox-agenthuman", "api_key: ah_live_parleysandbox00000000000000",
            "AgentHuman refused the API key while creating a session (401)"
        ),
    ])
    func wrongCredentialsExitThreeWithAClearMessageAndNoSecret(
        _ target: String, _ credential: String, _ expected: String
    ) async throws {
        let sandbox = try await SandboxProcess.start()
        defer { sandbox.stop() }
        let fake = "e2e-FAKE-credential-6621"
        let key = credential.split(separator: ":")[0]
        let (directory, config) = try Self.writeConfig(port: sandbox.port, replacing: [(credential, "\(key): \(fake)")])
        let out = directory + "/out"
        let result = try await ParleyBinary.run([
            "run", "flows/order-status.yaml", "--config", config, "--target", target, "--out", out,
        ])
        #expect(result.status == 3, "\(result.all)")
        #expect(result.stdout.contains("ERROR order-status"))
        #expect(result.stdout.contains(expected), "\(result.stdout)")
        #expect(!result.all.contains(fake))
        let records = try RunWriter.readRecords(directory: out)
        #expect(records.first?.failure?.errorKind == .authRefused)
        for file in try FileManager.default.subpathsOfDirectory(atPath: out) {
            let path = out + "/" + file
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains(fake), "\(file) shows the credential")
        }
    }
}
