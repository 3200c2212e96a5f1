import Foundation
import Testing
import ParleyTestSupport

/// The validator the schema tests rely on says "invalid" when it should, and fails loudly rather
/// than hanging when it cannot run.
@Suite struct SchemaValidatorTests {
    @Test func itTellsValidFromInvalidAndSaysWhere() async throws {
        let verdicts = try await SchemaValidator().validate([
            .init(
                schema: "flow.schema.json", label: "good",
                document: try SchemaValidator.document(yaml: "steps:\n  - send: hi\n")),
            .init(
                schema: "flow.schema.json", label: "bad", document: try SchemaValidator.document(yaml: "stepz: []\n")),
        ])
        #expect(verdicts.map(\.valid) == [true, false])
        #expect(verdicts[1].errors.contains { $0.contains("'steps' is a required property") }, "\(verdicts[1])")
        #expect(verdicts[1].errors.contains { $0.contains("'stepz' was unexpected") }, "\(verdicts[1])")
    }

    @Test func aFolderWithoutSchemasIsAnErrorNotAHang() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent(
            "parley-no-schemas-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        do {
            _ = try await SchemaValidator(schemaFolder: empty).validate([
                .init(schema: "flow.schema.json", label: "x", document: .null)
            ])
            Issue.record("validating against an empty folder succeeded")
        } catch let failure as SchemaValidator.Failure {
            #expect(failure.description.contains("no *.schema.json files"), "\(failure)")
        }
    }
}
