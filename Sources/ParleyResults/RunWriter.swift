import Foundation
import Synchronization
import ParleyFlow
import ParleyJSON
import ParleyRun

/// Why a run directory could not be written or read.
public struct RunDirectoryError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
}

/// Writes a run directory as flow runs finish: a transcript each, a line in `results.jsonl`, and
/// `summary.json` at the end.
///
/// Every line is appended with one `write(2)` as soon as its flow run finishes, after its transcript
/// is in place, so a crash (even `kill -9`) loses nothing that had finished.
///
/// Results arrive with their secrets already taken out (``FlowRunResult/redacted(by:)``); the
/// bytes written are passed through the run's secrets once more, in case a value held one in a
/// form nothing recognised before it was encoded.
public final class RunWriter: Sendable {
    public let directory: String
    private let resultsFD: Mutex<Int32>
    /// The flow runs kept so far, added up for the summary; records themselves are not kept, so
    /// memory does not grow with the run.
    private let kept: Mutex<RunTally>
    /// Whether a transcript written holds judge verdicts (``wroteJudgments``).
    private let judged = Atomic(false)
    /// The run's secrets, replaced by `[redacted]` in everything written.
    private let secrets: SecretRegistry
    /// Prices each flow run's tokens as it is recorded.
    private let pricing: Pricing

    public static let resultsFile = "results.jsonl"
    public static let summaryFile = "summary.json"
    public static let coverageFile = "coverage.json"
    public static let transcriptsFolder = "transcripts"

