import Foundation
import ParleyResults
import ParleyRun

/// The part of a closing summary that says what to look at: the flows that did not pass, grouped by
/// flow and variant (persona, scenario, table row) with counts over repeated runs, and the flaky
/// flows. Lines, not printing, so it is tested without a terminal.
struct RunDigest {
    /// The runs of one flow (and persona, scenario, row) that did not pass.
    typealias Group = RunTally.NotPassed

    var groups: [Group]
    var flaky: [RunSummary.FlowSummary]
    /// At most this many groups are listed; the rest are counted.
    var limit = 30

    init(records: [ResultRecord], summary: RunSummary) {
        self.init(notPassed: RunTally(records).notPassed, summary: summary)
    }

    /// The digest of groups tallied as the run went (``RunTally/notPassed``).
    init(notPassed: [Group], summary: RunSummary) {
        // Failures (the agent's behaviour) before errors (reaching it), then by name: runs finish in any
        // order, and a log read next to yesterday's should list the same flows the same way.
        groups = notPassed.sorted { a, b in
            if (a.failed > 0) != (b.failed > 0) { return a.failed > 0 }
            return (a.flow, a.persona ?? "", a.caseName ?? "") < (b.flow, b.persona ?? "", b.caseName ?? "")
        }
        flaky = summary.flows.filter(\.flaky).sorted { $0.flow < $1.flow }
    }

    /// The digest's lines; `directory` is named in the hint to `parley show`.
    func lines(styler: Styler, directory: String) -> [String] {
        var lines: [String] = []
        if !groups.isEmpty {
            let flows = Set(groups.map(\.flow)).count
            lines.append("")
            lines.append(styler("Did not pass", .bold) + " (\(flows) flow\(flows == 1 ? "" : "s")):")
            for group in groups.prefix(limit) {
                lines += describe(group, styler: styler)
            }
            if groups.count > limit {
                let more = groups.count - limit
                lines.append(
                    "  … and \(more) more; `parley show \(directory)` lists every flow run that did not pass")
            }
            let example = groups[0]
            lines.append(
                styler("  read one:", .dim) + " parley show \(RunPick.quoted(directory)) "
                    + RunPick.quoted(
                        RunPick.pick(
                            flow: example.flow, persona: example.persona, caseName: example.caseName,
                            repetition: example.runs > 1 ? example.first.repetition : nil)))
        }
        if !flaky.isEmpty {
            lines.append("")
            for flow in flaky {
                lines.append(
                    styler("flaky:", .magenta, .bold) + " \(flow.flow) passed \(flow.passed) of \(flow.runs) runs")
            }
        }
        return lines
    }

    /// `FAIL  refund [Dana]  2 of 5 runs failed (#2, #4)` and the first failure's location and message.
    private func describe(_ group: Group, styler: Styler) -> [String] {
        let outcome: Outcome = group.failed > 0 ? .failed : .error
        var counts: [String] = []
        if group.failed > 0 { counts.append("\(group.failed) failed") }
        if group.errors > 0 { counts.append("\(group.errors) error\(group.errors == 1 ? "" : "s")") }
        var head = "  \(ResultPrinter.label(outcome, styler: styler)) \(styler(name(group), .bold))"
        if group.runs > 1 {
            let which = group.repetitions.prefix(8).map { "#\($0)" }.joined(separator: ", ")
            let more = group.failed + group.errors > 8 ? ", …" : ""
            head += "  \(counts.joined(separator: ", ")) of \(group.runs) runs (\(which)\(more))"
        }
        var lines = [head]
        if let failure = group.first.failure {
            var reason = "        \(styler("\(failure.location):", .dim)) "
            if group.first.outcome == .error, let kind = failure.errorKind { reason += "[\(kind)] " }
            reason += TerminalText.oneLine(failure.message, limit: 160)
            let others = group.reasons - 1
            if others > 0 {
                let more = group.reasons >= RunTally.reasonLimit ? " or more" : ""
                reason += styler("  (+\(others)\(more) other reason\(others == 1 ? "" : "s"))", .dim)
            }
            lines.append(reason)
        }
        return lines
    }

    private func name(_ group: Group) -> String {
        FlowRunName.make(flow: group.flow, who: group.persona, caseName: group.caseName)
    }
}
