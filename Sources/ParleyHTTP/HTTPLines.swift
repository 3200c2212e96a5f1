#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lines of a streamed body, as they arrive: each element is one line's bytes without its
/// `\n` or `\r\n`. A last line without a line break is delivered too, and empty lines are kept
/// (server-sent events use them as separators).
///
/// A body has one reader: iterate once, from one task. Cancelling that task aborts the transfer.
public struct HTTPLines: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = HTTPError

    let control: StreamControl

    /// Creates the iterator; there must be only one.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(control: control)
    }

    /// Splits arriving bytes into lines. Each byte is scanned once, and bytes are copied only
    /// into the returned line and, for a line split across chunks, once more to join it.
    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = [UInt8]
        public typealias Failure = HTTPError

        private let control: StreamControl
        private var pending: [UInt8] = []
        /// Start of the first line not yet returned.
        private var lineStart = 0
        /// Where to resume looking for `\n`: bytes before it hold none after `lineStart`.
        private var scanFrom = 0
        private var bodyEnded = false
        private var finished = false

        init(control: StreamControl) {
            self.control = control
        }

        /// The next line, `nil` after the last one.
        public mutating func next() async throws(HTTPError) -> [UInt8]? {
            while !finished {
                if let newline = findNewline() {
                    var end = newline
                    if end > lineStart && pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    let line = Array(pending[lineStart..<end])
                    lineStart = newline + 1
                    scanFrom = lineStart
                    return line
                }
                scanFrom = pending.count
                if bodyEnded {
                    finished = true
                    guard lineStart < pending.count else { return nil }
                    var end = pending.count
                    if pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    let line = Array(pending[lineStart..<end])
                    pending = []
                    return line
                }
                switch await control.nextChunk() {
                case .success(nil):
                    bodyEnded = true
                case .success(let chunk?):
                    append(chunk)
                case .failure(let error):
                    finished = true
                    pending = []
                    throw error
                }
            }
            return nil
        }

        private mutating func append(_ chunk: [UInt8]) {
            if lineStart == pending.count {
                // Everything before was returned: take the chunk as is, no copy.
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

        private func findNewline() -> Int? {
            guard scanFrom < pending.count else { return nil }
            return pending.withUnsafeBytes { bytes -> Int? in
                guard let base = bytes.baseAddress else { return nil }
                guard let found = memchr(base + scanFrom, Int32(UInt8(ascii: "\n")), bytes.count - scanFrom) else {
                    return nil
                }
                return base.distance(to: UnsafeRawPointer(found))
            }
        }
    }
}
