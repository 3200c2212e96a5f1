/// Checks every `${...}` before anything runs: personas and scenario fields, environment variables,
/// and names that an earlier step sets.
extension FlowLoadSession {
    func checkVariables(_ flow: Flow) {
        var known = Set<String>()
        var templates: [Template] = []
        for step in flow.steps {
            // Collected first: a closure that used `flow` would copy it for every step.
            templates.removeAll(keepingCapacity: true)
            step.action.forEachTemplate { templates.append($0) }
            for template in templates { check(template, in: flow, locals: known) }
            // A step's own captures and assignments become available to the steps after it.
            switch step.action {
            case .set(let assignments): known.formUnion(assignments.map(\.name))
            case .expect(let e): known.formUnion(e.captures.map(\.name))
            default: break
            }
        }
        let everyLocal = known
        for reply in flow.personas.flatMap(\.replies) + flow.replies {
            templates.removeAll(keepingCapacity: true)
            reply.forEachTemplate { templates.append($0) }
            for template in templates { check(template, in: flow, locals: everyLocal) }
        }
    }

    private func check(_ template: Template, in flow: Flow, locals: Set<String>) {
        for (reference, location) in template.references {
            if let problem = problem(with: reference, in: flow, locals: locals) {
                sink.error(problem, at: location)
                // An unknown column is a mistake in the flow or in the table: show the table's header too.
                if case .case = reference, let table = flow.cases {
                    sink.add(
                        Diagnostic(
                            .note, at: table.headerLocation,
                            "the header of \(table.file) names the columns `${case.<column>}` can use"))
                }
            }
        }
    }

    private func problem(with reference: VariableReference, in flow: Flow, locals: Set<String>) -> String? {
        switch reference {
        case .persona(let field):
            if flow.personas.isEmpty { return "\(reference) needs a persona, and this flow has none" }
            let lacking = flow.personas.filter { $0.value(of: field) == nil }
            guard let first = lacking.first else { return nil }
            if flow.personas.count == 1 {
                let hint = Suggestion.hint(for: field, in: first.fieldNames)
                return
                    "persona `\(first.name)` has no `\(field)` (it has "
                    + "\(first.fieldNames.joined(separator: ", ")))\(hint)"
            }
            return "\(reference) is not defined for persona\(lacking.count == 1 ? "" : "s") "
                + lacking.map { "`\($0.name)`" }.joined(separator: ", ")
        case .scenario(let field):
            guard Scenario.fieldNames.contains(field) else {
                let fields = Scenario.fieldNames.joined(separator: ", ")
                let hint = Suggestion.hint(for: field, in: Scenario.fieldNames)
                return "`\(field)` is not a scenario field (\(fields))\(hint)"
            }
            if flow.scenarios.isEmpty { return "\(reference) needs a scenario, and this flow has none" }
            let lacking = flow.scenarios.filter { $0.value(of: field) == nil }
            guard !lacking.isEmpty else { return nil }
            if flow.scenarios.count == 1 { return "the scenario has no `\(field)`" }
            return "\(reference) is not defined for scenario\(lacking.count == 1 ? "" : "s") "
                + lacking.map { "`\($0.name ?? "")`" }.joined(separator: ", ")
        case .case(let column):
            if casesUnreadable { return nil }
            guard let table = flow.cases else {
                return "\(reference) needs a table of cases, and this flow has no `cases:`"
            }
            guard table.columns.contains(column) else {
                return "\(table.file) has no column `\(column)` (columns: \(table.columns.joined(separator: ", ")))"
                    + Suggestion.hint(for: column, in: table.columns)
            }
            return nil
        case .env(let name):
            return environment[name] == nil ? "environment variable `\(name)` is not set" : nil
        case .local(let name):
            if locals.contains(name) { return nil }
            let hint = Suggestion.hint(for: name, in: locals)
            return "unknown variable \(reference): no earlier step sets it with `set:` or `capture:`\(hint)"
        }
    }
}
