import Foundation
import ParleyJSON
import ParleyRun

/// Combines run directories — the shards of one nightly run, or a run and its re-run of a few flows —
/// into one: every record, every transcript, and a new summary.
///
/// A flow-run id names one conversation, so two inputs holding the same id must hold the same
/// conversation: an identical duplicate (same record, same transcript bytes) is kept once; anything
/// else is a conflict, and nothing is written.
public struct RunMerge: Sendable {
    /// The merged records, in input order, each with the directory its transcript comes from.
    public var entries: [Entry]
    /// Identical duplicates that were dropped.
    public var duplicates: Int
    /// The merged summary.
    public var summary: RunSummary
    /// The merged `run.json`, when an input has one: the first input's settings, every input's
    /// paths, no shard, and the merged plan; `nil` when no input has one.
    public var metadata: RunMetadata?

    /// One merged flow run.
    public struct Entry: Sendable {
        /// The flow run's record, unchanged.
        public var record: ResultRecord
        /// The input run directory holding its transcript.
        public var source: String
    }

    /// The records, in input order.
    public var records: [ResultRecord] { entries.map(\.record) }

    /// Why runs could not be merged.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong; `parley merge` turns it into an exit code.
        public enum Kind: String, Sendable {
            /// An input is not a readable run directory.
            case unreadable
            /// Two inputs hold the same flow-run id with different content.
            case conflict
            /// The output directory already holds a run.
            case outputExists
            /// The output could not be written.
            case unwritable
        }

