import Foundation
import ParleyResults
import ParleyRun

/// The part of a closing summary that says what to look at: the flows that did not pass, grouped by
/// flow and persona with counts over repeated runs, and the flaky flows. Lines, not printing, so it
/// is tested without a terminal.
struct RunDigest {
    /// The runs of one flow (and persona) that did not pass.
    struct Group: Equatable {
        var flow: String
        var persona: String?
        var runs: Int
        var failed: Int
        var errors: Int
        /// The first run that did not pass: its failure is the one shown.
        var first: ResultRecord
        /// Other failure messages among the group's runs, beyond the first one's.
        var otherReasons: Int
        /// Repetition numbers of the runs that did not pass, in order.
        var repetitions: [Int]
    }

    var groups: [Group]
    var flaky: [RunSummary.FlowSummary]
    /// At most this many groups are listed; the rest are counted.
    var limit = 30

    init(records: [ResultRecord], summary: RunSummary) {
        let byKey = Dictionary(grouping: records) { $0.flow + "\u{0}" + ($0.persona ?? "") }
        var groups: [Group] = []
        for runs in byKey.values {
            let bad = runs.filter { $0.outcome != .passed }.sorted { $0.repetition < $1.repetition }
            guard let first = bad.first else { continue }
            let reasons = Set(bad.map { "\($0.failure?.location.description ?? "") \($0.failure?.message ?? "")" })
            groups.append(
                Group(
                    flow: first.flow, persona: first.persona, runs: runs.count,
                    failed: bad.count { $0.outcome == .failed }, errors: bad.count { $0.outcome == .error },
                    first: first, otherReasons: reasons.count - 1, repetitions: bad.map(\.repetition)))
        }
        // Failures (the agent's behaviour) before errors (reaching it), then by name: runs finish in any
        // order, and a log read next to yesterday's should list the same flows the same way.
        self.groups = groups.sorted { a, b in
            if (a.failed > 0) != (b.failed > 0) { return a.failed > 0 }
            return (a.flow, a.persona ?? "") < (b.flow, b.persona ?? "")
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
                            flow: example.flow, persona: example.persona,
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
            let more = group.repetitions.count > 8 ? ", …" : ""
            head += "  \(counts.joined(separator: ", ")) of \(group.runs) runs (\(which)\(more))"
        }
        var lines = [head]
        if let failure = group.first.failure {
            var reason = "        \(styler("\(failure.location):", .dim)) "
            if group.first.outcome == .error, let kind = failure.errorKind { reason += "[\(kind)] " }
            reason += TerminalText.oneLine(failure.message, limit: 160)
            if group.otherReasons > 0 {
                reason += styler(
                    "  (+\(group.otherReasons) other reason\(group.otherReasons == 1 ? "" : "s"))", .dim)
            }
            lines.append(reason)
        }
        return lines
    }

    private func name(_ group: Group) -> String {
        ResultPrinter.name(flow: group.flow, persona: group.persona, repetition: nil)
    }
}
