import Foundation
import Testing
import ParleyFlow
import ParleyJSON
import ParleyResults
import ParleyTestSupport

/// `run --html`, `report`, `diff` and `merge`, run as a user would; one test at a time, so these
/// processes do not crowd out the timing-sensitive tests that run beside them.
@Suite(.serialized) struct ResultToolingTests {
    /// A flow against the built-in demo agent that passes, or, with `broken`, fails at line 5.
    static func orderFlow(broken: Bool) -> String {
        """
        flow: order-check
        tags: [orders]
        steps:
          - send: Where is my order?
          - expect: \(broken ? "/has shipped/i" : "/order number/i")
        """
    }

    /// Runs `arguments` and expects exit status `status`, showing everything printed when not.
    @discardableResult
    func parley(_ arguments: [String], in directory: String = ParleyBinary.packageRoot, status: Int32) async throws
        -> ParleyBinary.Output
    {
        let result = try await ParleyBinary.run(arguments, in: directory)
        #expect(result.status == status, "parley \(arguments.joined(separator: " ")):\n\(result.all)")
        return result
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func runWritesAnHTMLReportAfterTheSummary() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        let result = try await parley(
            [
                "run", "flows/greeting.yaml", "flows/fallback.yaml", "--repeat", "2", "--out", dir + "/run",
                "--html", dir + "/report.html",
            ], status: 0)
        #expect(result.stdout.contains("report:     \(dir)/report.html"))
        let html = try read(dir + "/report.html")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("data-count=\"total\"><div class=\"label\">Flow runs</div><div class=\"value\">4<"))
        #expect(html.contains("<span class=\"of\">2/2</span>"), "per-flow pass rate of repeated flows")
        #expect(
            html.components(separatedBy: "<script type=\"application/json\"").count - 1 == 4,
            "every transcript embedded")
        #expect(html.contains("Hello! How can I help you today?"), "the agent's words are in the report")
        #expect(html.firstMatch(of: /(?i)(src|href)\s*=\s*["']?https?:/) == nil)
    }

    @Test func reportWritesIntoTheRunDirectoryAndPrintsTheCounts() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try Self.orderFlow(broken: true).write(toFile: dir + "/order.yaml", atomically: true, encoding: .utf8)
        try await parley(["run", "order.yaml", "--out", "run"], in: dir, status: 1)

        let result = try await parley(["report", "run"], in: dir, status: 0)
        #expect(result.stdout.contains("1 failed"))
        #expect(result.stdout.contains("report:     run/report.html"))
        let html = try read(dir + "/run/report.html")
        #expect(html.contains("<code>order.yaml:5:5</code>"))
        #expect(html.contains("<span class=\"k\">agent said</span><span class=\"v said\">I can check that for you."))
        #expect(html.contains("data-count=\"failed\"><div class=\"label\">Failed</div><div class=\"value\">1<"))

        try await parley(["report", "run", "--out", "elsewhere.html", "--title", "Order checks"], in: dir, status: 0)
        #expect(try read(dir + "/elsewhere.html").contains("<h1>Order checks <span class=\"run-id\">"))

        let missing = try await parley(["report", "no-such-run"], in: dir, status: 2)
        #expect(missing.stderr.contains("error: no-such-run: no such directory"))
    }

    @Test func reportDefaultsToTheLatestRun() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try Self.orderFlow(broken: false).write(toFile: dir + "/order.yaml", atomically: true, encoding: .utf8)
        try await parley(["run", "order.yaml"], in: dir, status: 0)
        let result = try await parley(["report"], in: dir, status: 0)
        #expect(result.stdout.contains("1 passed"))
        #expect(FileManager.default.fileExists(atPath: dir + "/.parley/runs/latest/report.html"))
    }

    @Test func diffExitsOneWhenTheCandidateFailsWhatTheBasePassed() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try Self.orderFlow(broken: false).write(toFile: dir + "/order.yaml", atomically: true, encoding: .utf8)
        try await parley(["run", "order.yaml", "--out", "base"], in: dir, status: 0)
        try Self.orderFlow(broken: true).write(toFile: dir + "/order.yaml", atomically: true, encoding: .utf8)
        try await parley(["run", "order.yaml", "--out", "candidate"], in: dir, status: 1)

        // Reply latency on a loaded machine varies from run to run; only the outcome is under test here.
        let regressed = try await parley(["diff", "base", "candidate", "--latency-floor", "60s"], in: dir, status: 1)
        #expect(regressed.stdout.contains("REGRESSED order-check  new failure · pass rate 100% → 0% (1/1 → 0/1)"))
        #expect(regressed.stdout.contains("order.yaml:5:5: expected the agent's reply to match /has shipped/i"))
        #expect(regressed.stdout.contains("transcript: candidate/transcripts/order-check--default--1.json"))
        #expect(regressed.stdout.contains("regression: 1 regressed, 0 unchanged"))

        let fixed = try await parley(["diff", "candidate", "base", "--latency-floor", "60s"], in: dir, status: 0)
        #expect(fixed.stdout.contains("IMPROVED  order-check  fixed"))
        #expect(fixed.stdout.contains("no regression: 1 improved"))

        try await parley(["diff", "base", "base"], in: dir, status: 0)
        let unreadable = try await parley(["diff", "base", "nowhere"], in: dir, status: 2)
        #expect(unreadable.stderr.contains("nowhere"))
    }

    @Test func diffFindsPassRateDropsFlakinessAndSlowRepliesInEditedResults() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try await parley(["run", "flows/greeting.yaml", "--repeat", "3", "--out", dir + "/base"], status: 0)
        try FileManager.default.createDirectory(atPath: dir + "/candidate", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir + "/base/transcripts", toPath: dir + "/candidate/transcripts")

        // The same run with the second repetition failed and every reply a second slower.
        var lines: [String] = []
        for line in try read(dir + "/base/results.jsonl").split(separator: "\n") {
            var record = try ResultRecord(json: JSONValue(parsing: String(line)))
            if record.repetition == 2 { record.outcome = .failed }
            record.latenciesMs = record.latenciesMs.map { $0 + 1000 }
            lines.append(record.json.serialized)
        }
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: dir + "/candidate/results.jsonl", atomically: true, encoding: .utf8)

        let text = try await parley(["diff", dir + "/base", dir + "/candidate"], status: 1)
        // One failure in six runs is not significant (p = 0.5); the slower replies are the regression.
        #expect(
            text.stdout.contains(
                "new failure · newly flaky · pass rate 100% → 66.7% (3/3 → 2/3), p = 0.500 · p50 "),
            "\(text.stdout)")
        let json = try await parley(["diff", dir + "/base", dir + "/candidate", "--json"], status: 1)
        let comparison = try RunComparison(json: JSONValue(parsing: json.stdout))
        #expect(comparison.regressed)
        #expect(
            comparison.flows.first?.changes.map(\.kind) == [.newFailure, .newlyFlaky, .passRateDrop, .slower, .slower])

        // Generous thresholds leave only the new failure and the flakiness, changed but not significant.
        let lenient = try await parley(
            [
                "diff", dir + "/base", dir + "/candidate", "--json", "--pass-rate-threshold", "50%",
                "--latency-threshold", "20%", "--latency-floor", "5s",
            ], status: 0)
        let changes = try RunComparison(json: JSONValue(parsing: lenient.stdout)).flows.first?.changes
        #expect(changes?.map(\.kind) == [.newFailure, .newlyFlaky])
        #expect(changes?.allSatisfy { $0.significant == false && abs(($0.pValue ?? 0) - 0.5) < 1e-9 } == true)
        let listed = try await parley(
            ["diff", dir + "/base", dir + "/candidate", "--latency-floor", "5s", "--pass-rate-threshold", "50%"],
            status: 0)
        #expect(listed.stdout.contains("CHANGED   greeting  changed, not significant"), "\(listed.stdout)")

        let badThreshold = try await ParleyBinary.run([
            "diff", dir + "/base", dir + "/candidate", "--latency-threshold", "20",
        ])
        #expect(badThreshold.status != 0 && badThreshold.status != 1)
    }

    @Test func mergeCombinesShardsAndRefusesConflictingCopies() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try await parley(["run", "flows/greeting.yaml", "--out", dir + "/shard-1"], status: 0)
        try await parley(["run", "flows/fallback.yaml", "flows/escalation.yaml", "--out", dir + "/shard-2"], status: 0)
        let shardRuns =
            try RunWriter.readRecords(directory: dir + "/shard-1").count
            + RunWriter.readRecords(directory: dir + "/shard-2").count

        let merged = try await parley(
            [
                "merge", dir + "/shard-1", dir + "/shard-2", dir + "/shard-1", "--out", dir + "/all",
                "--junit", dir + "/junit.xml", "--html", dir + "/all.html",
            ], status: 0)
        #expect(
            merged.stdout.contains(
                "merged \(shardRuns) flow runs from 3 run directories (1 identical duplicate kept once)"))
        #expect(merged.stdout.contains("\(shardRuns) passed"))
        let records = try RunWriter.readRecords(directory: dir + "/all")
        #expect(Set(records.map(\.flow)) == ["greeting", "fallback", "escalation"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/all/transcripts").count == shardRuns)
        let summary = try RunFixtures.storedSummary(dir + "/all")
        #expect(summary.total == shardRuns)
        #expect(try read(dir + "/junit.xml").contains("tests=\"\(shardRuns)\" failures=\"0\""))
        #expect(
            try read(dir + "/all.html").contains(
                "data-count=\"total\"><div class=\"label\">Flow runs</div><div class=\"value\">\(shardRuns)<"))

        // Another run of greeting has the same flow-run id but a different conversation.
        try await parley(["run", "flows/greeting.yaml", "--out", dir + "/again"], status: 0)
        let conflict = try await parley(
            ["merge", dir + "/shard-1", dir + "/again", "--out", dir + "/conflicted"], status: 2)
        #expect(conflict.stderr.contains("flow run greeting--default--1 is in both"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/conflicted"))

        let occupied = try await parley(["merge", dir + "/shard-2", "--out", dir + "/all"], status: 2)
        #expect(occupied.stderr.contains("already holds a run"))
    }

    @Test func theNewCommandsTeachByExample() async throws {
        for command in ["report", "diff", "merge"] {
            let help = try await parley([command, "--help"], status: 0)
            #expect(help.stdout.contains("Examples:"), "\(command)")
            #expect(help.stdout.contains("Exit codes:"), "\(command)")
            #expect(help.stdout.contains("parley \(command) "), "\(command)")
        }
        let top = try await parley(["--help"], status: 0)
        for command in ["report", "diff", "merge"] { #expect(top.stdout.contains("  \(command) ")) }
    }
}
