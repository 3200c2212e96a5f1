import Foundation
import Testing
import ParleyFlow
import ParleyTestSupport

/// CSV and TSV tables: the reader, `cases:`, personas and scenarios from tables, `scenarios:` lists.
@Suite struct TableTests {
    static func read(_ text: String, separator: Character = ",") -> (DelimitedTable?, [Diagnostic]) {
        let sink = DiagnosticSink()
        let table = DelimitedTable.parse(text, file: "t.csv", separator: separator, sink: sink)
        return (table, sink.sorted)
    }

    @Test func quotedFieldsHoldSeparatorsQuotesAndLineBreaks() throws {
        let (table, diagnostics) = Self.read(
            "\u{FEFF}name,note,last\r\none,\"a, b\",x\r\ntwo,\"say \"\"hi\"\"\",\"line\nbreak\"\r\n\r\n,,\nthree,,\n")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let rows = try #require(table).rows
        #expect(table?.columns == ["name", "note", "last"])
        #expect(
            rows.map { $0.map(\.text) } == [
                ["one", "a, b", "x"], ["two", "say \"hi\"", "line\nbreak"], ["three", "", ""],
            ])
        // Every cell knows where it starts: the second row's quoted field, the row after a line break.
        #expect(rows[1][1].location == SourceLocation(file: "t.csv", line: 3, column: 5))
        #expect(rows[2][0].location.line == 7)
    }

    @Test func aTrailingSeparatorIsAnEmptyLastField() throws {
        let (table, diagnostics) = Self.read("a,b\n1,")
        #expect(diagnostics.isEmpty)
        #expect(table?.rows.first?.map(\.text) == ["1", ""])
    }

    @Test(arguments: [
        ("a,b\n1,x\"y\n", "2:4: a quote inside an unquoted field"),
        ("a,b\n1,\"x\"y\n", "2:6: text after the closing quote"),
        ("a,b\n1,\"open\n", "2:3: this quote is never closed"),
        ("a,b\n1\n", "2:2: row 2 has 1 field; the header has 2 (`a`, `b`): column 2 (`b`) is missing"),
        ("a,b\n1,2,3\n", "2:5: row 2 has 3 fields; the header has 2"),
        ("a,,c\n1,2,3\n", "1:3: column 2 of the header has no name"),
        ("a,b,a\n1,2,3\n", "1:5: column `a` is named twice in the header (first at column 1)"),
        ("", "1:1: the table is empty"),
    ])
    func badTablesAreLocatedErrors(_ text: String, _ expected: String) {
        let (table, diagnostics) = Self.read(text)
        #expect(table == nil)
        #expect(
            diagnostics.contains { "\($0.location.line):\($0.location.column): \($0.message)".hasPrefix(expected) },
            "\(diagnostics.map(\.description))")
        #expect(diagnostics.allSatisfy { $0.location.file == "t.csv" })
    }

    @Test func tsvFieldsKeepQuotesInsideAndReadQuotedFieldsWithTabs() throws {
        let (table, diagnostics) = Self.read("name\tnote\nx\tsay \"hi\"\ny\t\"a\tb\"\n", separator: "\t")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(table?.rows.map { $0.map(\.text) } == [["x", "say \"hi\""], ["y", "a\tb"]])
    }

    /// A folder with a flow and its tables, so paths resolve as they do in a project.
    static func project(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-tables-\(UUID().uuidString)")
            .path
        for (name, text) in files {
            let path = dir + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test func casesRunOncePerRowNamedByTheirNameColumnOrRow() throws {
        let dir = try Self.project([
            "flow.yaml": "cases: orders.csv\nsteps:\n  - send: \"${case.order_id} ${case.amount}\"\n",
            "orders.csv": "name,order_id,amount\ncracked,ORD-1,$5\n,ORD-2,$6\n",
            "other.yaml": "cases: { file: orders.csv, name: order_id }\nsteps:\n  - send: hi\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let loaded = FlowLoader(environment: [:]).load(paths: [dir])
        #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
        let flow = try #require(loaded.flows.first { $0.name == "flow" })
        let table = try #require(flow.cases)
        #expect(table.columns == ["name", "order_id", "amount"])
        #expect(table.rows.map(\.name) == ["cracked", "row 3"])
        #expect(table.rows.map(\.line) == [2, 3])
        #expect(table.rows[1].values["amount"] == "$6")
        let other = try #require(loaded.flows.first { $0.name == "other" })
        #expect(other.cases?.rows.map(\.name) == ["ORD-1", "ORD-2"])
    }

    @Test func personasFromATableTakeEveryOtherColumnAsAVariableAndSkipBlankCells() throws {
        let dir = try Self.project([
            "flow.yaml": """
            personas: [people.csv, { name: Zed }]
            scenarios:
              - { name: late, objective: Find it }
              - scenarios/refund.yaml
              - more.csv
            steps:
              - send: ${persona.name} ${scenario.name}
            """,
            "people.csv":
                "name,background,order_id,email\nDana Ortiz,Busy parent,ORD-1,\nSam Lee,,ORD-2,sam@example.com\n",
            "scenarios/refund.yaml": "name: refund\nobjective: Get a refund\n",
            "more.csv": "name,objective,instructions\nhuman,Talk to a person,Be brief\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let loaded = FlowLoader(environment: [:]).load(paths: [dir + "/flow.yaml"])
        #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
        let flow = try #require(loaded.flows.first)
        #expect(flow.personas.map(\.name) == ["Dana Ortiz", "Sam Lee", "Zed"])
        #expect(flow.personas[0].background == "Busy parent")
        #expect(flow.personas[0].variables == [Persona.Variable(name: "order_id", value: "ORD-1")])
        #expect(flow.personas[1].background == nil)
        #expect(flow.personas[1].value(of: "email") == "sam@example.com")
        #expect(flow.personas[0].location.line == 2)
        #expect(flow.scenarios.map(\.name) == ["late", "refund", "human"])
        #expect(flow.scenarios[2].instructions == "Be brief")
        #expect(flow.scenarioMatrix)
    }

    @Test func aVariableAPersonaOfTheTableLacksIsAnErrorNamingThatPersona() throws {
        let dir = try Self.project([
            "flow.yaml": "personas: people.csv\nsteps:\n  - send: ${persona.email}\n",
            "people.csv": "name,email\nDana,dana@example.com\nSam,\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let loaded = FlowLoader(environment: [:]).load(paths: [dir + "/flow.yaml"])
        #expect(loaded.diagnostics.map(\.message) == ["${persona.email} is not defined for persona `Sam`"])
    }

    @Test func aScenarioFileServesAsTheFlowsScenario() throws {
        let dir = try Self.project([
            "flow.yaml": "scenario: s.yaml\nsteps:\n  - send: ${scenario.objective}\n",
            "s.yaml": "name: late\nobjective: Find my parcel\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let loaded = FlowLoader(environment: [:]).load(paths: [dir + "/flow.yaml"])
        #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
        #expect(loaded.flows.first?.scenario?.objective == "Find my parcel")
        #expect(loaded.flows.first?.scenarioMatrix == false)
    }

    @Test func aTableOfPersonasUnderPersonaIsRefusedWithAHint() throws {
        let dir = try Self.project([
            "flow.yaml": "persona: people.csv\nsteps:\n  - send: hi\n", "people.csv": "name\nA\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let loaded = FlowLoader(environment: [:]).load(paths: [dir + "/flow.yaml"])
        #expect(loaded.diagnostics.first?.message.contains("list it under `personas:`") == true)
    }

    @Test func aTableWithAHeaderOnlyHasNoCasesToRun() throws {
        let dir = try Self.project(["flow.yaml": "cases: c.csv\nsteps:\n  - send: hi\n", "c.csv": "name,order_id\n"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let loaded = FlowLoader(environment: [:]).load(paths: [dir + "/flow.yaml"])
        #expect(loaded.diagnostics.first?.message.contains("has a header but no rows") == true)
        #expect(loaded.flows.isEmpty)
    }

    @Test func templatesRenderCaseValues() throws {
        let sink = DiagnosticSink()
        let template = try #require(
            Template.parse(
                "${case.order} costs ${case.price}", at: SourceLocation(file: "t", line: 1, column: 1),
                columnOffset: nil, sink: sink))
        let scope = VariableScope(
            persona: nil, scenario: nil, caseValues: ["order": "ORD-1", "price": "$5"], environment: [:])
        #expect(try template.render(scope) == "ORD-1 costs $5")
        #expect(template.references.map(\.0) == [.case("order"), .case("price")])
    }
}
