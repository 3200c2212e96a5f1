import ParleyResults
import ParleyRun

/// The flow runs of a run directory that `parley show` offers to read: those that did not pass
/// (failures first), or every run. Each row starts with the argument that picks it.
struct RunListing {
    var styler: Styler
    var all = false
    /// The terminal's columns: reasons are cut to fit. `nil` (a pipe) allows 140 characters.
    var width: Int? = nil

    func lines(records: [ResultRecord], summary: RunSummary, directory: String) -> [String] {
        var counts = ["\(summary.passed) passed"]
        if summary.failed > 0 { counts.append("\(summary.failed) failed") }
        if summary.errors > 0 { counts.append("\(summary.errors) error\(summary.errors == 1 ? "" : "s")") }
        var lines = [
            styler(directory, .bold) + " — \(records.count) flow run\(records.count == 1 ? "" : "s"): "
                + counts.joined(separator: ", ")
        ]
        // Failures, then errors (then passes, with --all), each by flow, persona and repetition.
        let rank: [Outcome: Int] = [.failed: 0, .error: 1, .passed: 2]
        let shown = records.filter { all || $0.outcome != .passed }.sorted { a, b in
            (rank[a.outcome] ?? 2, a.flow, a.variantKey, a.repetition)
                < (rank[b.outcome] ?? 2, b.flow, b.variantKey, b.repetition)
        }
        guard !shown.isEmpty else {
            lines.append("")
            lines.append(
                records.isEmpty
                    ? "no flow runs recorded yet"
                    : "every flow run passed; `parley show \(RunPick.quoted(directory)) FLOW` reads one, "
                        + "`--all` lists them")
            return lines
        }
        // Repetition numbers only where a flow (and persona) ran more than once.
        var runsPerFlow: [String: Int] = [:]
        for record in records { runsPerFlow[record.flow + "\u{0}" + record.variantKey, default: 0] += 1 }
        let picks = shown.map { record in
            RunPick.pick(
                flow: record.flow, persona: record.who, caseName: record.dataCase?.name,
                repetition: (runsPerFlow[record.flow + "\u{0}" + record.variantKey] ?? 0) > 1
                    ? record.repetition : nil)
        }
        let column = min(48, picks.map(\.count).max() ?? 0)
        lines.append("")
        for (record, pick) in zip(shown, picks) {
            var row =
                "  \(ResultPrinter.label(record.outcome, styler: styler))  "
                + pick.padding(toLength: max(column, pick.count), withPad: " ", startingAt: 0)
            if let failure = record.failure {
                row += "  " + styler(failure.location.description, .dim)
                lines.append(row)
                var reason = failure.message
                if record.outcome == .error, let kind = failure.errorKind { reason = "[\(kind)] " + reason }
                let room = max(20, min(140, (width ?? 149) - 9))
                lines.append("         " + TerminalText.oneLine(reason, limit: room))
            } else {
                row += "  " + styler(TerminalText.milliseconds(record.durationMs), .dim)
                lines.append(row)
            }
        }
        lines.append("")
        lines.append(
            styler("read one:", .dim) + " parley show \(RunPick.quoted(directory)) \(RunPick.quoted(picks[0]))")
        return lines
    }
}
