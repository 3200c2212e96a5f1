import Foundation

/// Collects diagnostics while input is being read, attaching the source line to each one.
///
/// Readers report every problem they find and carry on, so a user sees all the errors of a file
/// at once rather than one per attempt.
public final class DiagnosticSink {
    public private(set) var diagnostics: [Diagnostic] = []
    /// How many of `diagnostics` are errors.
    public private(set) var errorCount = 0
    /// Registered texts with the offset where each line starts, so a line is found without
    /// splitting the whole text (readers ask for lines of every scalar to locate columns).
    private var sources: [String: SourceText] = [:]
    /// The text registered last: a file's lines are asked for many times while it is read, and
    /// finding it by its path hashes the whole path each time.
    private var latest: (file: String, text: SourceText)?

    private struct SourceText {
        var bytes: [UInt8]
        var lineStarts: [Int32]

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            var starts: [Int32] = [0]
            bytes.withUnsafeBufferPointer { buffer in
                // `memchr` from one line break to the next: lines are tens of bytes long.
                guard let base = buffer.baseAddress else { return }
                var offset = 0
                while offset < buffer.count,
                    let found = memchr(base + offset, Int32(UInt8(ascii: "\n")), buffer.count - offset)
                {
                    offset = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
                    starts.append(Int32(truncatingIfNeeded: offset))
                }
            }
            lineStarts = starts
        }

        func line(_ number: Int) -> ArraySlice<UInt8>? {
            guard number >= 1, number <= lineStarts.count else { return nil }
            let start = Int(lineStarts[number - 1])
            var end = number < lineStarts.count ? Int(lineStarts[number]) - 1 : bytes.count
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            return bytes[start..<end]
        }
    }

    public init() {}

    /// Remembers a file's text so diagnostics pointing into it can show the offending line.
    public func register(file: String, text: String) {
        register(file: file, bytes: Array(text.utf8))
    }

    /// Remembers a file's text, as UTF-8 bytes, so diagnostics pointing into it can show the offending line.
    public func register(file: String, bytes: [UInt8]) {
        let text = SourceText(bytes)
        sources[file] = text
        latest = (file, text)
    }

    /// Lets go of a file's text once nothing more will be reported about it; diagnostics already
    /// made keep their source line.
    public func forget(file: String) {
        sources[file] = nil
        if latest?.file == file { latest = nil }
    }

    /// The text of one line of a registered file, if known.
    public func lineText(file: String, line: Int) -> String? {
        source(file)?.line(line).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The UTF-8 bytes of one line of a registered file, without its line break.
    func lineBytes(file: String, line: Int) -> ArraySlice<UInt8>? {
        source(file)?.line(line)
    }

    private func source(_ file: String) -> SourceText? {
        if let latest, latest.file == file { return latest.text }
        return sources[file]
    }

    public func error(_ message: String, at location: SourceLocation) {
        add(Diagnostic(.error, at: location, message))
    }

    public func warning(_ message: String, at location: SourceLocation) {
        add(Diagnostic(.warning, at: location, message))
    }

    public func add(_ diagnostic: Diagnostic) {
        var d = diagnostic
        if d.sourceLine == nil {
            d.sourceLine = lineText(file: d.location.file, line: d.location.line)
        }
        diagnostics.append(d)
        if d.severity == .error { errorCount += 1 }
    }

    public func add(_ error: YAMLError) {
        add(Diagnostic(.error, at: error.location, error.message))
    }

    public var hasErrors: Bool { diagnostics.hasErrors }

    /// Diagnostics in file order, each reported once.
    public var sorted: [Diagnostic] { Self.sorted(diagnostics) }

    /// `diagnostics` in file order, each once (several readers may report the same problem).
    public static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        return
            diagnostics
            .filter { seen.insert($0).inserted }
            .sorted {
                ($0.location.file, $0.location.line, $0.location.column) < (
                    $1.location.file, $1.location.line, $1.location.column
                )
            }
    }
}
