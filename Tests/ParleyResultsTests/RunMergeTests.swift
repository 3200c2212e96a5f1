import Foundation
import Testing
import ParleyJSON
import ParleyResults
import ParleyRun
import ParleyTestSupport

@Suite struct RunMergeTests {
    @Test func mergingShardsUnitesRecordsTranscriptsAndCounts() throws {
        let shard1 = try RunFixtures.runDirectory([
            RunFixtures.result(flow: "a"), RunFixtures.result(flow: "b", outcome: .failed),
        ])
        let shard2 = try RunFixtures.runDirectory([
            RunFixtures.result(flow: "c", startOffset: 30), RunFixtures.result(flow: "d", outcome: .error),
        ])
        let out = RunFixtures.temporaryPath("merged")
        let merge = try RunMerge.plan(directories: [shard1, shard2], runId: "merged-1")
        try merge.write(to: out)

        let records = try RunDirectory(path: out).records()
        #expect(records.map(\.flow) == ["a", "b", "c", "d"])
        for record in records {
            let transcript = try RunDirectory(path: out).transcript(for: record)
            #expect(transcript.id == record.id)
        }
        let summary = try RunFixtures.storedSummary(out)
        #expect(summary.runId == "merged-1")
        #expect((summary.total, summary.passed, summary.failed, summary.errors) == (4, 2, 1, 1))
        #expect(summary.flows.map(\.flow) == ["a", "b", "c", "d"])
        #expect(summary.startedAt == RunFixtures.start)
        #expect(merge.duplicates == 0)
    }

    @Test func theMergedRunIsDescribedByTheShardsRunJSON() throws {
        let shard1 = try RunFixtures.runDirectory([RunFixtures.result(flow: "a")])
        let shard2 = try RunFixtures.runDirectory([RunFixtures.result(flow: "b")])
        let unsharded = RunFixtures.temporaryPath("merged")
        try RunMerge.plan(directories: [shard1, shard2]).write(to: unsharded)
        #expect(!FileManager.default.fileExists(atPath: unsharded + "/run.json"), "nothing to describe it with")

        for (index, shard) in [shard1, shard2].enumerated() {
            try RunMetadata(
                runId: "s\(index + 1)", paths: ["flows", index == 0 ? "a.yaml" : "b.yaml"], target: "staging",
                config: nil, filters: ["tag:nightly"], repeatCount: 3, seed: 42,
                shard: Shard(parsing: "\(index + 1)/2"), skipUnsupported: false, planned: 2, concurrency: 8,
                junit: "shard.xml",
                environment: index == 0 ? nil : RunEnvironment(gitCommit: "abc123", ciJob: "github:7")
            ).write(to: shard)
        }
        let out = RunFixtures.temporaryPath("merged")
        try RunMerge.plan(directories: [shard1, shard2], runId: "merged-2").write(to: out)
        let merged = try RunMetadata.read(from: out)
        #expect(merged.runId == "merged-2")
        #expect(merged.paths == ["flows", "a.yaml", "b.yaml"])
        #expect(merged.shard == nil && merged.junit == nil)
        #expect(merged.target == "staging" && merged.filters == ["tag:nightly"] && merged.repeatCount == 3)
        #expect(merged.seed == 42 && merged.concurrency == 8)
        #expect(merged.planned == 2)
        #expect(merged.environment?.gitCommit == "abc123" && merged.environment?.ciJob == "github:7")
    }

    @Test func aMergeWritesWhatARunWrites() throws {
        let results = [
            RunFixtures.result(flow: "a", latencies: [120.5, 99.125]), RunFixtures.result(flow: "b", outcome: .failed),
            RunFixtures.result(flow: "c", outcome: .error, tags: ["tier": "gold"]),
        ]
        let run = try RunFixtures.runDirectory(results)
        let out = RunFixtures.temporaryPath("merged")
        try RunMerge.plan(directories: [run], runId: (run as NSString).lastPathComponent).write(to: out)
        func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
        #expect(try bytes(out + "/results.jsonl") == bytes(run + "/results.jsonl"), "same keys, order and values")
        for result in results {
            let transcript = "/transcripts/\(result.id).json"
            #expect(try bytes(out + transcript) == bytes(run + transcript))
        }
        let keys = { (summary: RunSummary) in summary.json.object?.map(\.0) ?? [] }
        #expect(keys(try RunFixtures.storedSummary(out)) == keys(try RunFixtures.storedSummary(run)))
        #expect(try String(contentsOfFile: out + "/summary.json", encoding: .utf8).hasPrefix("{\n  \"run_id\": "))
    }

    @Test func identicalDuplicatesAreKeptOnce() throws {
        let first = try RunFixtures.runDirectory([RunFixtures.result(flow: "a"), RunFixtures.result(flow: "b")])
        // The same flow run of `b` in a second shard, byte for byte, next to a new one.
        let second = RunFixtures.temporaryPath()
        try FileManager.default.copyItem(atPath: first, toPath: second)
        let extra = try RunWriter(directory: second)
        try extra.record(RunFixtures.result(flow: "c"))
        let merge = try RunMerge.plan(directories: [first, second])
        #expect(merge.records.map(\.flow) == ["a", "b", "c"])
        #expect(merge.duplicates == 2)
        #expect(merge.summary.total == 3)
    }

    @Test func theSameFlowRunWithDifferentContentIsRefusedAndNothingIsWritten() throws {
        let first = try RunFixtures.runDirectory([RunFixtures.result(flow: "a", outcome: .passed)])
        let second = try RunFixtures.runDirectory([RunFixtures.result(flow: "a", outcome: .failed)])
        let out = RunFixtures.temporaryPath("merged")
        let error = #expect(throws: RunMerge.Failure.self) {
            try RunMerge.plan(directories: [first, second]).write(to: out)
        }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("a--dana--1") == true)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func aChangedTranscriptBehindAnIdenticalRecordIsAConflictToo() throws {
        let first = try RunFixtures.runDirectory([RunFixtures.result(flow: "a")])
        let second = RunFixtures.temporaryPath()
        try FileManager.default.copyItem(atPath: first, toPath: second)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: second + "/transcripts/a--dana--1.json"))
        let error = #expect(throws: RunMerge.Failure.self) { try RunMerge.plan(directories: [first, second]) }
        #expect(error?.kind == .conflict)
    }

    @Test func unreadableInputsAndOccupiedOutputsAreRefused() throws {
        let run = try RunFixtures.runDirectory([RunFixtures.result(flow: "a")])
        let missing = #expect(throws: RunMerge.Failure.self) {
            try RunMerge.plan(directories: [run, run + "-nowhere"])
        }
        #expect(missing?.kind == .unreadable)

        let occupied = #expect(throws: RunMerge.Failure.self) { try RunMerge.plan(directories: [run]).write(to: run) }
        #expect(occupied?.kind == .outputExists)

        // A record pointing outside the run directory is never followed.
        let hostile = try RunFixtures.runDirectory([RunFixtures.result(flow: "a")])
        let results = try String(contentsOfFile: hostile + "/results.jsonl", encoding: .utf8)
            .replacingOccurrences(
                of: "\"transcript\":\"transcripts/a--dana--1.json\"", with: "\"transcript\":\"../../../etc/passwd\"")
        try results.write(toFile: hostile + "/results.jsonl", atomically: true, encoding: .utf8)
        let outside = #expect(throws: RunMerge.Failure.self) { try RunMerge.plan(directories: [hostile]) }
        #expect(outside?.kind == .unreadable)
        #expect(outside?.message.contains("outside transcripts/") == true)
    }
}
