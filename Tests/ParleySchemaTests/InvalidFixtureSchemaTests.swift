import Foundation
import Testing
import ParleyTestSupport

/// The schemas and the loader agree on the invalid fixtures of ParleyFlowTests: the schema rejects
/// every broken flow except those whose only problems no schema can see.
@Suite struct InvalidFixtureSchemaTests {
    static let directory = SchemaValidator.repositoryRoot + "/Tests/ParleyFlowTests/Fixtures/invalid"

    /// Fixtures that are well-formed documents: every key, type, notation and value is allowed, and
    /// the error only shows when the loader relates things a schema checks one at a time.
    static let semanticOnly: [String: String] = [
        "cases-csv-errors.yaml": "the mistakes are inside the CSV file, which no schema reads",
        "cases-duplicate-names.yaml": "row names are compared with each other, inside the CSV file",
        "cases-tsv-ragged.yaml": "the mistake is inside the TSV file, which no schema reads",
        "cases-unknown-column.yaml": "${case.order} needs a column the table lacks: a cross-reference to the CSV file",
        "cases-without-table.yaml": "${case.order_id} needs `cases:`: a cross-reference between keys",
        "personas-table-errors.yaml": "the table's header is in the CSV file, which no schema reads",
        "scenario-variable-missing.yaml": "${scenario.objective} needs a field one of the scenarios lacks",
        "scenarios-table-columns.yaml": "the table's header is in the CSV file, which no schema reads",
        "duplicate-persona.yaml": "persona names are compared with each other (`Dana` and `dana` share a slug)",
        "env-not-set.yaml": "whether ${env.NAME} is set depends on the environment at load time",
        "include-broken.yaml": "the error is inside the included file (steps.schema.json rejects that file itself)",
        "include-cycle.yaml": "a cycle is a property of several files together",
        "include-missing.yaml": "whether the included file exists is a question for the file system",
        "invalid-regex.yaml":
            "the expression's syntax is NSRegularExpression's; the schema checks only the /re/flags form",
        "persona-variable-missing.yaml": "${persona.order} needs a variable that the persona lacks: a cross-reference",
        "steps-after-end.yaml": "the order of steps: each one is valid on its own",
        "too-many-tags.yaml": "each step sets 12 tags, within the limit; only their sum passes 20",
        "unknown-local-variable.yaml": "${tiket} needs an earlier `set` or `capture`: data flow between steps",
        "variable-used-before-set.yaml": "${order} is set, but only after it is used: data flow between steps",
    ]

    /// Fixtures Parley's YAML parser refuses, so there is no document to check (editors report
    /// these as YAML errors of their own).
    static let notYAML: [String: String] = [
        "duplicate-key.yaml": "a key written twice in one mapping",
        "tab-indent.yaml": "a tab used for indentation",
        "yaml-syntax.yaml": "`key: value: value` on one line",
    ]

    static let fixtures: [String] = {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }
            .sorted()
    }()

    @Test func everyListedFixtureExists() {
        #expect(Self.fixtures.count >= 30)
        for name in Array(Self.semanticOnly.keys) + Array(Self.notYAML.keys) {
            #expect(Self.fixtures.contains(name), "\(name) is listed but not in Fixtures/invalid")
        }
        #expect(Set(Self.semanticOnly.keys).isDisjoint(with: Self.notYAML.keys))
    }

    @Test func theSchemaRejectsEveryFixtureExceptTheSemanticOnes() async throws {
        var cases: [SchemaValidator.Case] = []
        for name in Self.fixtures {
            let path = Self.directory + "/" + name
            let text = try String(contentsOfFile: path, encoding: .utf8)
            do {
                cases.append(
                    .init(
                        schema: SchemaKind.flow.fileName, label: name,
                        document: try SchemaValidator.document(yaml: text, file: path)))
                #expect(Self.notYAML[name] == nil, "\(name) is listed as not YAML, but the parser reads it")
            } catch {
                #expect(Self.notYAML[name] != nil, "\(name) does not parse (\(error)) but is not listed in `notYAML`")
            }
        }
        #expect(cases.count == Self.fixtures.count - Self.notYAML.count)
        for verdict in try await SchemaValidator().validate(cases) {
            if let reason = Self.semanticOnly[verdict.label] {
                #expect(
                    verdict.valid,
                    Comment(
                        rawValue: "\(verdict.label) is listed as semantic-only (\(reason)), "
                            + "but the schema rejects it: \(verdict.errors)")
                )
            } else {
                #expect(
                    !verdict.valid,
                    Comment(
                        rawValue: "the schema accepts \(verdict.label), which the loader rejects; make the schema "
                            + "stricter or list it in `semanticOnly` with the reason")
                )
            }
        }
    }

    @Test func theStepsSchemaJudgesIncludedFilesLikeTheLoader() async throws {
        let cases = try ["broken-steps.yaml", "cycle-a.yaml", "cycle-b.yaml"].map { name in
            SchemaValidator.Case(
                schema: SchemaKind.steps.fileName, label: name,
                document: try SchemaValidator.document(yamlFile: Self.directory + "/_parts/" + name))
        }
        let verdicts = try await SchemaValidator().validate(cases)
        #expect(verdicts.map(\.valid) == [false, true, true], "\(verdicts)")
    }
}
