import ParleyRun

/// How a flow run is named wherever one is listed (console, `parley show`, JUnit, the history):
/// `refund [Dana · late parcel] case cracked-blender #2` — the flow, its persona and a matrix run's
/// scenario in brackets, a table's row, and the repetition when there are several.
public enum FlowRunName {
    /// The name; `who` is the bracketed part (see ``who(id:persona:scenario:)``).
    public static func make(flow: String, who: String?, caseName: String? = nil, repetition: Int? = nil) -> String {
        var name = flow
        if let who, !who.isEmpty { name += " [\(who)]" }
        if let caseName { name += " case \(caseName)" }
        if let repetition, repetition > 1 { name += " #\(repetition)" }
        return name
    }

    /// The persona and, for a matrix run, its scenario (`Dana · late parcel`); `nil` when neither.
    /// A scenario is named only when it tells runs of the flow apart: its slug is part of the run's id.
    public static func who(id: String, persona: String?, scenario: String?) -> String? {
        let scenario = FlowRunResult.idNamesScenario(id, scenario: scenario) ? scenario : nil
        let parts = [persona, scenario].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }
}
