import Foundation
import ParleyJSON
import ParleyResults
import Testing

/// Tokens, the budget stop and the history, run as a user would: simulated users from the built-in
/// sandbox's OpenAI-compatible endpoint, which reports token usage like OpenAI does.
@Suite(.serialized) struct HistoryAndBudgetTests {
    /// A project whose flows each ask the sandbox's simulated user for one turn.
    static func project(flows: Int, budget: String?) throws -> String {
        let dir = try ParleyBinary.temporaryDirectory()
        var config = """
            simulators:
              openai: { provider: sandbox }
            pricing:
              parley-simulated-user: { input: 2.5, output: 10 }

            """
        if let budget { config += "budget: \(budget)\n" }
        try config.write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/flows", withIntermediateDirectories: true)
        for index in 1...flows {
            try """
            flow: ask-\(index)
            simulator: openai
            persona: { name: Dana, background: Her order ORD-1042 is late. }
            steps:
              - expect: /how can I help/i
              - recommend: {}
            """.write(toFile: dir + "/flows/ask-\(index).yaml", atomically: true, encoding: .utf8)
        }
        return dir
    }

    func json(_ path: String) throws -> JSONValue {
        try JSONValue(parsing: [UInt8](FileManager.default.contents(atPath: path) ?? Data()))
    }

