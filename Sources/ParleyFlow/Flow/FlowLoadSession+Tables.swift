/// Reading tables — `cases:`, and personas or scenarios from CSV/TSV files — and `scenarios:` lists.
extension FlowLoadSession {
    static let casesKeys = ["file", "name"]

    /// A CSV or TSV file, read once per load however many flows name it; problems are reported at
    /// the table's own cells, and at `location` when the file cannot be read.
    func table(_ path: String, at location: SourceLocation) -> DelimitedTable? {
        if let cached = tableCache[path] { return cached }
        var result: DelimitedTable?
        if let separator = DelimitedTable.separator(forPath: path), let bytes = readFile(path, at: location) {
            result = DelimitedTable.parse(
                String(decoding: bytes, as: UTF8.self), file: path, separator: separator, sink: sink)
        }
        tableCache[path] = .some(result)
        return result
    }

    /// `cases: file.csv` or `cases: { file: file.csv, name: column }`.
    func caseTable(_ node: YAMLNode, relativeTo file: String, at keyLocation: SourceLocation) -> CaseTable? {
        var pathNode = node
        var nameNode: YAMLNode?
        if node.mapping != nil {
            guard let map = reader.mapping(node, for: "`cases`", keys: Self.casesKeys),
                let fileNode = map.require("file")
            else { return nil }
            pathNode = fileNode
            nameNode = map["name"]
        }
        guard let relative = reader.nonEmptyString(pathNode, for: "cases") else { return nil }
        guard DelimitedTable.isTablePath(relative) else {
            sink.error("`cases` names a table: a .csv or .tsv file, not `\(relative)`", at: pathNode.location)
            return nil
        }
        let path = resolve(relative, relativeTo: file)
        guard let table = table(path, at: pathNode.location) else { return nil }
        var nameColumn: String? = table.columns.contains("name") ? "name" : nil
        if let nameNode {
            guard let column = reader.nonEmptyString(nameNode, for: "name") else { return nil }
            guard table.columns.contains(column) else {
                sink.error(
                    "\(path) has no column `\(column)` (columns: \(table.columns.joined(separator: ", ")))"
                        + Suggestion.hint(for: column, in: table.columns),
                    at: nameNode.location)
                return nil
            }
            nameColumn = column
        }
        guard !table.rows.isEmpty else {
            sink.error("\(path) has a header but no rows; `cases` needs at least one", at: pathNode.location)
            return nil
        }
        var rows: [CaseRow] = []
        var seen: [String: Int] = [:]
        var ok = true
        for cells in table.rows {
            let line = cells[0].location.line
            var values: [String: String] = [:]
            for (column, cell) in zip(table.columns, cells) { values[column] = cell.text }
            var name = "row \(line)"
            if let nameColumn, let cell = table.cell(cells, nameColumn), !cell.text.isBlank {
                name = cell.text.trimmingSpaces
            }
            let row = CaseRow(name: name, file: path, line: line, values: values)
            if let first = seen[row.slug] {
                let at = nameColumn.flatMap { table.cell(cells, $0)?.location } ?? cells[0].location
                sink.error("case `\(name)` is named twice (first on row \(first)); names must differ", at: at)
                ok = false
                continue
            }
            seen[row.slug] = line
            rows.append(row)
        }
        guard ok else { return nil }
        return CaseTable(
            file: path, columns: table.columns, nameColumn: nameColumn, rows: rows, location: keyLocation,
            headerLocation: table.header.first?.location)
    }

    static let personaTableColumns = ["name", "background"]

    /// Personas from a table: `name` (required), `background`, and any other column as a variable.
    /// Blank cells are left out, so a persona lacking a value is caught where the flow uses it.
    func personaTable(_ relative: String, at location: SourceLocation, relativeTo file: String) -> [Persona]? {
        let path = resolve(relative, relativeTo: file)
        guard let table = table(path, at: location) else { return nil }
        guard let nameIndex = table.columns.firstIndex(of: "name") else {
            let at = table.header.first?.location ?? SourceLocation(file: path, line: 1, column: 1)
            sink.error(
                "a persona table needs a `name` column (columns: \(table.columns.joined(separator: ", ")))"
                    + Suggestion.hint(for: "name", in: table.columns),
                at: at)
            return nil
        }
        var ok = true
        for cell in table.header where !Self.personaTableColumns.contains(cell.text) {
            if !isVariableName(cell.text) {
                sink.error(
                    "column `\(cell.text)` cannot be a persona variable: use letters, digits, `_` and `-`, starting "
                        + "with a letter",
                    at: cell.location)
                ok = false
            } else if cell.text == "replies" || cell.text == "variables" {
                sink.error("column `\(cell.text)` is a persona key a table cannot hold; rename it", at: cell.location)
                ok = false
            }
        }
        guard ok else { return nil }
        var personas: [Persona] = []
        for cells in table.rows {
            let name = cells[nameIndex].text.trimmingSpaces
            guard !name.isEmpty else {
                sink.error("this persona has no name (the `name` column is blank)", at: cells[nameIndex].location)
                ok = false
                continue
            }
            var persona = Persona(name: name, location: cells[0].location)
            for (column, cell) in zip(table.columns, cells) where column != "name" && !cell.text.isEmpty {
                if column == "background" {
                    persona.background = cell.text
                } else {
                    persona.variables.append(Persona.Variable(name: column, value: cell.text))
                }
            }
            personas.append(persona)
        }
        return ok ? personas : nil
    }

