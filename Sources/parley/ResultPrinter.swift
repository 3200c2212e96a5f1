import Foundation
import ParleyFlow
import ParleyResults
import ParleyRun
import Synchronization

/// Turns run events into console lines: failures in full as they happen, passing runs one line
/// each or, on a terminal with many runs, counted on the live progress line.
struct ResultPrinter: Sendable {
    /// How finished flow runs are shown.
    enum Layout: Sendable, Equatable {
        /// One line per flow run (a terminal with few runs, or a log).
        case lines
        /// One line per flow run with its turns and steps (`--verbose`).
        case verbose
        /// On a terminal: passing runs only move the progress line; failures and errors print in full.
        case live
        /// Off a terminal with `--compact`: failures and errors in full, and a progress line each
        /// time another `every` flow runs have finished (fixed points, so logs compare line by line).
        case log(every: Int)

        /// The layout for a run of `total` flow runs: `--verbose` keeps every line; a terminal with more
        /// runs than rows (or `--compact`) keeps passing runs on the progress line; a log keeps one
        /// line per run unless `--compact` asks for failures and progress only.
        static func choose(verbose: Bool, compact: Bool, terminalRows: Int?, total: Int) -> Layout {
            if verbose { return .verbose }
            guard let rows = terminalRows else { return compact ? .log(every: max(1, (total + 9) / 10)) : .lines }
            // The intro line, the progress line and the first summary line stay in view too.
            return compact || total > rows - 3 ? .live : .lines
        }
    }

    let console: Console
    let layout: Layout
    private let styler: Styler
    /// Flow runs counted by the latest progress line in `.log`, so each milestone prints once.
    private let logged = LoggedProgress()
    /// The run's `budget:`, for saying what ran out.
    var budget: Budget?

    /// Results come with their secrets taken out; the console redacts every line once more.
    init(console: Console, layout: Layout, budget: Budget? = nil) {
        self.console = console
        self.layout = layout
        self.styler = console.styler
        self.budget = budget
    }

    init(console: Console, verbose: Bool, budget: Budget? = nil) {
        self.init(console: console, layout: verbose ? .verbose : .lines, budget: budget)
    }

    func handle(_ event: RunEvent) {
        switch event {
        case .started:
            break
        case .finished(let result, let transcript, let progress):
            if result.outcome != .passed || layout == .lines || layout == .verbose {
                console.out(lines(for: result, transcript: transcript, progress: progress))
            }
            if case .log(let every) = layout { logProgress(progress, every: every) }
            console.setStatus(status(progress, latest: layout == .live ? result : nil))
        case .interrupted(let result, let progress):
            console.out(
                styler("STOP ", .yellow, .bold) + " \(Self.name(result)) (interrupted; not recorded)")
            console.setStatus(status(progress, latest: nil))
        case .writeFailed(let error):
            console.err(console.style("error:", .red, .bold, forErrors: true) + " could not write a result: \(error)")
        case .budgetSpent(let spent, let notStarted):
            console.err(
                console.style("budget:", .yellow, .bold, forErrors: true) + " " + Self.budgetText(spent, budget)
                    + "; not starting the \(notStarted) remaining flow run\(notStarted == 1 ? "" : "s") "
                    + "(those running finish)")
        }
    }

    /// `refund [Dana] #2`: the flow, its persona and, for repeated runs, which repetition; a matrix
    /// run's scenario and a table's row too: `refund [Dana · late parcel] case cracked-blender`.
    static func name(_ result: FlowRunResult) -> String {
        FlowRunName.make(
            flow: result.flow, who: FlowRunName.who(id: result.id, persona: result.persona, scenario: result.scenario),
            caseName: result.dataCase?.name, repetition: result.repetition)
    }

    private func logProgress(_ progress: RunProgress, every: Int) {
        let due = logged.done.withLock { shown in
            guard progress.done >= shown + every || (progress.done == progress.total && shown < progress.total)
            else { return false }
            shown = progress.done
            return true
        }
        if due { console.out(Self.progressText(progress, styler: styler)) }
    }

