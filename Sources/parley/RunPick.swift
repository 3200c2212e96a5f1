import ParleyFlow
import ParleyResults
import ParleyRun

/// Which flow run `parley show` is asked for: `FLOW`, `FLOW#N`, `FLOW [PERSONA] #N` (the name the
/// console prints; a matrix run's `[PERSONA · SCENARIO]`, a table's `case ROW`), a flow run's id
/// (`refund--dana--2`) or the flow's file.
struct RunPick: Equatable {
    var flow: String
    /// What the brackets hold: a persona, a scenario, or both as `PERSONA · SCENARIO`.
    var persona: String?
    /// A row of the flow's table (`case NAME`).
    var caseName: String?
    var repetition: Int?
    /// The argument as given.
    var text: String

    init(parsing argument: String) {
        text = argument
        var rest = argument.trimmingSpaces
        if let hash = rest.lastIndex(of: "#"), let number = Int(rest[rest.index(after: hash)...]), number >= 1 {
            repetition = number
            rest = String(rest[..<hash]).trimmingSpaces
        }
        if let marker = rest.range(of: " case ", options: .backwards) {
            caseName = String(rest[marker.upperBound...]).trimmingSpaces
            rest = String(rest[..<marker.lowerBound]).trimmingSpaces
        }
        if rest.hasSuffix("]"), let open = rest.lastIndex(of: "["), open > rest.startIndex {
            persona = String(rest[rest.index(after: open)..<rest.index(before: rest.endIndex)]).trimmingSpaces
            rest = String(rest[..<open]).trimmingSpaces
        }
        flow = rest
    }

    /// The flow run asked for, and how many other runs matched. Among several runs (repetitions,
    /// personas) the first that did not pass is chosen, else the first.
    func select(from records: [ResultRecord]) -> (record: ResultRecord, others: [ResultRecord])? {
        if let exact = records.first(where: { $0.id == text }) { return (exact, []) }
        var matching = records.filter { record in
            (record.flow == flow || record.file == flow) && matchesVariant(record)
        }
        if matching.isEmpty {
            matching = records.filter { $0.flow.lowercased() == flow.lowercased() }.filter(matchesVariant)
        }
        // Records are in the order runs finished; the choice must not depend on it.
        matching.sort { ($0.variantKey, $0.repetition) < ($1.variantKey, $1.repetition) }
        guard let chosen = matching.first(where: { $0.outcome != .passed }) ?? matching.first else { return nil }
        return (chosen, matching.filter { $0.id != chosen.id })
    }

    /// Whether the record is the persona (or scenario, or both), row and repetition asked for.
    private func matchesVariant(_ record: ResultRecord) -> Bool {
        func same(_ a: String?, _ b: String) -> Bool { a?.lowercased() == b.lowercased() }
        let who = persona.map { same(record.who, $0) || same(record.persona, $0) || same(record.scenario, $0) } ?? true
        return who && (caseName.map { same(record.dataCase?.name, $0) } ?? true)
            && (repetition.map { record.repetition == $0 } ?? true)
    }

    /// Why nothing matched, with the nearest flow name when there is one.
    func notFound(in records: [ResultRecord], directory: String) -> String {
        let names = Array(Set(records.map(\.flow))).sorted()
        var message = "no flow run `\(text)` in \(directory)"
        if names.contains(flow) {
            let runs = records.filter { $0.flow == flow }
                .sorted { ($0.variantKey, $0.repetition) < ($1.variantKey, $1.repetition) }
                .map {
                    Self.pick(flow: $0.flow, persona: $0.who, caseName: $0.dataCase?.name, repetition: $0.repetition)
                }
            let asked = Self.pick(flow: flow, persona: persona, caseName: caseName, repetition: repetition)
            message =
                "flow `\(flow)` has no run `\(asked)` in \(directory); it has "
                + runs.prefix(6).map { "`\($0)`" }.joined(separator: ", ") + (runs.count > 6 ? ", …" : "")
        } else if let near = Suggestion.nearest(to: flow, in: names) {
            message += "; did you mean `\(near)`?"
        }
        return message
    }

    /// The argument that picks the run of `flow` as `persona` (if any; with a matrix run's scenario),
    /// row `caseName` (if any), repetition `n` (if given).
    static func pick(flow: String, persona: String?, caseName: String? = nil, repetition: Int?) -> String {
        FlowRunName.make(flow: flow, who: persona, caseName: caseName)
            + (repetition.map { " #\($0)" } ?? "")
    }

    /// `argument` as a shell word: as it is when it is plain, else in single quotes.
    static func quoted(_ argument: String) -> String {
        let plain =
            !argument.isEmpty && !argument.hasPrefix("#")
            && argument.unicodeScalars.allSatisfy { scalar in
                scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || "-_./:@+=,#%".unicodeScalars.contains(scalar)
            }
        return plain ? argument : "'" + argument.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
