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
        defer { try? FileManager.default.removeItem(atPath: empty) }
        do {
            _ = try await SchemaValidator(schemaFolder: empty).validate([
                .init(schema: "flow.schema.json", label: "x", document: .null)
            ])
            Issue.record("validating against an empty folder succeeded")
        } catch let failure as SchemaValidator.Failure {
            #expect(failure.description.contains("no *.schema.json files"), "\(failure)")
        }
    }

    /// The schemas refer to `common.schema.json`; a folder without it is refused up front, naming the
    /// reference, rather than failing on the first document that reaches it.
    @Test func aFolderMissingAReferencedSchemaIsAnError() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "parley-partial-schemas-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["flow.schema.json", "steps.schema.json", "persona.schema.json"] {
            try FileManager.default.copyItem(
                atPath: SchemaValidator.repositoryRoot + "/schema/" + name, toPath: folder + "/" + name)
        }
        do {
            _ = try await SchemaValidator(schemaFolder: folder).validate([
                .init(
                    schema: "flow.schema.json", label: "x",
                    document: try SchemaValidator.document(yaml: "steps: [end]\n"))
            ])
            Issue.record("validating against a folder without common.schema.json succeeded")
        } catch let failure as SchemaValidator.Failure {
            #expect(failure.description.contains("common.schema.json#/$defs/"), "\(failure)")
            #expect(failure.description.contains("does not resolve"), "\(failure)")
        }
    }
}
