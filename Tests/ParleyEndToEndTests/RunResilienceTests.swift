import Foundation
import ParleyTestSupport
import Testing
import ParleyJSON
import ParleyResults
import ParleyRun

/// Nightly-scale run features: sharding, crash safety, resume, Ctrl-C, pass-rate gates.
@Suite struct RunResilienceTests {
    /// A folder with copies of the example flows that need no simulator endpoint.
    func suite(in dir: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/flows", withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: ParleyBinary.packageRoot + "/flows") where name != "simulations"
        {
            try fm.copyItem(atPath: ParleyBinary.packageRoot + "/flows/" + name, toPath: dir + "/flows/" + name)
        }
    }

    @Test func theUnionOfShardsIsTheUnshardedRun() async throws {
        let all = try ParleyBinary.temporaryDirectory()
        #expect(try await ParleyBinary.run(["run", "flows/", "--out", all, "--seed", "3"]).status == 0)
        let everything = Set(try RunWriter.readRecords(directory: all).map(\.id))
        var union: [String] = []
        for index in 1...3 {
            let out = try ParleyBinary.temporaryDirectory()
            let result = try await ParleyBinary.run([
                "run", "flows/", "--out", out, "--seed", "3", "--shard", "\(index)/3",
            ])
            #expect(result.status == 0, "\(result.all)")
            let ids = try RunWriter.readRecords(directory: out).map(\.id)
            #expect(abs(ids.count - everything.count / 3) <= 1, "shards are balanced")
            union += ids
        }
        #expect(union.count == everything.count, "shards are disjoint")
        #expect(Set(union) == everything)
    }

    @Test func killNineLosesNothingThatFinishedAndResumeCompletesTheRun() async throws {
        let sandbox = try await SandboxProcess.start(["--latency", "150ms"])
        let dir = try ParleyBinary.temporaryDirectory()
        try suite(in: dir)
        try sandbox.amigoConfig(users: 2).write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)

        let runner = try Spawned(
            ParleyBinary.path, ["run", "flows/", "--out", "run", "-j", "2", "--seed", "1"], in: dir)
        let results = dir + "/run/results.jsonl"
        await ChildProcess.waitUntil(seconds: 60) {
            ((try? String(contentsOfFile: results, encoding: .utf8))?.split(separator: "\n").count ?? 0) >= 3
        }
        runner.send(SIGKILL)
        await ChildProcess.waitForExit(runner)

