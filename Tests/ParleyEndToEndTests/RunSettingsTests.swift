import Foundation
import Testing
import ParleyResults
import ParleyTestSupport

/// Where a run's files go and how a resumed run goes on: outputs are made or refused before
/// anything runs, and `run.json` keeps every setting `--resume` needs.
@Suite(.serialized) struct RunSettingsTests {
    /// A project with two quick flows against the in-process demo agent.
    func project() throws -> String {
        let dir = try ParleyBinary.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/flows", withIntermediateDirectories: true)
        try "default_target: demo\ntargets:\n  demo: { provider: local }\n  spare: { provider: local }\n"
            .write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        for name in ["one", "two"] {
            try "flow: \(name)\nsteps:\n  - send: Where is my order?\n  - expect: order number\n"
                .write(toFile: dir + "/flows/\(name).yaml", atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test func reportsIntoMissingFoldersAreWrittenThere() async throws {
        let dir = try project()
        let result = try await ParleyBinary.run(
            ["run", "--out", "runs/a", "--junit", "reports/deep/junit.xml", "--html", "site/r/report.html"], in: dir)
        #expect(result.status == 0, "\(result.all)")
        #expect(FileManager.default.fileExists(atPath: dir + "/reports/deep/junit.xml"))
        #expect(FileManager.default.fileExists(atPath: dir + "/site/r/report.html"))
        #expect(result.stdout.contains("junit:      reports/deep/junit.xml"))

        let report = try await ParleyBinary.run(["report", "runs/a", "--out", "later/report.html"], in: dir)
        #expect(report.status == 0, "\(report.all)")
        #expect(FileManager.default.fileExists(atPath: dir + "/later/report.html"))
    }

    @Test func anOutputThatCannotBeWrittenStopsTheRunBeforeItStarts() async throws {
        let dir = try project()
        try "not a folder".write(toFile: dir + "/blocker", atomically: true, encoding: .utf8)
        let result = try await ParleyBinary.run(
            ["run", "--out", "runs/b", "--junit", "blocker/junit.xml"], in: dir)
        #expect(result.status == 3, "\(result.all)")
        #expect(result.stderr.contains("blocker/junit.xml"), "\(result.stderr)")
        #expect(!result.stdout.contains("junit:"), "the path is not claimed as written: \(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/runs/b"), "nothing ran")

        let merge = try await ParleyBinary.run(
            ["merge", "runs/none", "--out", "m", "--html", "blocker/m.html"], in: dir)
        #expect(merge.status == 3, "\(merge.all)")
    }

    @Test func aResumedRunKeepsItsSettingsAndDropsHalfWrittenFiles() async throws {
        let dir = try project()
        let first = try await ParleyBinary.run(
            ["run", "--out", "r", "-j", "3", "--fail-fast", "--junit", "j.xml", "--min-pass-rate", "0.5"], in: dir)
        #expect(first.status == 0, "\(first.all)")
        let metadata = try RunMetadata.read(from: dir + "/r")
        #expect(metadata.concurrency == 3)
        #expect(metadata.failFast == true)
        #expect(metadata.junit == "j.xml")
        #expect(metadata.minPassRate == 0.5)

        // As if killed after the first flow run: one result kept, files half written.
        let results = dir + "/r/results.jsonl"
        let lines = try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n")
        try (lines[0] + "\n").write(toFile: results, atomically: true, encoding: .utf8)
        let stale = [dir + "/r/transcripts/two--default--1.json.tmp-4242", dir + "/r/summary.json.tmp-4242"]
        for path in stale { try "{\"half".write(toFile: path, atomically: true, encoding: .utf8) }
        try FileManager.default.removeItem(atPath: dir + "/j.xml")

        let resumed = try await ParleyBinary.run(["run", "--resume", "r"], in: dir)
        #expect(resumed.status == 0, "\(resumed.all)")
        #expect(resumed.stdout.contains("concurrency 3"), "\(resumed.stdout)")
        #expect(try RunWriter.readRecords(directory: dir + "/r").count == 2)
        for path in stale { #expect(!FileManager.default.fileExists(atPath: path), "\(path) is gone") }
        #expect(FileManager.default.fileExists(atPath: dir + "/j.xml"), "the JUnit report is written again")
    }

    @Test func aResumedRunKeepsItsPassGateAndK() async throws {
        let dir = try project()
        // Two passing runs of each flow: a pass rate of 1, whose 95% lower bound (0.34) is below 0.5.
        let args = [
            "run", "--out", "g", "--repeat", "2", "--k", "1", "--min-pass-rate", "0.5", "--gate", "lower-bound",
        ]
        let first = try await ParleyBinary.run(args + ["--no-history"], in: dir)
        // Short of the rate without a failed run: the flows count as errors (exit 3), not failures.
        #expect(first.status == 3, "the lower bound misses the rate: \(first.all)")
        let metadata = try RunMetadata.read(from: dir + "/g")
        #expect(metadata.k == 1)
        #expect(metadata.gate == .lowerBound)

        let results = dir + "/g/results.jsonl"
        let lines = try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n")
        try (lines[0] + "\n").write(toFile: results, atomically: true, encoding: .utf8)
        let resumed = try await ParleyBinary.run(["run", "--resume", "g", "--no-history"], in: dir)
        #expect(resumed.status == 3, "judged by the same gate as it started: \(resumed.all)")
        #expect(try RunWriter.readRecords(directory: dir + "/g").count == 4)
        let run = RunDirectory(path: dir + "/g")
        let summary = run.summary(records: try run.records())
        #expect(summary.k == 1)
        #expect(summary.gate == .lowerBound)
    }

    @Test func validateChecksEveryTargetUnlessOneIsNamed() async throws {
        let dir = try project()
        try """
        targets:
          demo: { provider: local }
          broken: { provider: amigoo }
          needs-env: { provider: amelia, base_url: "${env.PARLEY_TEST_UNSET_URL}", domain: d, username: u, password: p }
        """.write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        for name in ["one", "two"] {
            try "flow: \(name)\ntarget: demo\nsteps:\n  - send: hi\n"
                .write(toFile: dir + "/flows/\(name).yaml", atomically: true, encoding: .utf8)
        }
        let all = try await ParleyBinary.run(["validate"], in: dir)
        #expect(all.status == 2, "\(all.all)")
        #expect(all.all.contains("unknown provider `amigoo`"), "\(all.all)")
        #expect(all.all.contains("PARLEY_TEST_UNSET_URL"), "\(all.all)")
        let one = try await ParleyBinary.run(["validate", "--target", "demo"], in: dir)
        #expect(one.status == 0, "\(one.all)")
    }

    @Test func aTwentyMegabyteReplyIsAnErrorInBoundedMemory() async throws {
        let token = #"{"id_token":"hostile-id-token-0123456789","expires_at":"2099-01-01T00:00:00Z"}"#
        var line = Array(#"{"type":"new-message","message":""#.utf8)
        line += [UInt8](repeating: UInt8(ascii: "a"), count: 4000)
        line += Array(#"","message_id":"m1","stop":false}"#.utf8) + [0x0A]
        let flood = line
        let server = try HostileServer { method, path in
            if path.hasSuffix("/user/signin_with_api_key") {
                return .answer(status: 200, contentType: "application/json", body: Array(token.utf8))
            }
            if method == "GET" {
                return .answer(status: 200, contentType: "application/json", body: Array(#"{"conversations":[]}"#.utf8))
            }
            if path.contains("/finish/") { return .answer(status: 204, contentType: "application/json", body: []) }
            return .flood(contentType: "application/x-ndjson", lines: flood, bytes: 20 << 20)
        }
        defer { server.stop() }
        let dir = try project()
        try """
        targets:
          hostile:
            provider: amigo
            base_url: \(server.baseURL)
            organization: o
            api_key: k-0123456789
            api_key_id: i-0123456789
            user_id: 5a4db0c0ffee00000000a001
            service_id: 5a4db0c0ffee00000000c0de
        """.write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        try "flow: big\ntarget: hostile\nturn_timeout: 5s\nsteps:\n  - send: hi\n  - expect: never\n"
            .write(toFile: dir + "/flows/one.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: dir + "/flows/two.yaml")
        let result = try await ParleyBinary.run(["run", "--out", "r"], in: dir)
        #expect(result.status == 3, "\(result.all)")
        #expect(result.stdout.contains("reply larger than 1MiB"), "\(result.stdout)")
        let peak = try #require(result.peakMemoryBytes)
        // 20 MB of reply once took 105–170 MB; what is held now is the limit and a line buffer.
        #expect(peak < 100 << 20, "peak resident memory \(peak >> 20) MiB")
        let transcript = try Data(contentsOf: URL(fileURLWithPath: dir + "/r/transcripts/big--default--1.json"))
        #expect(transcript.count < 64 * 1024)
    }
}
