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
            ("docs/authoring.md", SchemaKind.yamlBlocks(inMarkdown: "docs/authoring.md")),
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

    /// The schemas share definitions by relative references (`common.schema.json#/$defs/text`)
    /// rather than copies: each definition lives in one file, every reference names a file of the
    /// folder and a definition that exists, and no schema sets `$id`, so editors and validators
    /// resolve the references against the schema file's own location (offline, in whichever
    /// folder `parley init` wrote them) rather than against a web address.
    @Test func eachDefinitionIsWrittenOnceAndEveryReferenceResolvesInTheFolder() throws {
        let schemas = try Dictionary(
            uniqueKeysWithValues: SchemaKind.schemaFileNames.map { ($0, try SchemaKind.schema($0)) })
        var owner: [String: String] = [:]
        for (file, schema) in schemas.sorted(by: { $0.key < $1.key }) {
            #expect(schema["$schema"]?.string == "https://json-schema.org/draft/2020-12/schema", "\(file)")
            #expect(schema["$id"] == nil, "\(file) sets $id: relative references would resolve against it")
            for (name, _) in schema["$defs"]?.object ?? [] {
                if let first = owner[name] {
                    Issue.record("$defs/\(name) is defined in both \(first) and \(file)")
                }
                owner[name] = file
            }
        }
        #expect(owner.count >= 50)

        var crossFile = 0
        for (file, schema) in schemas {
            for reference in Self.references(in: schema) {
                let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                let target = parts[0].isEmpty ? file : String(parts[0])
                guard let document = schemas[target] else {
                    Issue.record("\(file): $ref \(reference) names a file that is not in schema/")
                    continue
                }
                if target != file { crossFile += 1 }
                let pointer = parts.count > 1 ? String(parts[1]) : ""
                #expect(
                    Self.resolve(pointer: pointer, in: document) != nil,
                    "\(file): $ref \(reference) points at nothing in \(target)")
            }
        }
        #expect(crossFile >= 50)
    }

    /// Every `$ref` value in `schema`, depth first.
    static func references(in schema: JSONValue) -> [String] {
        switch schema {
        case .object(let members):
            return members.flatMap { key, value in
                key == "$ref" ? (value.string.map { [$0] } ?? []) : references(in: value)
            }
        case .array(let items): return items.flatMap(references(in:))
        default: return []
        }
    }

    /// The value a JSON Pointer (RFC 6901, as written in a URI fragment) names in `document`.
    static func resolve(pointer: String, in document: JSONValue) -> JSONValue? {
        guard !pointer.isEmpty else { return document }
        guard pointer.hasPrefix("/") else { return nil }
        var value: JSONValue? = document
        for token in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let key = (token.removingPercentEncoding ?? String(token))
                .replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if case .array = value {
                value = Int(key).flatMap { value?[$0] }
            } else {
                value = value?[key]
            }
        }
        return value
    }

    @Test func theSchemasParleyInitWritesAreTheFilesInTheSchemaFolder() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root + "/schema").filter {
            $0.hasSuffix(".schema.json")
        }
        #expect(Set(files) == Set(SchemaKind.schemaFileNames))
        #expect(Set(EditorSchema.all.map(\.fileName)) == Set(files))
        for schema in EditorSchema.all {
            let text = try String(contentsOfFile: Self.root + "/schema/" + schema.fileName, encoding: .utf8)
            #expect(
                schema.text == text,
                "\(schema.fileName): the built-in schema must be the package resource read from schema/")
        }
    }
}