    /// Scenarios from a table: `name` (required), `objective`, `instructions`.
    func scenarioTable(_ relative: String, at location: SourceLocation, relativeTo file: String)
        -> [(Scenario, SourceLocation)]?
    {
        let path = resolve(relative, relativeTo: file)
        guard let table = table(path, at: location) else { return nil }
        var ok = true
        for cell in table.header where !Self.scenarioKeys.contains(cell.text) {
            sink.error(
                "a scenario table has the columns \(Self.scenarioKeys.joined(separator: ", ")), not "
                    + "`\(cell.text)`\(Suggestion.hint(for: cell.text, in: Self.scenarioKeys))",
                at: cell.location)
            ok = false
        }
        guard let nameIndex = table.columns.firstIndex(of: "name") else {
            if ok {
                sink.error(
                    "a scenario table needs a `name` column",
                    at: table.header.first?.location ?? SourceLocation(file: path, line: 1, column: 1))
            }
            return nil
        }
        guard ok else { return nil }
        var result: [(Scenario, SourceLocation)] = []
        for cells in table.rows {
            func value(_ column: String) -> String? {
                guard let cell = table.cell(cells, column), !cell.text.isEmpty else { return nil }
                return cell.text
            }
            guard let name = value("name")?.trimmingSpaces, !name.isEmpty else {
                sink.error("this scenario has no name (the `name` column is blank)", at: cells[nameIndex].location)
                ok = false
                continue
            }
            let scenario = Scenario(name: name, objective: value("objective"), instructions: value("instructions"))
            result.append((scenario, cells[0].location))
        }
        return ok ? result : nil
    }

    /// `scenarios:`: a table, or a list of scenarios written inline, in files or in tables; each needs
    /// a name, and no name twice.
    func scenarioList(_ node: YAMLNode, relativeTo file: String) -> [Scenario] {
        var found: [(Scenario, SourceLocation)] = []
        if node.scalar != nil, !node.isNull {
            guard let relative = reader.nonEmptyString(node, for: "scenarios") else { return [] }
            guard DelimitedTable.isTablePath(relative) else {
                reader.mismatch(node, for: "scenarios", expected: "a list of scenarios, or a .csv or .tsv table")
                return []
            }
            found = scenarioTable(relative, at: node.location, relativeTo: file) ?? []
        } else if let items = node.sequence {
            if items.isEmpty {
                sink.error("`scenarios` needs at least one scenario", at: node.location)
                return []
            }
            for item in items {
                if item.scalar != nil, !item.isNull {
                    guard let relative = reader.nonEmptyString(item, for: "scenario") else { continue }
                    if DelimitedTable.isTablePath(relative) {
                        found += scenarioTable(relative, at: item.location, relativeTo: file) ?? []
                    } else if let scenario = scenarioFile(relative, at: item.location, relativeTo: file) {
                        found.append((scenario, item.location))
                    }
                } else if let scenario = scenario(item) {
                    guard scenario.name?.isEmpty == false else {
                        sink.error("each scenario of `scenarios` needs a `name`", at: item.location)
                        continue
                    }
                    found.append((scenario, item.location))
                }
            }
        } else {
            reader.mismatch(node, for: "scenarios", expected: "a list of scenarios (mappings or file paths)")
            return []
        }
        var result: [Scenario] = []
        var names: [String: SourceLocation] = [:]
        for (scenario, location) in found {
            let slug = Slug.make(scenario.name ?? "")
            if let first = names[slug] {
                let place = first.file == location.file ? "line \(first.line)" : "\(first.file):\(first.line)"
                sink.error("scenario `\(scenario.name ?? "")` appears twice (first at \(place))", at: location)
                continue
            }
            names[slug] = location
            result.append(scenario)
        }
        return result
    }

    /// A scenario file: a mapping with `name` (required), `objective` and `instructions`.
    func scenarioFile(_ relative: String, at location: SourceLocation, relativeTo file: String) -> Scenario? {
        let path = resolve(relative, relativeTo: file)
        guard let bytes = readFile(path, at: location), let parsed = parseYAML(bytes, file: path) else { return nil }
        guard let root = parsed else {
            sink.error("the scenario file is empty", at: SourceLocation(file: path, line: 1, column: 1))
            return nil
        }
        guard root.mapping != nil else {
            reader.mismatch(root, for: "a scenario file", expected: "a mapping with `name`")
            return nil
        }
        guard let scenario = scenario(root) else { return nil }
        guard scenario.name?.isEmpty == false else {
            sink.error("a scenario file needs a `name`", at: root.location)
            return nil
        }
        return scenario
    }
}
