import Foundation
import ParleyJSON

/// Reads `results.jsonl` a record at a time, a block of the file at a time, so a run of any length
/// is read in little memory. A torn last line (a crash mid-write) is ignored; any other line that
/// is not a record is an error naming its line.
public final class ResultsReader {
    private let path: String
    private let fd: Int32
    private var pending: [UInt8] = []
    /// Where the next line starts in `pending`.
    private var start = 0
    private var ended = false
    /// Lines read so far, not counting empty ones.
    private var lineNumber = 0

    /// Opens the results of the run directory `directory`.
    public init(directory: String) throws(RunDirectoryError) {
        path = (directory as NSString).appendingPathComponent(RunWriter.resultsFile)
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw RunDirectoryError(path: path, message: "no such file; is this a Parley run directory?")
        }
    }

    deinit {
        close(fd)
    }

    /// The next record, or `nil` at the end of the file.
    public func next() throws(RunDirectoryError) -> ResultRecord? {
        while true {
            if let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[start..<newline]
                start = newline + 1
                if line.isEmpty { continue }
                return try parse(line, last: false)
            }
            if ended {
                guard start < pending.count else { return nil }
                // A last line without its newline was cut short by a crash unless it parses.
                let line = pending[start...]
                start = pending.count
                if let record = try parse(line, last: true) { return record }
                return nil
            }
            try fill()
        }
    }

    /// Reads the next block of the file behind what is left of the current one.
    private func fill() throws(RunDirectoryError) {
        pending.removeSubrange(0..<start)
        start = 0
        let blockSize = 1 << 16
        let old = pending.count
        pending.append(contentsOf: repeatElement(0, count: blockSize))
        while true {
            let count = pending.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, blockSize) }
            if count < 0 {
                if errno == EINTR { continue }
                pending.removeSubrange(old...)
                throw RunDirectoryError(path: path, message: "cannot read (\(String(cString: strerror(errno))))")
            }
            pending.removeSubrange((old + count)...)
            if count == 0 { ended = true }
            return
        }
    }

    private func parse(_ line: ArraySlice<UInt8>, last: Bool) throws(RunDirectoryError) -> ResultRecord? {
        lineNumber += 1
        let problem: String
        do {
            // Parsed where it lies: the generic `init(parsing:)` copies a slice through unspecialized code.
            let json = try line.withUnsafeBufferPointer { bytes throws(JSONParseError) in
                try JSONValue(parsing: bytes)
            }
            return try ResultRecord(json: json)
        } catch let error as JSONParseError {
            // Each line is its own document: its line is the file's, its column the error's.
            problem = "\(error.message) at column \(error.column)"
        } catch {
            problem = "\(error)"
        }
        if last { return nil }
        throw RunDirectoryError(path: path, message: "line \(lineNumber) is not a result record (\(problem))")
    }
}
