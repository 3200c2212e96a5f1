import Foundation
import ParleyFlow
import ParleyJSON
import ParleyRun

/// A finished (or interrupted) run directory, read back: its records, its summary and, one at a time,
/// its transcripts.
public struct RunDirectory: Sendable {
    /// The directory as the user named it.
    public let path: String

    /// A run directory at `path`; nothing is read until asked.
    public init(path: String) {
        self.path = path
    }

    /// Every record of `results.jsonl`, in the order written.
    public func records() throws(RunDirectoryError) -> [ResultRecord] {
        guard Self.isDirectory(path) else {
            throw RunDirectoryError(path: path, message: "no such directory")
        }
        return try RunWriter.readRecords(directory: path)
    }

    /// `summary.json` as written at the end of the run, or, when the run never got that far (a crash)
    /// or the file is unreadable, a summary computed from `records`.
    public func summary(records: [ResultRecord]) -> RunSummary {
        let file = (path as NSString).appendingPathComponent(RunWriter.summaryFile)
        if let data = FileManager.default.contents(atPath: file),
            let json = try? JSONValue(parsing: data), let stored = try? RunSummary(json: json),
            stored.total == records.count
        {
            return stored
        }
        // `.parley/runs/latest` is a link; the run's id is the name of the directory it points at.
        return Self.computedSummary(
            records: records, runId: ((path as NSString).resolvingSymlinksInPath as NSString).lastPathComponent)
    }

    /// `coverage.json`, when the run has one that can be read.
    public func storedCoverage() -> RunCoverage? {
        let file = (path as NSString).appendingPathComponent(RunWriter.coverageFile)
        guard let data = FileManager.default.contents(atPath: file), let json = try? JSONValue(parsing: data) else {
            return nil
        }
        return try? RunCoverage(json: json)
    }

    /// Coverage of this run's records against `inventory`, reading each transcript once.
    public func coverage(records: [ResultRecord], inventory: CoverageInventory?) -> RunCoverage {
        RunCoverage(
            runId: ((path as NSString).resolvingSymlinksInPath as NSString).lastPathComponent, records: records,
            inventory: inventory
        ) { try transcript(for: $0) }
    }

    /// The summary ``summary(records:)`` gives, reading the records one at a time and handing each to
    /// `body` as well, so a run of any length is summarised in little memory.
    public func summary(readingRecords body: (ResultRecord) -> Void) throws(RunDirectoryError) -> RunSummary {
        guard Self.isDirectory(path) else {
            throw RunDirectoryError(path: path, message: "no such directory")
        }
        var tally = RunTally()
        var started: Date?
        var finished: Date?
        try RunWriter.readRecords(directory: path) { record in
            tally.add(record)
            started = min(started ?? record.startedAt, record.startedAt)
            finished = max(finished ?? record.finishedAt, record.finishedAt)
            body(record)
        }
        let file = (path as NSString).appendingPathComponent(RunWriter.summaryFile)
        if let data = FileManager.default.contents(atPath: file),
            let json = try? JSONValue(parsing: data), let stored = try? RunSummary(json: json),
            stored.total == tally.total
        {
            return stored
        }
        let start = started ?? Date(timeIntervalSince1970: 0)
        return tally.summary(
            runId: ((path as NSString).resolvingSymlinksInPath as NSString).lastPathComponent, startedAt: start,
            finishedAt: finished ?? start, planned: tally.total)
    }

    /// A summary of records whose run left no (usable) `summary.json`: the run spans its records.
    public static func computedSummary(records: [ResultRecord], runId: String, notRun: Int = 0) -> RunSummary {
        let started = records.map(\.startedAt).min() ?? Date(timeIntervalSince1970: 0)
        let finished = records.map(\.finishedAt).max() ?? started
        return RunSummary(
            runId: runId, startedAt: started, finishedAt: finished, records: records,
            planned: records.count + max(0, notRun))
    }

    /// The transcript file of `record`, checked to lie inside this directory's `transcripts/` folder.
    public func transcriptPath(for record: ResultRecord) throws(RunDirectoryError) -> String {
        guard let relative = Self.safeTranscriptPath(record.transcript) else {
            throw RunDirectoryError(
                path: path, message: "record \(record.id) names a transcript outside transcripts/: \(record.transcript)"
            )
        }
        return (path as NSString).appendingPathComponent(relative)
    }

    /// The raw bytes of `record`'s transcript.
    public func transcriptData(for record: ResultRecord) throws(RunDirectoryError) -> Data {
        let file = try transcriptPath(for: record)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw RunDirectoryError(path: file, message: "the transcript of \(record.id) is missing")
        }
        return data
    }

    /// `record`'s transcript, decoded.
    public func transcript(for record: ResultRecord) throws(RunDirectoryError) -> FlowRunResult {
        let data = try transcriptData(for: record)
        return try Self.decodeTranscript(data, path: (try? transcriptPath(for: record)) ?? record.transcript)
    }

    /// The transcript file at `file`, wherever it is (a copy kept outside its run directory).
    public static func transcript(file: String) throws(RunDirectoryError) -> FlowRunResult {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw RunDirectoryError(path: file, message: "no such file")
        }
        return try decodeTranscript(data, path: file)
    }

    private static func decodeTranscript(_ data: Data, path: String) throws(RunDirectoryError) -> FlowRunResult {
        do {
            return try FlowRunResult(json: try JSONValue(parsing: data))
        } catch {
            throw RunDirectoryError(path: path, message: "not a transcript (\(error))")
        }
    }

    /// A transcript file read on its own (`parley capture`): its flow run, or why it is not one.
    public static func readTranscript(path: String) throws(RunDirectoryError) -> FlowRunResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunDirectoryError(
                path: path, message: isDirectory(path) ? "is a folder, not a transcript" : "no such file")
        }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: data)
        } catch {
            throw RunDirectoryError(path: path, message: "not a Parley transcript (not JSON: \(error))")
        }
        do {
            return try FlowRunResult(json: json)
        } catch {
            // `no `turns`` reads better than "`turns`: missing".
            let reason = error.message == "missing" ? "no `\(error.path)`" : error.description
            throw RunDirectoryError(path: path, message: "not a Parley transcript (\(reason))")
        }
    }

    /// `path` when it is a plain relative path under `transcripts/` (no `..`, not absolute), else nil.
    /// Records are input: a hand-edited or hostile `results.jsonl` must not make Parley read or copy
    /// files from elsewhere.
    static func safeTranscriptPath(_ path: String) -> String? {
        guard !path.hasPrefix("/"), !path.contains("\\"), !path.contains("\0") else { return nil }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == Substring(RunWriter.transcriptsFolder),
            parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else { return nil }
        return path
    }

    /// True when `path` is a directory (a link to one included).
    public static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
