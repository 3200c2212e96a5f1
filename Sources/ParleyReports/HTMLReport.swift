import Foundation
import ParleyFlow
import ParleyResults
import ParleyRun

/// A run as one self-contained HTML page: counts, per-flow pass rates, a reply-latency chart and every
/// flow run — failures first — expandable to its transcript, rendered as a chat.
///
/// The page fetches nothing: styles and script are inline, the chart is SVG drawn here, and a
/// Content-Security-Policy forbids every network load. Transcripts are embedded as JSON, one
/// `<script type="application/json">` per flow run, and turned into markup only when a run is opened,
/// which keeps a report of thousands of conversations quick to open. Every piece of text from a flow,
/// an agent or a user is escaped; the script only ever sets `textContent`.
public enum HTMLReport {
    /// Renders the report of a run. `transcript` is asked for each record's transcript once, one
    /// record after another, so a single transcript is decoded at a time however large the run; when
    /// it throws, the run is still listed, with the reason its transcript is missing.
    public static func render(
        summary: RunSummary, records: [ResultRecord], title: String? = nil, coverage: RunCoverage? = nil,
        transcript: (ResultRecord) throws -> FlowRunResult
    ) -> String {
        let ordered = failuresFirst(records)
        let flaky = Set(summary.flows.filter(\.flaky).map(\.flow))
        var page = ""
        page.reserveCapacity(64_000 + records.count * 1_500)
        page += head(title: title ?? "Parley report · \(summary.runId)")
        page += "<body>\n<main>\n"
        page += header(summary: summary, records: records, title: title)
        page += cards(summary: summary)
        page += latencySection(records: records)
        page += flowsSection(summary: summary)
        page += groupsSection(summary: summary)
        page += coverageSection(coverage)
        page += runsSection(ordered: ordered, flaky: flaky)
        page += "</main>\n<div hidden id=\"transcripts\">\n"
        for (index, record) in ordered.enumerated() {
            let payload: TimelinePayload
            do {
                payload = TimelinePayload(try transcript(record))
            } catch {
                payload = TimelinePayload(unavailable: "\(error)")
            }
            page += "<script type=\"application/json\" id=\"t-\(index)\">"
            page += scriptSafeJSON(payload.json)
            page += "</script>\n"
        }
        page += "</div>\n<script>\n" + script + "\n</script>\n</body>\n</html>\n"
        return page
    }

    /// Renders the report of a run directory, reading its transcripts one at a time.
    public static func render(directory: RunDirectory, title: String? = nil) throws(RunDirectoryError) -> String {
        let records = try directory.records()
        let summary = directory.summary(records: records)
        return render(summary: summary, records: records, title: title, coverage: directory.storedCoverage()) {
            record in
            try directory.transcript(for: record)
        }
    }

    /// Failed runs, then errors, then passes; within each, by flow, persona and repetition.
    static func failuresFirst(_ records: [ResultRecord]) -> [ResultRecord] {
        func rank(_ outcome: Outcome) -> Int {
            switch outcome {
            case .failed: 0
            case .error: 1
            case .passed: 2
            }
        }
        return records.sorted { a, b in
            if rank(a.outcome) != rank(b.outcome) { return rank(a.outcome) < rank(b.outcome) }
            if a.flow != b.flow { return a.flow < b.flow }
            if (a.persona ?? "") != (b.persona ?? "") { return (a.persona ?? "") < (b.persona ?? "") }
            if a.repetition != b.repetition { return a.repetition < b.repetition }
            return a.id < b.id
        }
    }

    // MARK: - Page parts

    private static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src \
        'unsafe-inline'; img-src data:">
        <meta name="generator" content="Parley \(Markup.escape(ParleyVersion.current))">
        <title>\(Markup.escape(title))</title>
        <style>
        \(stylesheet)
        </style>
        </head>