    @Test func tokensAreRecordedPricedAndTotalled() async throws {
        let dir = try Self.project(flows: 2, budget: nil)
        let result = try await ParleyBinary.run(["run", "--out", "run", "--no-history"], in: dir)
        #expect(result.status == 0, "\(result.all)")
        #expect(result.stdout.contains("tokens:"), "\(result.stdout)")
        let lines = try String(contentsOfFile: dir + "/run/results.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let record = try JSONValue(parsing: String(lines[0]))
        let usage = try #require(record["usage"]?[0])
        #expect(usage["role"]?.string == "simulator")
        #expect(usage["model"]?.string == "parley-simulated-user")
        #expect(usage["calls"]?.int == 1)
        let input = try #require(usage["input_tokens"]?.int)
        let output = try #require(usage["output_tokens"]?.int)
        #expect(input > 0 && output > 0)
        let cost = try #require(record["cost"]?.double)
        #expect(abs(cost - (Double(input) * 2.5 + Double(output) * 10) / 1_000_000) < 1e-12)
        let summary = try json(dir + "/run/summary.json")
        #expect(summary["usage"]?["input_tokens"]?.int ?? 0 >= input)
        #expect(summary["usage"]?["cost"]?.double ?? 0 > cost)
    }

    @Test func theBudgetStopsStartingFlowRunsAndExitsThree() async throws {
        let dir = try Self.project(flows: 4, budget: "{ max_tokens: 1 }")
        let result = try await ParleyBinary.run(["run", "--out", "run", "-j", "1", "--no-history"], in: dir)
        #expect(result.status == 3, "\(result.all)")
        #expect(result.stderr.contains("budget:"), "\(result.all)")
        #expect(result.stdout.contains("3 flow runs not started"), "\(result.stdout)")
        let lines = try String(contentsOfFile: dir + "/run/results.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1, "the finished flow run is kept, no other started")
        let summary = try json(dir + "/run/summary.json")
        #expect(summary["not_run"]?.int == 3)
        #expect(summary["budget"]?["not_started"]?.int == 3)
        #expect(summary["budget"]?["max_tokens"]?.int == 1)
        #expect(summary["budget"]?["spent_tokens"]?.int ?? 0 > 1)
        // With the budget raised, resuming runs what is missing.
        try String(contentsOfFile: dir + "/parley.yaml", encoding: .utf8)
            .replacingOccurrences(of: "max_tokens: 1 ", with: "max_tokens: 1000000 ")
            .write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        let resumed = try await ParleyBinary.run(["run", "--resume", "run", "--no-history"], in: dir)
        #expect(resumed.status == 0, "\(resumed.all)")
        #expect(
            try String(contentsOfFile: dir + "/run/results.jsonl", encoding: .utf8).split(separator: "\n").count == 4)
    }

    @Test func runsAreRecordedAndImportedOnce() async throws {
        let dir = try Self.project(flows: 2, budget: nil)
        let run = try await ParleyBinary.run(["run", "--out", "run", "--repeat", "3", "--k", "2"], in: dir)
        #expect(run.status == 0, "\(run.all)")
        #expect(FileManager.default.fileExists(atPath: dir + "/.parley/history.sqlite"))
        #expect(run.stdout.contains("pass@2"), "\(run.stdout)")
        let summary = try json(dir + "/run/summary.json")
        let flow = try #require(summary["flows"]?[0])
        #expect(flow["pass_rate_interval"]?["lower"]?.number != nil)
        #expect(flow["pass_at_k"]?.int == 1)
        #expect(flow["pass_hat_k"]?.int == 1)

        // The run recorded itself; importing it again changes nothing.
        let again = try await ParleyBinary.run(["history", "import", "run"], in: dir)
        #expect(again.status == 0, "\(again.all)")
        #expect(again.stdout.contains("0 runs recorded, 1 already there"), "\(again.stdout)")
        // Into another history: recorded once, however often imported (twice in one command, too).
        for expected in ["1 run recorded, 1 already there", "0 runs recorded, 2 already there"] {
            let imported = try await ParleyBinary.run(
                ["history", "import", "run", "run", "--history", "other.sqlite"], in: dir)
            #expect(imported.status == 0, "\(imported.all)")
            #expect(imported.stdout.contains(expected), "\(imported.stdout)")
        }
        let report = try await ParleyBinary.run(["history", "--history", "other.sqlite", "--json"], in: dir)
        #expect(report.status == 0, "\(report.all)")
        let parsed = try JSONValue(parsing: report.stdout)
        #expect(parsed["runs"]?.array?.count == 1)
        #expect(parsed["runs"]?[0]?["total"]?.int == 6)
        // The run recorded as it finished (from the summary in hand) and the same run imported
        // (from its directory) are recorded alike.
        let recorded = try await ParleyBinary.run(["history", "--json"], in: dir)
        #expect(recorded.status == 0, "\(recorded.all)")
        func runs(_ text: String) throws -> [JSONValue] {
            try JSONValue(parsing: text)["runs"]?.array?.map { run in
                guard case .object(let members) = run else { return run }
                return .object(members.filter { $0.0 != "recorded_at" })
            } ?? []
        }
        #expect(try runs(recorded.stdout) == runs(report.stdout))
        #expect(try runs(recorded.stdout).first?["targets"] != nil)
        let shown = try await ParleyBinary.run(["history", "--flow", "ask-1", "--html", "history.html"], in: dir)
        #expect(shown.status == 0, "\(shown.all)")
        #expect(shown.stdout.contains("Pass rate per run"))
        #expect(try String(contentsOfFile: dir + "/history.html", encoding: .utf8).contains("pass-rate-chart"))
    }

    @Test func aRunComparedWithItsBaselineExitsOneOnARegression() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        let flow = dir + "/order.yaml"
        try ResultToolingTests.orderFlow(broken: false).write(toFile: flow, atomically: true, encoding: .utf8)
        let base = try await ParleyBinary.run(["run", "order.yaml", "--out", "base", "--no-history"], in: dir)
        #expect(base.status == 0, "\(base.all)")
        let steady = try await ParleyBinary.run(
            ["run", "order.yaml", "--out", "steady", "--no-history", "--baseline", "base"], in: dir)
        #expect(steady.stdout.contains("base:       base"), "\(steady.all)")
        try ResultToolingTests.orderFlow(broken: true).write(toFile: flow, atomically: true, encoding: .utf8)
        let broken = try await ParleyBinary.run(
            ["run", "order.yaml", "--out", "broken", "--no-history", "--baseline", "base"], in: dir)
        #expect(broken.status == 1, "\(broken.all)")
        #expect(broken.stdout.contains("REGRESSED order-check  new failure"), "\(broken.stdout)")
        let missing = try await ParleyBinary.run(
            ["run", "order.yaml", "--out", "other", "--no-history", "--baseline", "nowhere"], in: dir)
        #expect(missing.status == 2)
        #expect(!FileManager.default.fileExists(atPath: dir + "/other/results.jsonl"), "nothing ran")
    }

    @Test func anUnreachableHistoryIsAWarningNotALostRun() async throws {
        let dir = try Self.project(flows: 1, budget: nil)
        let run = try await ParleyBinary.run(
            ["run", "--out", "run", "--history", "postgres://parley:hunter2secret@127.0.0.1:1/none?sslmode=disable"],
            in: dir)
        #expect(run.status == 0, "\(run.all)")
        #expect(run.stderr.contains("not recorded in the history"), "\(run.all)")
        #expect(!run.all.contains("hunter2secret"))
        #expect(FileManager.default.fileExists(atPath: dir + "/run/summary.json"))
        let history = try await ParleyBinary.run(
            ["history", "--history", "postgres://parley:hunter2secret@127.0.0.1:1/none?sslmode=disable"], in: dir)
        #expect(history.status == 3)
        #expect(!history.all.contains("hunter2secret"))
    }
}
