import ParleyFlow

/// `--filter` values, split by what they select.
///
/// Flow filters — a name or glob (`refund*`), a label, `tag:key=value` — keep the flows that match
/// any of them. `persona:NAME`, `scenario:NAME` and `case:NAME` (globs too, matched against the name
/// or its file-name form, ignoring case) keep the flow runs of a matrix whose persona, scenario or
/// row matches any of that kind. The kinds combine with "and": `--filter 'refund*' --filter
/// persona:Dana` runs the refund flows as Dana only. A flow run without a persona (scenario, case)
/// is left out by a persona (scenario, case) filter.
public struct RunFilter: Sendable {
    public var flows: [String]
    public var personas: [String]
    public var scenarios: [String]
    public var cases: [String]

    public init(_ values: [String]) {
        var flows: [String] = []
        var personas: [String] = []
        var scenarios: [String] = []
        var cases: [String] = []
        for value in values {
            switch Self.runPrefix(of: value) {
            case "persona:": personas.append(String(value.dropFirst(8)))
            case "scenario:": scenarios.append(String(value.dropFirst(9)))
            case "case:": cases.append(String(value.dropFirst(5)))
            default: flows.append(value)
            }
        }
        self.flows = flows
        self.personas = personas
        self.scenarios = scenarios
        self.cases = cases
    }

    /// `persona:`, `scenario:` or `case:` when `value` starts with one.
    static func runPrefix(of value: String) -> String? {
        ["persona:", "scenario:", "case:"].first { value.hasPrefix($0) }
    }

    public func selects(_ flow: Flow) -> Bool { RunPlanner.matches(flow, filters: flows) }

    public func selects(persona: Persona?) -> Bool { Self.selects(persona?.name, personas) }
    public func selects(scenario: Scenario?) -> Bool { Self.selects(scenario?.name, scenarios) }
    public func selects(case row: CaseRow?) -> Bool { Self.selects(row?.name, cases) }

    private static func selects(_ name: String?, _ patterns: [String]) -> Bool {
        guard !patterns.isEmpty else { return true }
        guard let name else { return false }
        let lower = name.lowercased()
        let slug = Slug.make(name)
        return patterns.contains { pattern in
            Glob.matches(pattern.lowercased(), lower) || Glob.matches(pattern.lowercased(), slug)
        }
    }
}