        public var kind: Kind
        /// A sentence naming the directories and flow runs involved.
        public var message: String
        public var description: String { message }
    }

    /// Reads `directories` and merges them in memory; transcripts are compared only for duplicate ids.
    public static func plan(directories: [String], runId: String = RunWriter.makeRunID()) throws(Failure) -> RunMerge {
        guard !directories.isEmpty else { throw Failure(kind: .unreadable, message: "no run directories to merge") }
        var entries: [Entry] = []
        var byID: [String: Int] = [:]
        var byTranscript: [String: Int] = [:]
        var duplicates = 0
        var notRun = 0
        var starts: [Date] = []
        var finishes: [Date] = []
        // The shards of one run share how it was judged: k, the gate and each flow's min pass rate.
        var options = RunSummary.Options()
        var optionsFound = false
        var described: [RunMetadata] = []
        for path in directories {
            let directory = RunDirectory(path: path)
            let records: [ResultRecord]
            do {
                records = try directory.records()
            } catch {
                throw Failure(kind: .unreadable, message: error.description)
            }
            let summary = directory.summary(records: records)
            if let metadata = try? RunMetadata.read(from: path) { described.append(metadata) }
            notRun += summary.notRun
            let stored = summary.options
            if !optionsFound, stored.k != nil || stored.gate != .point || !stored.minPassRates.isEmpty {
                optionsFound = true
                options.k = stored.k
                options.gate = stored.gate
            }
            options.minPassRates.merge(stored.minPassRates) { first, _ in first }
            starts.append(summary.startedAt)
            finishes.append(summary.finishedAt)
            for record in records {
                // Checked now, so a missing transcript stops the merge before anything is written.
                let transcript: String
                do {
                    transcript = try directory.transcriptPath(for: record)
                } catch {
                    throw Failure(kind: .unreadable, message: error.description)
                }
                guard FileManager.default.fileExists(atPath: transcript) else {
                    throw Failure(
                        kind: .unreadable, message: "\(transcript): the transcript of \(record.id) is missing")
                }
                if let index = byID[record.id] {
                    let earlier = entries[index]
                    guard try sameContent(earlier, Entry(record: record, source: path)) else {
                        throw Failure(
                            kind: .conflict,
                            message:
                                "flow run \(record.id) is in both \(earlier.source) and \(path) with different "
                                + "content; "
                                + "merge combines different flow runs (such as shards of one run), it cannot choose "
                                + "between two versions of one"
                        )
                    }
                    duplicates += 1
                    continue
                }
                if let index = byTranscript[record.transcript] {
                    throw Failure(
                        kind: .conflict,
                        message:
                            "flow runs \(entries[index].record.id) (\(entries[index].source)) and \(record.id) "
                            + "(\(path)) "
                            + "use the same transcript file \(record.transcript)")
                }
                byID[record.id] = entries.count
                byTranscript[record.transcript] = entries.count
                entries.append(Entry(record: record, source: path))
            }
        }
        let records = entries.map(\.record)
        let started = (starts + records.map(\.startedAt)).min() ?? Date()
        let finished = (finishes + records.map(\.finishedAt)).max() ?? started
        let summary = RunSummary(
            runId: runId, startedAt: started, finishedAt: finished, records: records,
            planned: records.count + notRun, options: options)
        return RunMerge(
            entries: entries, duplicates: duplicates, summary: summary,
            metadata: merged(described, runId: runId, createdAt: started, planned: summary.total + summary.notRun))
    }

    /// One description of the merged run: the first input's settings, the union of the inputs'
    /// paths, the target when every input names the same, the first git commit and CI job known;
    /// no shard, and no report paths (they named each input's own reports).
    private static func merged(_ described: [RunMetadata], runId: String, createdAt: Date, planned: Int)
        -> RunMetadata?
    {
        guard var metadata = described.first else { return nil }
        metadata.runId = runId
        metadata.createdAt = createdAt
        metadata.paths = described.flatMap(\.paths).reduce(into: []) { paths, path in
            if !paths.contains(path) { paths.append(path) }
        }
        if Set(described.map(\.target)).count > 1 { metadata.target = nil }
        metadata.shard = nil
        metadata.planned = planned
        metadata.junit = nil
        metadata.html = nil
        metadata.environment = described.lazy.compactMap(\.environment).first
        return metadata
    }

    /// Writes the merged run to `directory`, which must not already be a run directory: transcripts
    /// first, then `results.jsonl`, `summary.json` and `run.json`, each atomically.
    public func write(to directory: String) throws(Failure) {
        let resultsPath = (directory as NSString).appendingPathComponent(RunWriter.resultsFile)
        if FileManager.default.fileExists(atPath: resultsPath) {
            throw Failure(
                kind: .outputExists, message: "\(directory) already holds a run; choose a new --out directory")
        }
        let transcripts = (directory as NSString).appendingPathComponent(RunWriter.transcriptsFolder)
        do {
            try FileManager.default.createDirectory(atPath: transcripts, withIntermediateDirectories: true)
        } catch {
            throw Failure(
                kind: .unwritable,
                message: "\(directory): cannot create the run directory (\(error.localizedDescription))")
        }
        do {
            var lines: [UInt8] = []
            for entry in entries {
                let data = try RunDirectory(path: entry.source).transcriptData(for: entry.record)
                let target = (directory as NSString).appendingPathComponent(entry.record.transcript)
                let folder = (target as NSString).deletingLastPathComponent
                if folder != transcripts {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                }
                try RunWriter.writeAtomically(path: target, bytes: [UInt8](data))
                lines += entry.record.json.bytes
                lines.append(UInt8(ascii: "\n"))
            }
            try RunWriter.writeAtomically(path: resultsPath, bytes: lines)
            let summaryPath = (directory as NSString).appendingPathComponent(RunWriter.summaryFile)
            try RunWriter.writeAtomically(path: summaryPath, bytes: summary.json.prettyBytes)
            try metadata?.write(to: directory)
        } catch let error as RunDirectoryError {
            throw Failure(kind: .unwritable, message: error.description)
        } catch {
            throw Failure(kind: .unwritable, message: "\(directory): \(error)")
        }
    }

    /// Same record and same transcript bytes.
    private static func sameContent(_ a: Entry, _ b: Entry) throws(Failure) -> Bool {
        guard a.record == b.record else { return false }
        do {
            return try RunDirectory(path: a.source).transcriptData(for: a.record)
                == RunDirectory(path: b.source).transcriptData(for: b.record)
        } catch {
            throw Failure(kind: .unreadable, message: error.description)
        }
    }
}
