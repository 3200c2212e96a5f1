import Foundation
import ParleyFlow
import ParleyResults
import ParleyRun

/// Turns run events into console lines: one per finished flow run, details for failures.
struct ResultPrinter: Sendable {
    let console: Console
    let verbose: Bool

    /// Results come with their secrets taken out; the console redacts every line once more.
    init(console: Console, verbose: Bool) {
        self.console = console
        self.verbose = verbose
    }

    func handle(_ event: RunEvent) {
        switch event {
        case .started:
            break
        case .finished(let result, let transcript, let progress):
            console.out(lines(for: result, transcript: transcript, progress: progress))
            console.setStatus(status(progress))
        case .interrupted(let result, let progress):
            var name = result.flow
            if let persona = result.persona { name += " [\(persona)]" }
            console.out(console.style("STOP ", .yellow, .bold) + " \(name) (interrupted; not recorded)")
            console.setStatus(status(progress))
        case .writeFailed(let error):
            console.err(console.style("error:", .red, .bold, forErrors: true) + " could not write a result: \(error)")
        }
    }

    /// `[12/200] 10 passed · 1 failed · 1 error · 3.2s · ETA 41s`, for the live line on a terminal.
    private func status(_ p: RunProgress) -> String {
        var parts = [console.style("\(p.passed) passed", .green)]
        if p.failed > 0 { parts.append(console.style("\(p.failed) failed", .red)) }
        if p.errors > 0 { parts.append(console.style("\(p.errors) error\(p.errors == 1 ? "" : "s")", .yellow)) }
        var line = "[\(p.done)/\(p.total)] " + parts.joined(separator: " · ") + " · " + DurationText.format(p.elapsed)
        if p.done > 0, p.done < p.total {
            let remaining = p.elapsed * Double(p.total - p.done) / Double(p.done)
            line += " · ETA " + DurationText.format(remaining)
        }
        return line
    }

    private func lines(for record: FlowRunResult, transcript: String, progress: RunProgress) -> String {
        let label: String
        switch record.outcome {
        case .passed: label = console.style("PASS ", .green, .bold)
        case .failed: label = console.style("FAIL ", .red, .bold)
        case .error: label = console.style("ERROR", .yellow, .bold)
        }
        var name = record.flow
        if let persona = record.persona { name += " [\(persona)]" }
        if record.repetition > 1 { name += " #\(record.repetition)" }
        let counter = console.style("[\(progress.done)/\(progress.total)]", .dim)
        var out =
            "\(label) \(name) \(console.style(DurationText.format(.milliseconds(Int64(record.durationMs))), .dim)) "
            + "\(counter)"
        if verbose { out += "\n" + details(record) }
        if let failure = record.failure {
            let kind = record.outcome == .error ? console.style("error:", .yellow) : console.style("failed:", .red)
            out += "\n      \(console.style("\(failure.location):", .bold)) \(kind) \(failure.message)"
            if let expected = failure.expected, record.outcome == .failed {
                out += "\n      expected:   \(expected)"
            }
            if let actual = failure.actual {
                out +=
                    "\n      \(Self.actualLabel(failure.stepKind)) "
                    + indent(truncate(actual), by: "                  ")
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

    private func details(_ result: FlowRunResult) -> String {
        var lines: [String] = []
        for turn in result.turns {
            let who: String
            switch turn.role {
            case .user: who = turn.simulated == true ? "user (simulated)" : "user"
            case .agent: who = "agent"
            case .event: who = "event"
            }
            var line = "      \(console.style(who + ":", .cyan)) \(indent(turn.text, by: "        "))"
            if let ms = turn.latencyMs { line += console.style("  (\(Int(ms)) ms)", .dim) }
            lines.append(line)
            for action in turn.actions ?? [] {
                lines.append("        " + console.style("did: \(action.summary)", .dim))
            }
        }
        for step in result.steps {
            let mark: String
            switch step.status {
            case .passed: mark = console.style("ok  ", .green)
            case .failed: mark = console.style("FAIL", .red)
            case .error: mark = console.style("ERR ", .yellow)
            case .skipped: mark = console.style("skip", .dim)
            }
            lines.append(
                "      \(mark) \(step.kind.rawValue) "
                    + "\(console.style("\(step.location.file):\(step.location.line)", .dim))"
                    + (step.detail.map { " — \($0)" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }

    func printSummary(_ summary: RunSummary, directory: String, junit: String?, html: String? = nil) {
        var parts = [console.style("\(summary.passed) passed", .green)]
        if summary.failed > 0 { parts.append(console.style("\(summary.failed) failed", .red, .bold)) }
        if summary.errors > 0 {
            parts.append(console.style("\(summary.errors) error\(summary.errors == 1 ? "" : "s")", .yellow, .bold))
        }
        if summary.notRun > 0 { parts.append("\(summary.notRun) not run") }
        let seconds = summary.finishedAt.timeIntervalSince(summary.startedAt)
        console.out(
            "\n" + parts.joined(separator: ", ") + " — \(summary.total) flow run\(summary.total == 1 ? "" : "s") in "
                + DurationText.format(.milliseconds(Int64(seconds * 1000))))
        for flow in summary.flows where flow.flaky {
            console.out(
                console.style("flaky:", .magenta, .bold) + " \(flow.flow) passed \(flow.passed) of \(flow.runs) runs")
        }
        if let usage = summary.judgeUsage {
            console.out(
                "judges:     \(usage.calls) call\(usage.calls == 1 ? "" : "s"), \(usage.cachedCalls) from the cache, "
                    + "\(usage.totalTokens) tokens")
        }
        console.out("results:    \(directory)/")
        if let junit { console.out("junit:      \(junit)") }
        if let html { console.out("report:     \(html)") }
    }

    private func truncate(_ text: String, limit: Int = 600) -> String {
        text.count <= limit
            ? text : String(text.prefix(limit)) + "… (\(text.count - limit) more characters in the transcript)"
    }

    private func indent(_ text: String, by prefix: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + prefix)
    }
}
