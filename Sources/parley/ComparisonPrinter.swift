import Foundation
import ParleyResults

/// Prints a run comparison: one block per changed flow, regressions first, then a verdict line.
struct ComparisonPrinter {
    let console: Console
    let showUnchanged: Bool

    func print(_ comparison: RunComparison) {
        console.out("base:       \(totals(comparison.base))")
        console.out("candidate:  \(totals(comparison.candidate))")
        console.out("")
        var counts = (regressed: 0, improved: 0, notSignificant: 0, removed: 0, added: 0, unchanged: 0)
        for flow in comparison.flows {
            let label: String
            if flow.regressed {
                counts.regressed += 1
                label = console.style("REGRESSED", .red, .bold)
            } else if flow.improved {
                counts.improved += 1
                label = console.style("IMPROVED ", .green, .bold)
            } else if flow.changedNotSignificant {
                counts.notSignificant += 1
                label = console.style("CHANGED  ", .yellow)
            } else if flow.changes.contains(where: { $0.kind == .onlyInBase }) {
                counts.removed += 1
                label = console.style("REMOVED  ", .yellow)
            } else if flow.changes.contains(where: { $0.kind == .onlyInCandidate }) {
                counts.added += 1
                label = console.style("ADDED    ", .cyan)
            } else {
                counts.unchanged += 1
                guard showUnchanged else { continue }
                label = console.style("same     ", .dim)
            }
            let who = [flow.persona, flow.scenario].compactMap { $0 }.joined(separator: " · ")
            let name = FlowRunName.make(flow: flow.flow, who: who, caseName: flow.caseName)
            console.out("\(label) \(console.style(name, .bold))  \(describe(flow))")
            if flow.regressed, let stats = flow.candidate, let failure = stats.failure,
                flow.changes.contains(where: {
                    $0.kind == .newFailure || $0.kind == .newlyFlaky || $0.kind == .passRateDrop
                })
            {
                console.out("          \(console.style("\(failure.location):", .bold)) \(failure.message)")
                if let actual = failure.actual {
                    console.out("          agent said: " + TerminalText.oneLine(actual))
                }
                if let transcript = stats.failureTranscript {
                    console.out(
                        "          transcript: "
                            + (comparison.candidate.name as NSString).appendingPathComponent(transcript))
                }
            }
        }
        var parts: [String] = []
        if counts.regressed > 0 { parts.append(console.style("\(counts.regressed) regressed", .red, .bold)) }
        if counts.improved > 0 { parts.append(console.style("\(counts.improved) improved", .green)) }
        if counts.notSignificant > 0 { parts.append("\(counts.notSignificant) changed, not significant") }
        if counts.removed > 0 { parts.append("\(counts.removed) only in base") }
        if counts.added > 0 { parts.append("\(counts.added) only in candidate") }
        parts.append("\(counts.unchanged) unchanged")
        if comparison.flows.count > counts.unchanged { console.out("") }
        let verdict =
            comparison.regressed
            ? console.style("regression", .red, .bold) : console.style("no regression", .green, .bold)
        console.out(
            "\(verdict): " + parts.joined(separator: ", ") + " (flow and persona; latency threshold "
                + "\(percent(comparison.thresholds.latencyIncrease)) and "
                + "\(Int(comparison.thresholds.latencyFloorMs)) ms, "
                + "pass-rate threshold \(percent(comparison.thresholds.passRateDrop)), "
                + "α \(comparison.thresholds.alpha) for repeated flows)")
    }

    private func totals(_ run: RunComparison.RunTotals) -> String {
        var text = "\(run.name)  \(run.total) flow run\(run.total == 1 ? "" : "s"), \(percent(run.passRate)) passed"
        if run.failed > 0 { text += ", \(run.failed) failed" }
        if run.errors > 0 { text += ", \(run.errors) error\(run.errors == 1 ? "" : "s")" }
        return text
    }

    /// `new failure · pass rate 100% → 0% (3/3 → 0/3) · p50 120 ms → 480 ms (+300%)`; for repeated
    /// flows the p-value follows the pass rate, and a change without significance says so.
    private func describe(_ flow: RunComparison.FlowComparison) -> String {
        var parts: [String] = []
        if flow.changedNotSignificant, !flow.regressed, !flow.improved {
            parts.append(console.style("changed, not significant", .yellow))
        }
        var rateShown = false
        for change in flow.changes {
            switch change.kind {
            case .newFailure: parts.append(console.style("new failure", .red))
            case .newlyFlaky: parts.append(console.style("newly flaky", .magenta))
            case .fixed: parts.append(console.style("fixed", .green))
            case .noLongerFlaky: parts.append("no longer flaky")
            case .passRateDrop, .passRateRise:
                rateShown = true
                parts.append(passRate(flow))
            case .slower, .faster:
                let (b, c) = (change.base ?? 0, change.candidate ?? 0)
                let relative = b > 0 ? " (\(c > b ? "+" : "−")\(percent(abs(c - b) / b)))" : ""
                let from = TerminalText.milliseconds(b)
                parts.append("\(change.percentile ?? "latency") \(from) → \(TerminalText.milliseconds(c))\(relative)")
            case .onlyInBase: parts.append("only in the base run")
            case .onlyInCandidate: parts.append("only in the candidate run")
            }
        }
        if !rateShown, flow.base != nil, flow.candidate != nil, !flow.changes.isEmpty || showUnchanged {
            parts.append(passRate(flow))
        }
        return parts.joined(separator: " · ")
    }

    private func passRate(_ flow: RunComparison.FlowComparison) -> String {
        guard let b = flow.base, let c = flow.candidate else { return "" }
        var text =
            "pass rate \(percent(b.passRate)) → \(percent(c.passRate)) "
            + "(\(b.passed)/\(b.runs) → \(c.passed)/\(c.runs))"
        if let p = flow.changes.lazy.compactMap(\.pValue).min() { text += ", p = \(StatisticsText.pValue(p))" }
        return text
    }

    private func percent(_ value: Double) -> String { StatisticsText.percent(value) }

    private func milliseconds(_ ms: Double) -> String {
        ms < 1000 ? "\(Int(ms.rounded())) ms" : String(format: "%.2f s", ms / 1000)
    }

    private func oneLine(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= 200 ? flat : String(flat.prefix(200)) + "…"
    }
}
