import Foundation
import ParleyFlow
import ParleyTestSupport
import Testing
@testable import ParleyHistory
@testable import ParleyResults
@testable import ParleyRun

@Suite struct HistoryStoreTests {
    /// A run of `outcomes` for flow `refund` (and `greeting`, always passing), started `day` days in.
    static func run(
        _ id: String, day: Double = 0, refund outcomes: [Outcome] = [.passed], latency: Double = 200,
        commit: String? = nil, usage: [TokenUsage]? = nil
    ) -> RecordedRun {
        var results = outcomes.enumerated().map { index, outcome in
            RunFixtures.result(
                flow: "refund", persona: nil, repetition: index + 1, outcome: outcome, latencies: [latency, latency],
                startOffset: day * 86_400)
        }
        results.append(
            RunFixtures.result(flow: "greeting", persona: nil, latencies: [latency / 2], startOffset: day * 86_400))
        var records = results.map { ResultRecord($0, transcript: "transcripts/\($0.id).json") }
        if let usage {
            for index in records.indices {
                records[index].usage = usage
                records[index].cost = 0.5
            }
        }
        let started = RunFixtures.start.addingTimeInterval(day * 86_400)
        let summary = RunSummary(
            runId: id, startedAt: started, finishedAt: started.addingTimeInterval(60), records: records)
        var metadata = RunMetadata(
            runId: id, paths: ["flows"], target: nil, config: nil, filters: [], repeatCount: outcomes.count, seed: 1,
            shard: nil, skipUnsupported: false, planned: records.count)
        metadata.environment = RunEnvironment(gitCommit: commit, ciJob: "github:\(id)")
        return RecordedRun(summary: summary, metadata: metadata, records: records, source: "runs/\(id)")
    }

    @Test(arguments: HistoryBackend.available)
    func aRunIsRecordedOnceHoweverOftenItIsImported(_ backend: HistoryBackend) async throws {
        let store = try await HistoryStore.open(try await backend.freshLocation())
        #expect(store.migration == (0, HistoryStore.schemaVersion))
        let run = Self.run("r1", refund: [.passed, .failed, .passed])
        #expect(try await store.record(run))
        #expect(try await store.record(run) == false)
        #expect(try await store.record(run) == false)
        let counts = try await store.counts()
        #expect(counts.runs == 1)
        #expect(counts.flowRuns == 4)
        await store.close()
    }

    @Test(arguments: HistoryBackend.available)
    func theReportAgreesWithTheRunSummary(_ backend: HistoryBackend) async throws {
        let store = try await HistoryStore.open(try await backend.freshLocation())
        let run = Self.run("r1", refund: [.passed, .failed, .passed, .error], commit: "abc123")
        try await store.record(run)
        let report = try await store.report(HistoryQuery())
        await store.close()
        let point = try #require(report.runs.first)
        #expect(point.total == run.summary.total)
        #expect(point.passed == run.summary.passed)
        #expect(point.passRate == run.summary.passRate)
        #expect(point.passRateInterval == run.summary.passRateInterval)
        #expect(point.latencyMs == run.summary.latencyMs)
        #expect(point.gitCommit == "abc123")
        #expect(point.ciJob == "github:r1")
    }

    @Test(arguments: HistoryBackend.available)
    func flipsFailingStreaksAndLatencyTrends(_ backend: HistoryBackend) async throws {
        let store = try await HistoryStore.open(try await backend.freshLocation())
        // refund: P F P F F F (E) — four flips, failing since the fourth run; latency doubles.
        let outcomes: [Outcome] = [.passed, .failed, .passed, .failed, .failed, .failed, .error]
        for (day, outcome) in outcomes.enumerated() {
            try await store.record(
                Self.run(
                    "run-\(day)", day: Double(day), refund: [outcome], latency: 200 + Double(day) * 50,
                    commit: "c\(day)"))
        }
        let report = try await store.report(HistoryQuery())
        #expect(report.runs.map(\.id) == (0..<7).map { "run-\($0)" })
        let refund = try #require(report.flips.first)
        #expect(refund.flow == "refund")
        #expect(refund.flips == 3)
        #expect(refund.outcomes == "PFPFFFE")
        #expect(refund.passedRuns == 2 && refund.runs == 6)
        let failing = try #require(report.failing.first)
        #expect(failing.flow == "refund")
        #expect(failing.since.id == "run-3")
        #expect(failing.since.gitCommit == "c3")
        #expect(failing.failingRuns == 3)
        #expect(failing.lastPassed?.id == "run-2")
        #expect(failing.location == "flows/refund.yaml:7:5")
        #expect(report.latency?.p50 == .slower)
        #expect(!report.failing.contains { $0.flow == "greeting" })

        let onlyRefund = try await store.report(HistoryQuery(flow: "refund", last: 3))
        #expect(onlyRefund.runs.map(\.id) == ["run-4", "run-5", "run-6"])
        #expect(onlyRefund.runs.allSatisfy { $0.total == 1 })
        let recent = try await store.report(
            HistoryQuery(since: RunFixtures.start.addingTimeInterval(5 * 86_400)))
        #expect(recent.runs.map(\.id) == ["run-5", "run-6"])
        let elsewhere = try await store.report(HistoryQuery(target: "staging"))
        #expect(elsewhere.runs.isEmpty)
        await store.close()
    }

