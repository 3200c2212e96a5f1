import Foundation
import Testing
@testable import parley
import ParleyTestSupport
import ParleyJSON

/// Every YAML example in the repository matches its schema and names it in a modeline, and the
/// schema files themselves are consistent with each other and with what `parley init` writes.
@Suite struct ExampleFileSchemaTests {
    static let root = SchemaValidator.repositoryRoot

    @Test func everyExampleFlowPersonaIncludeAndConfigMatchesItsSchema() async throws {
        var cases: [SchemaValidator.Case] = []
        for path in SchemaKind.yamlFiles(under: "flows") {
            let kind = SchemaKind.ofFlowFolderFile(path)
            cases.append(
                .init(
                    schema: kind.fileName, label: path,
                    document: try SchemaValidator.document(yamlFile: Self.root + "/" + path)))
        }
        for path in SchemaKind.exampleConfigs() {
            cases.append(
                .init(
                    schema: SchemaKind.parley.fileName, label: path,
                    document: try SchemaValidator.document(yamlFile: Self.root + "/" + path)))
        }
        // Flows and configurations shown in the documentation are examples too.
        for (document, blocks) in [
            ("README.md", SchemaKind.yamlBlocks(inMarkdown: "README.md")),
            ("docs/sandbox.md", SchemaKind.yamlBlocks(inMarkdown: "docs/sandbox.md")),
        ] {
            for (index, block) in blocks.enumerated() {
                let kind: SchemaKind? =
                    block.contains("\nsteps:")
                    ? .flow : block.hasPrefix("targets:") || block.contains("\ntargets:") ? .parley : nil
                guard let kind else { continue }
                cases.append(
                    .init(
                        schema: kind.fileName, label: "\(document) yaml block \(index + 1)",
                        document: try SchemaValidator.document(yaml: block)))
            }
        }
        let kinds = Dictionary(grouping: cases, by: \.schema).mapValues(\.count)
        #expect(kinds["flow.schema.json", default: 0] >= 12, "\(kinds)")
        #expect(kinds["persona.schema.json", default: 0] >= 3, "\(kinds)")
        #expect(kinds["steps.schema.json", default: 0] >= 1, "\(kinds)")
        #expect(kinds["parley.schema.json", default: 0] >= 1, "\(kinds)")

        for verdict in try await SchemaValidator().validate(cases) {
            #expect(verdict.valid, "\(verdict)")
        }
    }

    @Test func everyExampleFileNamesItsSchemaInItsFirstLine() throws {
        var files = SchemaKind.yamlFiles(under: "flows").map { ($0, SchemaKind.ofFlowFolderFile($0)) }
        files += SchemaKind.exampleConfigs().map { ($0, SchemaKind.parley) }
        #expect(files.count >= 18)
        for (path, kind) in files {
            let text = try String(contentsOfFile: Self.root + "/" + path, encoding: .utf8)
            let first = String(text.prefix { $0 != "\n" })
            let prefix = "# yaml-language-server: $schema="
            guard first.hasPrefix(prefix) else {
                Issue.record("\(path) does not start with `\(prefix)...`")
                continue
            }
            let relative = String(first.dropFirst(prefix.count))
            let resolved = SchemaKind.resolve(relative, from: path)
            #expect(resolved == "schema/" + kind.fileName, "\(path) points at \(relative)")
            #expect(FileManager.default.fileExists(atPath: Self.root + "/" + resolved))
        }
    }

    /// The schemas are self-contained (editors resolve references across files unreliably), so
    /// definitions they share are repeated; this keeps the copies identical.
    @Test func definitionsSharedBySeveralSchemasAreIdentical() throws {
        var seen: [String: (file: String, value: JSONValue)] = [:]
        var shared = 0
        for kind in SchemaKind.allCases {
            let schema = try JSONValue(
                parsing: String(contentsOfFile: Self.root + "/schema/" + kind.fileName, encoding: .utf8))
            #expect(schema["$schema"]?.string == "https://json-schema.org/draft/2020-12/schema")
            let definitions = try #require(schema["$defs"]?.object, "\(kind.fileName) has no $defs")
            for (name, value) in definitions {
                if let first = seen[name] {
                    shared += 1
                    #expect(first.value == value, "`\(name)` differs between \(first.file) and \(kind.fileName)")
                } else {
                    seen[name] = (kind.fileName, value)
                }
            }
        }
        #expect(shared >= 20)
    }

    @Test func theSchemasParleyInitWritesAreTheFilesInTheSchemaFolder() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root + "/schema").filter {
            $0.hasSuffix(".schema.json")
        }
        #expect(Set(files) == Set(SchemaKind.allCases.map(\.fileName)))
        #expect(Set(EditorSchema.all.map(\.fileName)) == Set(files))
        for schema in EditorSchema.all {
            let text = try String(contentsOfFile: Self.root + "/schema/" + schema.fileName, encoding: .utf8)
            #expect(
                schema.text == text,
                "\(schema.fileName): the built-in schema must be the package resource read from schema/")
        }
    }
}
