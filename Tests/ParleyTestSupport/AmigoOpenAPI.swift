import Foundation

/// Checks Amigo documents and requests against the repository's copy of Amigo's official OpenAPI
/// document (conversation part) with `scripts/validate-amigo-json.py`.
public enum AmigoOpenAPI {
    /// The copy of the OpenAPI subset kept with the tests.
    public static let document =
        SchemaValidator.repositoryRoot + "/Tests/ParleySandboxTests/Resources/amigo-openapi-subset.json"

    /// Stops a test whose validator cannot run (the issue recorded says how to install it).
    public struct ValidatorMissing: Error {}

    /// Runs the script over JSON lines: response documents, or with `requests` recorded requests
    /// (see the script's usage). Returns its exit status and everything it printed.
    public static func validate(_ lines: String, requests: Bool = false) async throws -> (
        status: Int32, output: String
    ) {
        let script = SchemaValidator.repositoryRoot + "/scripts/validate-amigo-json.py"
        let result: ChildProcess.Output
        do {
            result = try await ChildProcess.run(
                "/usr/bin/env", ["python3", script] + (requests ? ["--requests"] : []) + [document],
                input: Data(lines.utf8))
        } catch {
            throw ValidatorMissing()
        }
        if result.status == 3 || result.status == 127 { throw ValidatorMissing() }
        return (result.status, result.all)
    }
}
