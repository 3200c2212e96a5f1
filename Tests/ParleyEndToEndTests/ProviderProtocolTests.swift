import Foundation
import ParleyCore
import Testing

/// `parley run` against `parley sandbox` in another process, through targets written like
/// examples/parley.yaml: each protocol client end to end, as a user would run it.
@Suite(.serialized) struct ProviderProtocolTests {
    /// examples/parley.yaml pointed at a running sandbox, written to a fresh folder.
    static func writeConfig(port: Int, replacing: [(String, String)] = []) throws -> (directory: String, config: String) {
        let directory = try ParleyBinary.temporaryDirectory()
        var text = try String(contentsOfFile: ParleyBinary.packageRoot + "/examples/parley.yaml", encoding: .utf8)
        #expect(text.contains("http://127.0.0.1:8700"))
        text = text.replacingOccurrences(of: "http://127.0.0.1:8700", with: "http://127.0.0.1:\(port)")
        for (old, new) in replacing { text = text.replacingOccurrences(of: old, with: new) }
        let config = directory + "/parley.yaml"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return (directory, config)
    }

    @Test(arguments: ["sandbox-amigo", "sandbox-amelia", "sandbox-agenthuman", "embedded-amelia"])
    func theExampleConfigurationIsValidForEachOfItsTargets(_ target: String) throws {
        let result = try ParleyBinary.run(["validate", "flows/", "--config", "examples/parley.yaml", "--target", target, "--skip-unsupported"])
        #expect(result.status == 0, "\(result.all)")
        #expect(result.stdout.contains("7 flows valid"))
    }

    @Test func everyExampleFlowPassesOverEachProtocol() throws {
        let sandbox = try SandboxProcess.start()
        defer { sandbox.stop() }
        let (directory, config) = try Self.writeConfig(port: sandbox.port)
        let total = 8
        for target in ["sandbox-amigo", "sandbox-amelia", "sandbox-agenthuman"] {
            let out = directory + "/" + target
            var arguments = ["run", "flows/", "--config", config, "--target", target, "--out", out]
            if target == "sandbox-agenthuman" { arguments.append("--skip-unsupported") }
            let result = try ParleyBinary.run(arguments)
            #expect(result.status == 0, "\(target): \(result.all)")
            let records = try RunWriter.readRecords(directory: out)
            #expect(records.allSatisfy { $0.outcome == .passed }, "\(target): \(result.stdout)")
            #expect(Set(records.map(\.target)) == [target])
            if target == "sandbox-agenthuman" {
                // The greeting flow lets the agent speak first, which an AgentHuman session cannot.
                let skipped = result.stdout.split(separator: "\n").filter { $0.hasPrefix("SKIP") }
                #expect(skipped.count == 1)
                #expect(skipped.first?.hasPrefix("SKIP  greeting: target `sandbox-agenthuman` (agenthuman) cannot let the agent speak first") == true)
                #expect(records.count == total - 1)
                #expect(!records.contains { $0.flow == "greeting" })
                #expect(result.stdout.contains("\(total - 1) passed"))
            } else {
                #expect(records.count == total)
                #expect(!result.stdout.contains("SKIP"))
                #expect(result.stdout.contains("\(total) passed"))
            }
        }
    }

    @Test(arguments: [("sandbox-amigo", "api_key: sandbox-amigo-api-key", "Amigo refused the API key"),
                      ("sandbox-amelia", "password: sandbox-password", "Amelia refused the login of `sandbox@parley.local` (500: Bad credentials)"),
                      ("sandbox-agenthuman", "api_key: ah_live_parleysandbox00000000000000", "AgentHuman refused the API key while creating a session (401)")])
    func wrongCredentialsExitThreeWithAClearMessageAndNoSecret(_ target: String, _ credential: String, _ expected: String) throws {
        let sandbox = try SandboxProcess.start()
        defer { sandbox.stop() }
        let fake = "e2e-FAKE-credential-6621"
        let key = credential.split(separator: ":")[0]
        let (directory, config) = try Self.writeConfig(port: sandbox.port, replacing: [(credential, "\(key): \(fake)")])
        let out = directory + "/out"
        let result = try ParleyBinary.run(["run", "flows/order-status.yaml", "--config", config, "--target", target, "--out", out])
        #expect(result.status == 3, "\(result.all)")
        #expect(result.stdout.contains("ERROR order-status"))
        #expect(result.stdout.contains(expected), "\(result.stdout)")
        #expect(!result.all.contains(fake))
        let records = try RunWriter.readRecords(directory: out)
        #expect(records.first?.failure?.errorKind == "auth-refused")
        for file in try FileManager.default.subpathsOfDirectory(atPath: out) {
            let path = out + "/" + file
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains(fake), "\(file) shows the credential")
        }
    }
}