    /// `[12/200] 10 passed · 1 failed · 1 error · 3.2s · ETA 41s`, for the live line on a terminal
    /// (with the latest flow run that passed) and for progress lines in logs.
    private func status(_ progress: RunProgress, latest: FlowRunResult?) -> String {
        var line = Self.progressText(progress, styler: styler)
        if let latest, latest.outcome == .passed {
            line += " · " + styler("✓ " + Self.name(latest), .dim)
        }
        return line
    }

    static func progressText(_ p: RunProgress, styler: Styler) -> String {
        var parts = [styler("\(p.passed) passed", .green)]
        if p.failed > 0 { parts.append(styler("\(p.failed) failed", .red)) }
        if p.errors > 0 { parts.append(styler("\(p.errors) error\(p.errors == 1 ? "" : "s")", .yellow)) }
        var line = "[\(p.done)/\(p.total)] " + parts.joined(separator: " · ") + " · " + DurationText.format(p.elapsed)
        if p.done > 0, p.done < p.total {
            let remaining = p.elapsed * Double(p.total - p.done) / Double(p.done)
            line += " · ETA " + DurationText.format(remaining)
        }
        return line
    }

    private func lines(for record: FlowRunResult, transcript: String, progress: RunProgress) -> String {
        let counter = styler("[\(progress.done)/\(progress.total)]", .dim)
        var out =
            "\(Self.label(record.outcome, styler: styler)) \(Self.name(record)) "
            + "\(styler(DurationText.format(.milliseconds(Int64(record.durationMs))), .dim)) \(counter)"
        if layout == .verbose { out += "\n" + details(record) }
        if let failure = record.failure {
            let kind = record.outcome == .error ? styler("error:", .yellow) : styler("failed:", .red)
            out += "\n      \(styler("\(failure.location):", .bold)) \(kind) \(failure.message)"
            if let expected = failure.expected, record.outcome == .failed {
                out += "\n      expected:   \(expected)"
            }
            if let actual = failure.actual {
                out +=
                    "\n      \(Self.actualLabel(failure.stepKind)) "
                    + TerminalText.indent(truncate(actual), by: "                  ")
            }
            out += "\n      transcript: \(transcript)"
        }
        return out
    }

    /// What `actual` holds, by the step that failed: the reply, the actions, or the judge's reasoning.
    static func actualLabel(_ stepKind: String) -> String {
        switch StepKind(rawValue: stepKind) {
        case .expectTool?, .expectNoTool?, .expectState?, .expectTools?: "agent did: "
        case .judge?: "judge said:"
        default: "agent said:"
        }
    }

    /// `PASS ` / `FAIL ` / `ERROR`, five columns wide.
    static func label(_ outcome: Outcome, styler: Styler) -> String {
        switch outcome {
        case .passed: styler("PASS ", .green, .bold)
        case .failed: styler("FAIL ", .red, .bold)
        case .error: styler("ERROR", .yellow, .bold)
        }
    }

