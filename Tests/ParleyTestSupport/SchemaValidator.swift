import Foundation
import ParleyFlow
import ParleyJSON
import ParleyResults

/// Checks YAML documents against the JSON Schemas in `schema/` with Python's jsonschema
/// (`scripts/validate-json-schema.py`), reading the YAML with Parley's own parser the way an
/// editor's YAML language server reads it (``JSONValue/init(yaml:)``), so no YAML library for
/// Python is needed.
public struct SchemaValidator: Sendable {
    /// One document to check.
    public struct Case: Sendable {
        /// The schema's file name: `flow.schema.json`, `persona.schema.json`, `steps.schema.json`,
        /// `parley.schema.json` (the validator loads every schema of the folder, so references from
        /// one to another resolve).
        public var schema: String
        /// Where the document came from, for messages.
        public var label: String
        public var document: JSONValue

        public init(schema: String, label: String, document: JSONValue) {
            self.schema = schema
            self.label = label
            self.document = document
        }
    }

    /// What the validator said about one case.
    public struct Verdict: Sendable, CustomStringConvertible {
        public var label: String
        public var valid: Bool
        public var errors: [String]

        public var description: String { "\(label): " + (valid ? "valid" : errors.joined(separator: "; ")) }
    }

    /// Why no verdicts came back.
    public enum Failure: Error, CustomStringConvertible {
        case validatorMissing(String)
        case validatorFailed(status: Int32, output: String)

        public var description: String {
            switch self {
            case .validatorMissing(let output):
                "python3-jsonschema is missing: install it with `apt-get install python3-jsonschema` (\(output))"
            case .validatorFailed(let status, let output):
                "scripts/validate-json-schema.py exited with \(status): \(output)"
            }
        }
    }

    /// The repository's root folder (for schema/, scripts/, flows/, examples/).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The folder of schemas to check against.
    public var schemaFolder: String

    public init(schemaFolder: String = SchemaValidator.repositoryRoot + "/schema") {
        self.schemaFolder = schemaFolder
    }

    /// The JSON of a YAML text, as an editor sees it; throws the parser's error for broken YAML.
    public static func document(yaml text: String, file: String = "<text>") throws -> JSONValue {
        JSONValue(yaml: try YAMLParser.parse(text, file: file))
    }

    /// The JSON of a YAML file.
    public static func document(yamlFile path: String) throws -> JSONValue {
        try document(yaml: String(contentsOfFile: path, encoding: .utf8), file: path)
    }

    /// Checks every case; the verdicts come back in the order of `cases`.
    public func validate(_ cases: [Case]) async throws -> [Verdict] {
        var input = ""
        for item in cases {
            let line: JSONValue = [
                "schema": .string(item.schema), "label": .string(item.label), "document": item.document,
            ]
            input += line.serialized + "\n"
        }
        let output = try await ValidatorProcess.serving(schemaFolder).validate(input)

        var verdicts: [Verdict] = []
        for line in output.split(separator: "\n") {
            guard let value = try? JSONValue(parsing: String(line)), let label = value["label"]?.string,
                let valid = value["valid"]?.bool
            else { continue }
            let messages = value["errors"]?.array?.compactMap(\.string) ?? []
            verdicts.append(Verdict(label: label, valid: valid, errors: messages))
        }
        guard verdicts.count == cases.count, zip(verdicts, cases).allSatisfy({ $0.label == $1.label }) else {
            throw Failure.validatorFailed(
                status: 0, output: "expected \(cases.count) verdicts in order, got:\n" + output)
        }
        return verdicts
    }
}
