#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splits a byte stream into lines: `\n` ends a line, a `\r` before it is dropped, empty lines
/// are kept, and after `finish()` a last line without a line break is returned too.
///
/// Each byte is scanned once; bytes are copied into the returned line and, for a line split
/// across chunks, once more to join it — no quadratic rescans or copies.
struct LineSplitter {
    private var pending: [UInt8] = []
    /// Start of the first line not yet returned.
    private var lineStart = 0
    /// Where to resume looking for `\n`: no byte between `lineStart` and here is one.
    private var scanFrom = 0
    private var finished = false

    /// Adds the next bytes of the stream.
    mutating func append(_ chunk: [UInt8]) {
        if lineStart == pending.count {
            // Everything before was returned: take the chunk as is, without copying.
            pending = chunk
            lineStart = 0
            scanFrom = 0
            return
        }
        if lineStart > 0 {
            pending.removeSubrange(0..<lineStart)
            scanFrom -= lineStart
            lineStart = 0
        }
        pending.append(contentsOf: chunk)
    }

    /// Bytes held after the last line break: the line still being received (and lines not yet taken).
    var unfinishedLineBytes: Int { pending.count - lineStart }

    /// Marks the end of the stream, so that an unterminated last line becomes available.
    mutating func finish() {
        finished = true
    }

    /// The next complete line, or nil until more bytes (or `finish()`) arrive.
    mutating func nextLine() -> [UInt8]? {
        nextLineRange().map { Array(pending[$0]) }
    }

    /// The next complete line where it lies, for the duration of `body` (the bytes are the
    /// splitter's: no copy); nil until more bytes (or `finish()`) arrive.
    mutating func withNextLine<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        guard let range = nextLineRange() else { return nil }
        return try pending.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// Where the next complete line lies in `pending`, without its line break; the line is taken.
    private mutating func nextLineRange() -> Range<Int>? {
        if let newline = findNewline() {
            let line = lineStart..<lineEnd(newline)
            lineStart = newline + 1
            scanFrom = lineStart
            return line
        }
        scanFrom = pending.count
        guard finished, lineStart < pending.count else { return nil }
        let line = lineStart..<lineEnd(pending.count)
        lineStart = pending.count
        return line
    }

    /// Where a line ending at `end` (its `\n`, or the stream's end) ends without a `\r` before it.
    private func lineEnd(_ end: Int) -> Int {
        end > lineStart && pending[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
    }

    private func findNewline() -> Int? {
        guard scanFrom < pending.count else { return nil }
        return pending.withUnsafeBytes { bytes -> Int? in
            guard let base = bytes.baseAddress,
                let found = memchr(base + scanFrom, Int32(UInt8(ascii: "\n")), bytes.count - scanFrom)
            else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
    }
}