        """
    }

    private static func header(summary: RunSummary, records: [ResultRecord], title: String?) -> String {
        let targets = orderedUnique(records.map { "\($0.target) (\($0.provider))" })
        let verdict: (String, String)
        if summary.failed > 0 {
            verdict = ("failed", "\(summary.failed) failed")
        } else if summary.errors > 0 {
            verdict = ("error", "\(summary.errors) error\(summary.errors == 1 ? "" : "s")")
        } else if summary.total == 0 {
            verdict = ("empty", "nothing ran")
        } else {
            verdict = ("passed", "all passed")
        }
        var out = "<header class=\"top\">\n<div>\n"
        out +=
            "<h1>\(Markup.escape(title ?? "Parley run")) <span "
            + "class=\"run-id\">\(Markup.escape(summary.runId))</span></h1>\n"
        out += "<p class=\"sub\">"
        out += "started \(Markup.escape(timestamp(summary.startedAt)))"
        out += " · target\(targets.count == 1 ? "" : "s") "
        out += targets.isEmpty ? "none" : targets.map { "<b>\(Markup.escape($0))</b>" }.joined(separator: ", ")
        out += "</p>\n</div>\n"
        out += "<div class=\"verdict v-\(verdict.0)\">\(Markup.escape(verdict.1))</div>\n</header>\n"
        return out
    }

    private static func cards(summary: RunSummary) -> String {
        let duration = max(0, summary.finishedAt.timeIntervalSince(summary.startedAt) * 1000)
        var cards: [(String, String, String, String?)] = [
            ("total", "Flow runs", "\(summary.total)", nil),
            ("passed", "Passed", "\(summary.passed)", nil),
            ("failed", "Failed", "\(summary.failed)", nil),
            ("error", "Errors", "\(summary.errors)", nil),
            ("notrun", "Not run", "\(summary.notRun)", nil),
            (
                "rate", "Pass rate", percent(summary.passRate),
                summary.passRateInterval.map { "95% \(percent($0.lower))–\(percent($0.upper))" }
            ),
            ("duration", "Duration", milliseconds(duration), nil),
        ]
        if let latency = summary.latencyMs {
            cards.append(
                (
                    "latency", "Reply latency", milliseconds(latency.p50),
                    "p50 · p90 \(milliseconds(latency.p90)) · p99 \(milliseconds(latency.p99))"
                ))
        }
        if let usage = summary.usage {
            var note = "\(usage.inputTokens) in · \(usage.outputTokens) out"
            if let cost = usage.cost {
                note += " · cost \(String(format: usage.cost ?? 0 < 1 ? "%.4f" : "%.2f", cost))"
            }
            cards.append(("tokens", "Tokens", "\(usage.totalTokens)", note))
        }
        var out = "<section class=\"cards\" aria-label=\"Summary\">\n"
        for (kind, label, value, note) in cards {
            let quiet = (kind == "failed" || kind == "error" || kind == "notrun") && value == "0"
            out += "<div class=\"card c-\(kind)\(quiet ? " quiet" : "")\" data-count=\"\(kind)\">"
            out +=
                "<div class=\"label\">\(Markup.escape(label))</div><div class=\"value\">\(Markup.escape(value))</div>"
            if let note { out += "<div class=\"note\">\(Markup.escape(note))</div>" }
            out += "</div>\n"
        }
        if summary.total > 0 {
            // One bar for the whole run: the share of each outcome at a glance.
            out +=
                "<div class=\"ratio\" role=\"img\" aria-label=\"\(summary.passed) passed, \(summary.failed) failed, "
                + "\(summary.errors) errors\">"
            for (kind, count) in [("passed", summary.passed), ("failed", summary.failed), ("error", summary.errors)]
            where count > 0 {
                out += "<span class=\"r-\(kind)\" style=\"flex-grow:\(count)\"></span>"
            }
            out += "</div>\n"
        }
        out += "</section>\n"
        return out
    }

    private static func latencySection(records: [ResultRecord]) -> String {
        let profile = TurnLatencyProfile(records: records)
        var out = "<section class=\"panel\" id=\"latency\">\n<div class=\"panel-head\"><h2>Reply latency by turn</h2>"
        out +=
            "<div class=\"legend\"><span class=\"k-p50\">p50</span><span class=\"k-p90\">p90</span><span "
            + "class=\"k-p99\">p99</span></div></div>\n"
        if profile.positions.isEmpty {
            out += "<p class=\"empty\">No agent replies were recorded.</p>\n"
        } else {
            out +=
                "<p class=\"hint\">Time from the user's message (or the conversation's start) to the agent's "
                + "complete reply, "
            out += "by reply number across all flow runs.</p>\n"
            out += latencyChart(profile)
        }
        out += "</section>\n"
        return out
    }

    // MARK: - Helpers

    static func orderedUnique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }

    /// `2025-11-21 21:05:13 UTC`: a report is read in many time zones, so one fixed zone.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) UTC"
    }
}