    private func details(_ result: FlowRunResult) -> String {
        var lines: [String] = []
        for turn in result.turns {
            let who: String
            switch turn.role {
            case .user: who = turn.simulated == true ? "user (simulated)" : "user"
            case .agent: who = "agent"
            case .event: who = "event"
            }
            var line = "      \(styler(who + ":", .cyan)) \(TerminalText.indent(turn.text, by: "        "))"
            if let ms = turn.latencyMs { line += styler("  (\(Int(ms)) ms)", .dim) }
            lines.append(line)
            for action in turn.actions ?? [] {
                lines.append("        " + styler("did: \(action.summary)", .dim))
            }
        }
        for step in result.steps {
            let mark: String
            switch step.status {
            case .passed: mark = styler("ok  ", .green)
            case .failed: mark = styler("FAIL", .red)
            case .error: mark = styler("ERR ", .yellow)
            case .skipped: mark = styler("skip", .dim)
            }
            lines.append(
                "      \(mark) \(step.kind.rawValue) "
                    + "\(styler("\(step.location.file):\(step.location.line)", .dim))"
                    + (step.detail.map { " — \($0)" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }

    /// `spent 12,345 tokens of max_tokens 10,000`, with the cost when the budget has one.
    static func budgetText(_ spent: RunBudget.Spent, _ budget: Budget?) -> String {
        var parts: [String] = []
        if let max = budget?.maxTokens {
            parts.append(
                "spent \(StatisticsText.tokens(spent.tokens)) tokens of max_tokens \(StatisticsText.tokens(max))")
        }
        if let max = budget?.maxCost {
            parts.append("spent \(StatisticsText.cost(spent.cost)) of max_cost \(StatisticsText.cost(max))")
        }
        return parts.isEmpty ? "spent" : parts.joined(separator: " and ")
    }

    /// The closing summary: totals, statistics of repeated flows, the flows that did not pass
    /// (grouped, with counts), the flaky flows, pass rates by persona and scenario, coverage, tokens
    /// and cost, and where the results went.
    func printSummary(
        _ summary: RunSummary, records: [ResultRecord], directory: String, junit: String?, html: String? = nil,
        coverage: RunCoverage? = nil
    ) {
        printSummary(
            summary, notPassed: RunTally(records).notPassed, directory: directory, junit: junit, html: html,
            coverage: coverage)
    }

    /// The closing summary, with the runs that did not pass as tallied while the run went.
    func printSummary(
        _ summary: RunSummary, notPassed: [RunTally.NotPassed], directory: String, junit: String?,
        html: String? = nil, coverage: RunCoverage? = nil
    ) {
        var parts = [styler("\(summary.passed) passed", .green)]
        if summary.failed > 0 { parts.append(styler("\(summary.failed) failed", .red, .bold)) }
        if summary.errors > 0 {
            parts.append(styler("\(summary.errors) error\(summary.errors == 1 ? "" : "s")", .yellow, .bold))
        }
        if summary.notRun > 0 { parts.append("\(summary.notRun) not run") }
        let seconds = summary.finishedAt.timeIntervalSince(summary.startedAt)
        console.out(
            "\n" + parts.joined(separator: ", ") + " — \(summary.total) flow run\(summary.total == 1 ? "" : "s") in "
                + DurationText.format(.milliseconds(Int64(seconds * 1000))))
        printStatistics(summary)
        for flow in summary.flowsBelowMinPassRate {
            let measured =
                summary.gate == .lowerBound
                ? "its 95% lower bound is \(StatisticsText.percent(flow.passRateInterval?.lower ?? 0))"
                : "it passed \(StatisticsText.percent(flow.passRate))"
            console.out(
                styler("below min_pass_rate:", .red, .bold)
                    + " \(flow.flow) needs \(StatisticsText.percent(flow.minPassRate ?? 0)); \(measured) "
                    + "(\(flow.passed)/\(flow.runs))")
        }
        printGroups(summary)
        if let coverage { printCoverage(coverage, directory: directory) }
        if let usage = summary.usage {
            var line =
                "tokens:     \(StatisticsText.tokens(usage.totalTokens)) "
                + "(\(StatisticsText.tokens(usage.inputTokens)) in, \(StatisticsText.tokens(usage.outputTokens)) out)"
            if let cost = usage.cost { line += " · cost \(StatisticsText.cost(cost))" }
            if let unpriced = usage.unpricedModels {
                line += " · no price for \(unpriced.joined(separator: ", ")) (add it under pricing:)"
            }
            console.out(line)
        }
        if let usage = summary.judgeUsage {
            console.out(
                "judges:     \(usage.calls) call\(usage.calls == 1 ? "" : "s"), \(usage.cachedCalls) from the cache, "
                    + "\(usage.totalTokens) tokens")
        }
        let digest = RunDigest(notPassed: notPassed, summary: summary)
        for line in digest.lines(styler: styler, directory: directory) { console.out(line) }
        console.out("results:    \(directory)/")
        if let junit { console.out("junit:      \(junit)") }
        if let html { console.out("report:     \(html)") }
    }

    /// Per-flow statistics when flows ran more than once: pass rate, its 95% interval, pass@k, pass^k.
    private func printStatistics(_ summary: RunSummary) {
        let repeated = summary.flows.filter { $0.runs > 1 }
        guard !repeated.isEmpty else { return }
        let k = summary.k.map(String.init) ?? "k"
        // pass@1 and pass^1 are the pass rate again (several runs of one flow without --repeat).
        let attempts = summary.k.map { $0 > 1 } ?? true
        let thresholds = repeated.contains { $0.minPassRate != nil }
        var rows = [
            ["flow", "passed", "rate", "95% interval"] + (attempts ? ["pass@\(k)", "pass^\(k)"] : [])
                + (thresholds ? ["min"] : [])
        ]
        for flow in repeated {
            rows.append(
                [
                    flow.flow, "\(flow.passed)/\(flow.runs)", StatisticsText.percent(flow.passRate),
                    flow.passRateInterval.map(StatisticsText.interval) ?? "–",
                ]
                    + (attempts
                        ? [
                            flow.passAtK.map(StatisticsText.percent) ?? "–",
                            flow.passHatK.map(StatisticsText.percent) ?? "–",
                        ] : [])
                    + (thresholds
                        ? [
                            flow.minPassRate.map {
                                (flow.meetsMinPassRate == true ? "✓ " : "✗ ") + StatisticsText.percent($0)
                            } ?? ""
                        ] : []))
        }
        printTable(rows)
    }

    /// Pass rates by persona and by scenario, when a run has more than one of either (a matrix, or
    /// flows with different personas), in the statistics' columns; least reliable first.
    private func printGroups(_ summary: RunSummary) {
        for (title, groups) in [("persona", summary.personas), ("scenario", summary.scenarios)] {
            guard let groups, groups.count > 1 else { continue }
            var rows = [[title, "passed", "rate", "95% interval"]]
            let sorted = groups.sorted { a, b in
                a.passRate != b.passRate ? a.passRate < b.passRate : a.name < b.name
            }
            for group in sorted {
                rows.append([
                    group.name, "\(group.passed)/\(group.runs)", StatisticsText.percent(group.passRate),
                    group.passRateInterval.map(StatisticsText.interval) ?? "–",
                ])
            }
            printTable(rows) { index in
                let group = sorted[index]
                return group.passed == group.runs ? nil : group.failed > 0 ? .red : .yellow
            }
        }
    }

    /// `coverage:   6 of 7 declared states, tools and intents exercised (86%); never: issue-refund`.
    private func printCoverage(_ coverage: RunCoverage, directory: String) {
        guard let ratio = coverage.ratio else { return }
        var line =
            "coverage:   \(coverage.exercised) of \(coverage.declared) declared states, tools and intents exercised "
            + "(\(StatisticsText.percent(ratio)))"
        let never = coverage.kinds.flatMap(\.items).filter { $0.declared && !$0.exercised }.map(\.name)
        if !never.isEmpty {
            let listed = never.prefix(5).joined(separator: ", ") + (never.count > 5 ? ", …" : "")
            line += "; never: \(listed) (parley coverage \(RunPick.quoted(directory)))"
        }
        console.out("")
        console.out(line)
    }

    /// Columns padded to their widest cell, the header dimmed; `colour` picks a body row's colour.
    private func printTable(_ rows: [[String]], colour: (Int) -> Console.Style? = { _ in nil }) {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        console.out("")
        for (index, row) in rows.enumerated() {
            let line = row.enumerated().map { column, cell in
                cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingSpaces
            if index == 0 {
                console.out(styler(line, .dim))
            } else if let colour = colour(index - 1) {
                console.out(styler(line, colour))
            } else {
                console.out(line)
            }
        }
    }

    private func truncate(_ text: String, limit: Int = 600) -> String {
        text.count <= limit
            ? text : String(text.prefix(limit)) + "… (\(text.count - limit) more characters in the transcript)"
    }
}

/// The progress a `.log` layout printed last; shared by the copies of a printer.
private final class LoggedProgress: Sendable {
    let done = Mutex(0)
}