    @Test(arguments: HistoryBackend.available)
    func eachPersonaFlipsAndFailsOnItsOwn(_ backend: HistoryBackend) async throws {
        let store = try await HistoryStore.open(try await backend.freshLocation())
        // Dana: P F P; Ravi: F P F. Per flow, `refund` fails in every run and never flips; per
        // persona, each flips twice, and Ravi (not Dana) is failing in the latest run.
        let dana: [Outcome] = [.passed, .failed, .passed]
        let ravi: [Outcome] = [.failed, .passed, .failed]
        for day in 0..<3 {
            var results: [FlowRunResult] = []
            for (persona, outcome) in [("Dana", dana[day]), ("Ravi", ravi[day])] {
                var result = RunFixtures.result(
                    flow: "refund", persona: persona, outcome: outcome, startOffset: Double(day) * 86_400)
                result.id = "refund--\(persona.lowercased())--1"
                results.append(result)
            }
            let records = results.map { ResultRecord($0, transcript: "transcripts/\($0.id).json") }
            let started = RunFixtures.start.addingTimeInterval(Double(day) * 86_400)
            let summary = RunSummary(
                runId: "run-\(day)", startedAt: started, finishedAt: started.addingTimeInterval(60), records: records)
            try await store.record(
                RecordedRun(summary: summary, metadata: nil, records: records, source: "runs/run-\(day)"))
        }
        let report = try await store.report(HistoryQuery())
        await store.close()
        #expect(report.flips.map(\.flowRun) == ["refund [Dana]", "refund [Ravi]"])
        #expect(report.flips.map(\.outcomes) == ["PFP", "FPF"])
        #expect(report.flips.allSatisfy { $0.flow == "refund" && $0.flips == 2 })
        #expect(report.failing.map(\.flowRun) == ["refund [Ravi]"])
        #expect(report.failing.first?.since.id == "run-2")
        #expect(report.failing.first?.lastPassed?.id == "run-1")
    }