    /// Opens (creating if needed) a run directory; existing results are kept and appended to.
    /// `tally` is what the directory already holds when a run is resumed; the flow runs kept
    /// are added to it.
    public init(
        directory: String, secrets: SecretRegistry = SecretRegistry(), pricing: Pricing = Pricing(),
        tally: RunTally = RunTally()
    ) throws(RunDirectoryError) {
        self.directory = directory
        self.kept = Mutex(tally)
        self.secrets = secrets
        self.pricing = pricing
        let transcripts = (directory as NSString).appendingPathComponent(Self.transcriptsFolder)
        do {
            try FileManager.default.createDirectory(atPath: transcripts, withIntermediateDirectories: true)
        } catch {
            throw RunDirectoryError(
                path: directory, message: "cannot create the run directory (\(error.localizedDescription))")
        }
        let path = (directory as NSString).appendingPathComponent(Self.resultsFile)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RunDirectoryError(
                path: path, message: "cannot open for writing (\(String(cString: strerror(errno))))")
        }
        resultsFD = Mutex(fd)
    }

    deinit {
        resultsFD.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    /// Writes a finished flow run's transcript, then its results line; returns the line's record.
    @discardableResult
    public func record(_ result: FlowRunResult) throws(RunDirectoryError) -> ResultRecord {
        let transcriptPath = "\(Self.transcriptsFolder)/\(result.id).json"
        var record = ResultRecord(result, transcript: transcriptPath)
        record.cost = RunCost.cost(of: result.usage ?? [], pricing: pricing)
        let redactor = secrets.redactor
        // The transcript goes from the writer's buffer to its file: no copy unless a secret is in it.
        try result.withPrettyJSONBytes { bytes throws(RunDirectoryError) in
            try redactor.withRedacted(bytes) { bytes throws(RunDirectoryError) in
                try Self.writeAtomically(path: path(of: transcriptPath), bytes: UnsafeRawBufferPointer(bytes))
            }
        }
        if result.judgments?.isEmpty == false { judged.store(true, ordering: .relaxed) }
        var line = redactor.redact(record.jsonBytes)
        line.append(UInt8(ascii: "\n"))
        try appendLine(line)
        return record
    }

    /// The tally it started with and every flow run kept since (as a ``ResultSink``); a flow run
    /// whose files could not be written is counted too.
    public var tally: RunTally { kept.withLock { $0 } }

    /// Whether any transcript this writer wrote holds judge verdicts. Results lines do not carry
    /// them, so whatever reads verdicts back (the history) opens every transcript unless it is told
    /// none has any; transcripts a resumed run wrote earlier are not counted.
    public var wroteJudgments: Bool { judged.load(ordering: .relaxed) }

    /// Writes `summary.json` (replacing any earlier one).
    public func writeSummary(_ summary: RunSummary) throws(RunDirectoryError) {
        try writeFile(Self.summaryFile, secrets.redactor.redact(summary.json.prettyBytes))
    }

    /// Writes `coverage.json` into the run directory at `directory` (replacing any earlier one),
    /// through `secrets` like every file of a run: item names are what the agent reported.
    public static func writeCoverage(
        _ coverage: RunCoverage, to directory: String, secrets: SecretRegistry = SecretRegistry()
    ) throws(RunDirectoryError) {
        try writeAtomically(
            path: (directory as NSString).appendingPathComponent(coverageFile),
            bytes: secrets.redactor.redact(coverage.json.prettyBytes))
    }

    /// Writes a file inside the run directory atomically (temporary file, then rename).
    public func writeFile(_ relativePath: String, _ bytes: [UInt8]) throws(RunDirectoryError) {
        try Self.writeAtomically(path: path(of: relativePath), bytes: bytes)
    }

    private func path(of relativePath: String) -> String {
        (directory as NSString).appendingPathComponent(relativePath)
    }

    /// Removes the temporary files a killed run left behind (`*.tmp-<pid>`, in the run directory
    /// and `transcripts/`), so a resumed run starts clean; returns how many there were.
    @discardableResult
    public static func removeStaleTemporaryFiles(directory: String) -> Int {
        var removed = 0
        let folders = [directory, (directory as NSString).appendingPathComponent(transcriptsFolder)]
        for folder in folders {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            where name.range(of: ".tmp-") != nil {
                if unlink((folder as NSString).appendingPathComponent(name)) == 0 { removed += 1 }
            }
        }
        return removed
    }

    /// Writes `bytes` to `path` through a temporary file and a rename, so readers never see half a file.
    public static func writeAtomically(path: String, bytes: [UInt8]) throws(RunDirectoryError) {
        // `withUnsafeBytes` rethrows untyped errors: the outcome is carried out as a value.
        try bytes.withUnsafeBytes { bytes in
            Result { () throws(RunDirectoryError) in try writeAtomically(path: path, bytes: bytes) }
        }.get()
    }

    /// ``writeAtomically(path:bytes:)-([UInt8])`` from memory the caller holds.
    public static func writeAtomically(path: String, bytes: UnsafeRawBufferPointer) throws(RunDirectoryError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RunDirectoryError(path: path, message: "cannot write (\(String(cString: strerror(errno))))")
        }
        let ok = writeAll(fd, bytes)
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw RunDirectoryError(path: path, message: "cannot write (\(String(cString: strerror(errno))))")
        }
    }

    private func appendLine(_ line: [UInt8]) throws(RunDirectoryError) {
        let ok = line.withUnsafeBytes { line in resultsFD.withLock { fd in Self.writeAll(fd, line) } }
        if !ok {
            throw RunDirectoryError(
                path: (directory as NSString).appendingPathComponent(Self.resultsFile),
                message: "cannot append (\(String(cString: strerror(errno))))")
        }
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Reads the records of a run directory; a torn last line (a crash mid-write) is ignored.
    public static func readRecords(directory: String) throws(RunDirectoryError) -> [ResultRecord] {
        var records: [ResultRecord] = []
        try readRecords(directory: directory) { records.append($0) }
        return records
    }

    /// Reads the records of a run directory one at a time (see ``ResultsReader``), so a run of any
    /// length is read in little memory; a torn last line (a crash mid-write) is ignored.
    public static func readRecords(directory: String, each body: (ResultRecord) throws(RunDirectoryError) -> Void)
        throws(RunDirectoryError)
    {
        let reader = try ResultsReader(directory: directory)
        while let record = try reader.next() { try body(record) }
    }

    /// A new run id: sortable by time, unique enough to never collide on one machine.
    public static func makeRunID(now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: now)
        func two(_ n: Int?) -> String {
            let v = n ?? 0
            return v < 10 ? "0\(v)" : "\(v)"
        }
        let suffix = String(UInt32.random(in: 0..<UInt32.max) & 0xFFFF, radix: 16)
        return "\(c.year ?? 0)\(two(c.month))\(two(c.day))-\(two(c.hour))\(two(c.minute))\(two(c.second))-\(suffix)"
    }
}

extension RunWriter: ResultSink {
    public func keep(_ result: FlowRunResult) throws(ResultSinkError) -> String {
        do {
            let record = try record(result)
            kept.withLock { $0.add(record) }
            return record.transcript
        } catch {
            var record = ResultRecord(result, transcript: "")
            record.cost = RunCost.cost(of: result.usage ?? [], pricing: pricing)
            kept.withLock { $0.add(record) }
            throw ResultSinkError(error.description)
        }
    }
}
