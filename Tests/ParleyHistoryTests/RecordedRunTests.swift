import Foundation
import ParleyFlow
import ParleyTestSupport
import Testing
@testable import ParleyHistory
@testable import ParleyResults
@testable import ParleyRun

@Suite struct RecordedRunTests {
    @Test func aRunDirectoryIsReadWithItsEnvironment() throws {
        let path = try RunFixtures.runDirectory([
            RunFixtures.result(outcome: .passed), RunFixtures.result(repetition: 2, outcome: .failed),
        ])
        try RunMetadata(
            runId: "r", paths: ["flows"], target: nil, config: nil, filters: [], repeatCount: 2, seed: 1,
            shard: Shard(parsing: "2/4"), skipUnsupported: false, planned: 2,
            environment: RunEnvironment(gitCommit: "0123456789abcdef0123456789abcdef01234567", ciJob: "github:1")
        ).write(to: path)
        let run = try RecordedRun.read(directory: path)
        #expect(run.records.count == 2)
        #expect(run.metadata?.environment?.ciJob == "github:1")
        let (guardStatement, rest) = run.statements(recordedAt: Date())
        #expect(guardStatement.sql.contains("RETURNING id"))
        #expect(guardStatement.arguments.contains(.text("2/4")))
        #expect(rest.count == 1)  // two flow runs in one statement, no token usage
        #expect(guardStatement.numbered.contains("$20") && !guardStatement.numbered.contains("?"))
    }

    /// A passed flow run whose transcript holds a judge's verdict on `polite`.
    private static func judgedResult() -> FlowRunResult {
        var judged = RunFixtures.result(outcome: .passed, reply: "No judgments here, only a word.")
        judged.judgments = [
            Judgment(
                step: nil, location: ParleyFlow.SourceLocation(file: "f.yaml", line: 9, column: 3),
                judge: "parley-judge",
                model: "parley-judge", turnsSeen: 4,
                criteria: [CriterionVerdict(criterion: "polite", verdict: .pass, reasoning: "thanked", passed: true)],
                replies: [], minScore: nil, cached: false)
        ]
        return judged
    }

    @Test func judgeVerdictsAreReadFromTranscriptsThatHaveThem() throws {
        let judged = Self.judgedResult()
        // "judgments" appears in the reply's text, but not as a member of the transcript.
        let plain = RunFixtures.result(repetition: 2, outcome: .passed, reply: "Your \"judgments\" are in.")
        let path = try RunFixtures.runDirectory([judged, plain])
        let run = try RecordedRun.read(directory: path)
        let directory = RunDirectory(path: path)
        let verdicts = run.records.map { RecordedRun.judgeVerdicts(of: $0, in: directory) }
        #expect(verdicts.count == 2)
        #expect(verdicts[0]?.contains("\"polite\"") == true, "\(verdicts)")
        #expect(verdicts[1] == nil)
    }

    /// The judge-verdicts column of every flow-run row `run` would insert.
    private static func recordedVerdicts(_ run: RecordedRun) throws -> [SQLValue] {
        let columns = RecordedRun.flowColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let column = try #require(columns.firstIndex(of: "judge_verdicts"))
        let cursor = run.statementStream(recordedAt: Date()).rest.makeCursor()
        var verdicts: [SQLValue] = []
        while let statement = try cursor.next() {
            guard statement.sql.contains(RecordedRun.flowTable) else { continue }
            verdicts += stride(from: column, to: statement.arguments.count, by: columns.count).map {
                statement.arguments[$0]
            }
        }
        return verdicts
    }

    @Test func aWriterTellsWhetherTranscriptsHoldVerdictsSoTheHistoryNeedNotOpenThem() throws {
        let path = RunFixtures.temporaryPath("verdicts")
        let writer = try RunWriter(directory: path)
        _ = try writer.keep(RunFixtures.result(repetition: 2, outcome: .passed))
        #expect(!writer.wroteJudgments)
        _ = try writer.keep(Self.judgedResult())
        #expect(writer.wroteJudgments)
        let summary = RunSummary(
            runId: "r", startedAt: RunFixtures.start, finishedAt: RunFixtures.start.addingTimeInterval(60),
            records: try RunDirectory(path: path).records())
        let told = RecordedRun.finished(directory: path, summary: summary, targets: ["t"], verdicts: true)
        let verdicts = try Self.recordedVerdicts(told)
        #expect(verdicts.count == 2)
        #expect(verdicts[0] == .null)
        guard case .text(let judged) = verdicts[1] else {
            Issue.record("no verdicts recorded: \(verdicts)")
            return
        }
        #expect(judged.contains("\"polite\""))
        // Told that no transcript holds any, the history does not look.
        let untold = RecordedRun.finished(directory: path, summary: summary, targets: ["t"], verdicts: false)
        #expect(try Self.recordedVerdicts(untold) == [.null, .null])
    }

    @Test func ciVariablesNameTheCommitAndJob() {
        let github = RunEnvironment.detect(
            environment: [
                "GITHUB_SHA": "abc", "GITHUB_REF_NAME": "main", "GITHUB_RUN_ID": "42", "GITHUB_RUN_ATTEMPT": "2",
                "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/agent",
            ], directory: "/nonexistent")
        #expect(github.gitCommit == "abc")
        #expect(github.gitBranch == "main")
        #expect(github.ciJob == "github:42/2")
        #expect(github.ciURL == "https://github.com/acme/agent/actions/runs/42")
        let gitlab = RunEnvironment.detect(
            environment: ["CI_COMMIT_SHA": "def", "CI_JOB_ID": "7", "CI_JOB_URL": "https://gitlab/j/7"],
            directory: "/nonexistent")
        #expect(gitlab.ciJob == "gitlab:7")
        #expect(gitlab.gitCommit == "def")
        #expect(RunEnvironment.detect(environment: [:], directory: "/nonexistent").isEmpty)
    }

    @Test func aCheckoutNamesItsCommitWithoutCI() throws {
        let root = RunFixtures.temporaryPath("git")
        let git = root + "/.git"
        try FileManager.default.createDirectory(atPath: git + "/refs/heads", withIntermediateDirectories: true)
        try "ref: refs/heads/nightly\n".write(toFile: git + "/HEAD", atomically: true, encoding: .utf8)
        let commit = String(repeating: "ab", count: 20)
        try "\(commit) refs/heads/nightly\n".write(toFile: git + "/packed-refs", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        let found = RunEnvironment.detect(environment: [:], directory: root + "/sub")
        #expect(found.gitCommit == commit)
        #expect(found.gitBranch == "nightly")
    }

    @Test func postgresURLsKeepTheirPasswordOutOfMessages() throws {
        let url = try PostgresURL("postgres://ci:s3cret%21@db.internal:6543/parley?sslmode=disable")
        #expect(url.user == "ci")
        #expect(url.password == "s3cret!")
        #expect(url.port == 6543)
        #expect(url.database == "parley")
        #expect(!url.display.contains("s3cret"))
        #expect(throws: HistoryError.self) { try PostgresURL("mysql://x@y/z") }
        #expect(throws: HistoryError.self) { try PostgresURL("postgres://x@y/z?sslmode=sometimes") }
    }
}