    @Test(arguments: HistoryBackend.available)
    func aMatrixRunsScenarioAndATablesRowAreRecordedAndNameTheFailure(_ backend: HistoryBackend) async throws {
        let store = try await HistoryStore.open(try await backend.freshLocation())
        var passing = RunFixtures.result(flow: "matrix", persona: "Dana")
        passing.id = "matrix--dana--late-parcel--shipped--1"
        passing.scenario = "late parcel"
        passing.dataCase = CaseReference(name: "shipped", file: "flows/orders.csv", line: 2)
        var failing = RunFixtures.result(flow: "matrix", persona: "Dana", outcome: .failed)
        failing.id = "matrix--dana--damaged-item--cracked--1"
        failing.scenario = "damaged item"
        failing.dataCase = CaseReference(name: "cracked", file: "flows/orders.csv", line: 3)
        let records = [passing, failing].map { ResultRecord($0, transcript: "transcripts/\($0.id).json") }
        let summary = RunSummary(
            runId: "m1", startedAt: RunFixtures.start, finishedAt: RunFixtures.start.addingTimeInterval(60),
            records: records)
        try await store.record(RecordedRun(summary: summary, metadata: nil, records: records, source: "runs/m1"))
        let rows = try await store.database.query(
            SQLStatement("SELECT id, persona, scenario, case_name FROM parley_flow_runs ORDER BY id"))
        #expect(
            rows == [
                [.text(failing.id), .text("Dana"), .text("damaged item"), .text("cracked")],
                [.text(passing.id), .text("Dana"), .text("late parcel"), .text("shipped")],
            ])
        let report = try await store.report(HistoryQuery())
        await store.close()
        let failure = try #require(report.failing.first)
        #expect(failure.flow == "matrix")
        #expect(failure.flowRun == "matrix [Dana · damaged item] case cracked")
        // A flow run named by its flow alone adds nothing to the flow's name.
        let plain = try await HistoryStore.open(try await backend.freshLocation())
        try await plain.record(Self.run("p1", refund: [.failed]))
        let plainReport = try await plain.report(HistoryQuery())
        await plain.close()
        #expect(plainReport.failing.first?.flow == "refund")
        #expect(plainReport.failing.first?.flowRun == nil)
    }

    @Test(arguments: HistoryBackend.available)
    func tokensAndCostAreRecordedPerFlowRunAndTotalled(_ backend: HistoryBackend) async throws {
        let store = try await HistoryStore.open(try await backend.freshLocation())
        let usage = [
            TokenUsage(role: .agent, model: "gpt-a", calls: 2, inputTokens: 100, outputTokens: 20),
            TokenUsage(role: .simulator, model: "gpt-b", calls: 1, inputTokens: 50, outputTokens: 5),
        ]
        try await store.record(Self.run("r1", refund: [.passed, .passed], usage: usage))
        let report = try await store.report(HistoryQuery())
        let point = try #require(report.runs.first)
        #expect(point.inputTokens == 450)
        #expect(point.outputTokens == 75)
        #expect(point.cost == 1.5)
        let rows = try await store.database.query(
            SQLStatement(
                "SELECT role, model, input_tokens FROM parley_token_usage WHERE flow_run_id = ? ORDER BY role",
                [.text("refund--default--1")]))
        #expect(
            rows == [[.text("agent"), .text("gpt-a"), .int(100)], [.text("simulator"), .text("gpt-b"), .int(50)]])
        await store.close()
    }

    @Test(arguments: HistoryBackend.available)
    func concurrentWritersLoseNothing(_ backend: HistoryBackend) async throws {
        let location = try await backend.freshLocation()
        // Eight writers with their own connections, as eight shards finishing at once, each also
        // recording one shared run (a merged directory imported by all of them).
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    let store = try await HistoryStore.open(location)
                    for index in 0..<5 {
                        try await store.record(Self.run("w\(writer)-\(index)", day: Double(index)))
                    }
                    try await store.record(Self.run("shared"))
                    await store.close()
                }
            }
            try await group.waitForAll()
        }
        let store = try await HistoryStore.open(location)
        let counts = try await store.counts()
        #expect(counts.runs == 8 * 5 + 1)
        #expect(counts.flowRuns == (8 * 5 + 1) * 2)
        let versions = try await store.database.query(
            SQLStatement("SELECT version FROM parley_schema ORDER BY version"))
        #expect(versions == HistorySchema.migrations.map { [.int($0.version)] })
        await store.close()
    }

    @Test(arguments: HistoryBackend.available)
    func anOlderDatabaseIsUpgradedWithItsRunsKept(_ backend: HistoryBackend) async throws {
        let location = try await backend.freshLocation()
        // A history written at schema version 1, before tokens and cost.
        let old = try await HistoryStore.open(location, upToVersion: 1)
        #expect(old.migration == (0, 1))
        let inserted = try await old.database.insert(
            guard: SQLStatement(
                "INSERT INTO parley_runs (id, started_at, finished_at, targets, total, passed, failed, errors, "
                    + "not_run, pass_rate, recorded_at) VALUES ('old', '2025-06-15T15:06:40.000Z', "
                    + "'2025-06-15T15:07:40.000Z', 'local', 1, 1, 0, 0, 0, 1, '2025-06-15T15:08:00.000Z') "
                    + "ON CONFLICT (id) DO NOTHING RETURNING id"),
            rest: [
                SQLStatement(
                    "INSERT INTO parley_flow_runs (run_id, id, flow, repetition, file, target, provider, outcome, "
                        + "started_at, duration_ms, turns, latencies_ms, latency_p50) VALUES ('old', "
                        + "'refund--default--1', 'refund', 1, 'flows/refund.yaml', 'local', 'sandbox', 'passed', "
                        + "'2025-06-15T15:06:40.000Z', 300, 2, '[150]', 150)")
            ])
        #expect(inserted)
        await old.close()

        let store = try await HistoryStore.open(location)
        #expect(store.migration == (1, HistoryStore.schemaVersion))
        let report = try await store.report(HistoryQuery())
        #expect(report.runs.map(\.id) == ["old"])
        #expect(report.runs.first?.latencyMs?.p50 == 150)
        #expect(report.runs.first?.inputTokens == nil)
        try await store.record(Self.run("new", day: 1, usage: [TokenUsage(role: .agent, model: "m", inputTokens: 1)]))
        #expect(try await store.counts().runs == 2)
        await store.close()
        if backend == .sqlite {
            // The version-1 file was copied aside before the upgrade.
            #expect(FileManager.default.fileExists(atPath: location + ".v1.bak"))
        }
        // Opening again upgrades nothing.
        let again = try await HistoryStore.open(location)
        #expect(again.migration == (HistoryStore.schemaVersion, HistoryStore.schemaVersion))
        await again.close()
    }

    @Test(arguments: HistoryBackend.available)
    func aNewerDatabaseIsRefusedAndLeftAlone(_ backend: HistoryBackend) async throws {
        let location = try await backend.freshLocation()
        let store = try await HistoryStore.open(location)
        try await store.record(Self.run("r1"))
        _ = try await store.database.insert(
            guard: SQLStatement(
                "INSERT INTO parley_schema (version, description, applied_at) VALUES (99, 'future', 'x') "
                    + "RETURNING version"),
            rest: [])
        await store.close()
        await #expect(throws: HistoryError.self) { _ = try await HistoryStore.open(location) }
        do {
            _ = try await HistoryStore.open(location)
        } catch {
            #expect(error.message.contains("version 99"))
        }
        // The runs are still there, and the version the newer Parley wrote.
        let raw = try backend.database(location)
        #expect(try await raw.query(SQLStatement("SELECT COUNT(*) FROM parley_runs")) == [[.int(1)]])
        #expect(try await raw.query(SQLStatement("SELECT MAX(version) FROM parley_schema")) == [[.int(99)]])
        await raw.close()
    }
}