        let before = try RunWriter.readRecords(directory: dir + "/run")
        #expect(before.count >= 3)
        for record in before {
            #expect(
                FileManager.default.fileExists(atPath: dir + "/run/" + record.transcript),
                "a recorded run has its transcript")
        }
        // Conversations open at the kill are still open on the server; resume must cope (it finishes them).
        let resumed = try await ParleyBinary.run(["run", "--resume", "run", "-j", "2"], in: dir)
        #expect(resumed.status == 0, "\(resumed.all)")
        let after = try RunWriter.readRecords(directory: dir + "/run")
        let planned = try RunMetadata.read(from: dir + "/run").planned
        #expect(after.count == planned)
        #expect(Set(after.map(\.id)).count == planned, "no flow run recorded twice")
        #expect(
            Array(after.prefix(before.count)).map(\.id) == before.map(\.id), "finished results are kept as they were")
        let summary = try RunFixtures.storedSummary(dir + "/run")
        #expect(summary.total == planned)
        #expect(summary.notRun == 0)
        sandbox.stop()
    }

    @Test func ctrlCEndsOpenConversationsWritesTheSummaryAndExits130() async throws {
        let sandbox = try await SandboxProcess.start(["--latency", "300ms"])
        let dir = try ParleyBinary.temporaryDirectory()
        try suite(in: dir)
        try sandbox.amigoConfig(users: 3).write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)

        let runner = try Spawned(
            ParleyBinary.path, ["run", "flows/", "--out", "run", "-j", "3"], in: dir,
            stdout: .pipe, stderr: .standardOutput)
        let out = try #require(runner.standardOutput)
        let output = Collected()
        DispatchQueue.global().async { output.set(ChildProcess.readAll(out)) }
        await ChildProcess.waitUntil(seconds: 60) {
            ((try? String(contentsOfFile: dir + "/run/results.jsonl", encoding: .utf8))?.split(separator: "\n").count
                ?? 0) >= 1
        }
        runner.send(SIGINT)
        await ChildProcess.waitForExit(runner)
        await ChildProcess.waitUntil(seconds: 10) { !output.get().isEmpty }
        let printed = String(decoding: output.get(), as: UTF8.self)
        #expect(runner.terminationStatus == 130, "\(printed)")
        #expect(printed.contains("parley run --resume run"))

        let summary = try RunFixtures.storedSummary(dir + "/run")
        #expect(summary.notRun > 0)
        #expect(summary.total + summary.notRun == (try RunMetadata.read(from: dir + "/run").planned))

        // No conversation was left open on the provider.
        let open = try await unfinishedConversations(sandbox)
        #expect(open == 0, "Ctrl-C ends the open conversations")

        let resumed = try await ParleyBinary.run(["run", "--resume", "run"], in: dir)
        #expect(resumed.status == 0, "\(resumed.all)")
        #expect(
            try RunWriter.readRecords(directory: dir + "/run").count
                == (try RunMetadata.read(from: dir + "/run").planned))
        sandbox.stop()
    }

    /// Asks the sandbox (as Amigo) how many conversations are unfinished, across users.
    func unfinishedConversations(_ sandbox: SandboxProcess) async throws -> Int {
        let signIn = try await ChildProcess.run(
            "/usr/bin/env",
            [
                "curl", "-s", "-X", "POST", "-H", "x-api-key: sandbox-amigo-api-key",
                "-H", "x-api-key-id: sandbox-amigo-key-id", "-H", "x-user-id: 5a4db0c0ffee00000000a001",
                sandbox.baseURL + "/v1/parley-sandbox/user/signin_with_api_key",
            ])
        guard let token = try JSONValue(parsing: signIn.stdout)["id_token"]?.string else {
            throw SandboxProcess.Failure(output: signIn.all)
        }
        let list = try await ChildProcess.run(
            "/usr/bin/env",
            [
                "curl", "-s", "-H", "Authorization: Bearer \(token)",
                sandbox.baseURL + "/v1/parley-sandbox/conversation/?is_finished=false&limit=150",
            ])
        guard let conversations = try JSONValue(parsing: list.stdout)["conversations"]?.array else {
            throw SandboxProcess.Failure(output: list.all)
        }
        return conversations.count
    }

    @Test func minPassRateDecidesTheExitStatusOfRepeatedRuns() async throws {
        func summary(_ outcomes: [Outcome], min: Double? = nil, gate: PassGate = .point) -> RunSummary {
            let records = outcomes.enumerated().map { index, outcome in
                ResultRecord(
                    FlowRunResult(
                        id: "f--default--\(index + 1)", flow: "f", file: "f.yaml", persona: nil, repetition: index + 1,
                        target: "t", provider: "p", labels: [], outcome: outcome, startedAt: Date(), finishedAt: Date(),
                        opening: .userFirst), transcript: "")
            }
            return RunSummary(
                runId: "r", startedAt: Date(), finishedAt: Date(), records: records,
                options: RunSummary.Options(gate: gate, defaultMinPassRate: min))
        }
        let nine = Array(repeating: Outcome.passed, count: 9) + [.failed]
        let nineInTen = summary(nine)
        #expect(nineInTen.exitCode == 1)
        #expect(summary(nine, min: 0.9).exitCode == 0)
        #expect(summary(nine, min: 0.95).exitCode == 1)
        #expect(summary(Array(repeating: .passed, count: 8) + [.error, .error], min: 0.9).exitCode == 3)
        // 9/10 has a 95% interval of about [0.596, 0.982]: it does not show a rate of at least 0.9…
        #expect(summary(nine, min: 0.9, gate: .lowerBound).exitCode == 1)
        #expect(summary(nine, min: 0.55, gate: .lowerBound).exitCode == 0)
        // …while 99/100 does (its lower bound is about 0.946).
        let many = Array(repeating: Outcome.passed, count: 99) + [.failed]
        #expect(summary(many, min: 0.9, gate: .lowerBound).exitCode == 0)
        #expect(summary(many, min: 0.9, gate: .lowerBound).flows.first?.meetsMinPassRate == true)
        #expect(nineInTen.flows.first?.flaky == true)
    }
}
