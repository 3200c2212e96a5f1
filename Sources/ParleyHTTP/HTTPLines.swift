/// The lines of a streamed body, as they arrive: each element is one line's bytes without its
/// `\n` or `\r\n`. A last line without a line break is delivered too, and empty lines are kept
/// (server-sent events use them as separators).
///
/// A body has one reader: iterate once, from one task. Cancelling that task aborts the transfer.
/// A line longer than the request's body limit (``HTTPRequest/maxResponseBytes``) aborts it too,
/// with `.tooLarge`: a server that never sends a line break cannot make the reader hold more.
public struct HTTPLines: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = HTTPError

    let control: StreamControl

    /// Creates the iterator; there must be only one.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(control: control)
    }

    /// Hands every line to `body` as it arrives and returns after the last one: the lines
    /// iterating gives, with one suspension per chunk of the body instead of one per line (a
    /// reply's dozen events often come in one chunk), each where it lies in the stream's buffer
    /// (valid for the duration of `body`: no copy). An error `body` throws ends the reading and
    /// is thrown on, as is the stream's ``HTTPError``. Like iterating, this is done once.
    public func forEach(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) async throws {
        var lines = makeAsyncIterator()
        repeat {
            while try lines.withBuffered(body) != nil {}
        } while try await lines.fill()
    }

    /// Hands out lines as the body's bytes arrive.
    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = [UInt8]
        public typealias Failure = HTTPError

        private let control: StreamControl
        private var splitter = LineSplitter()
        private var bodyEnded = false
        private var failed = false

        init(control: StreamControl) {
            self.control = control
        }

        /// The next line, `nil` after the last one.
        public mutating func next() async throws(HTTPError) -> [UInt8]? {
            repeat {
                if let line = try buffered() { return line }
            } while try await fill()
            return nil
        }

        /// The next line among the bytes already received, if there is one.
        mutating func buffered() throws(HTTPError) -> [UInt8]? {
            guard !failed else { return nil }
            if let line = splitter.nextLine() { return line }
            try checkUnfinishedLine()
            return nil
        }

        /// Calls `body` with the next line among the bytes already received, where it lies, if
        /// there is one; nil when there is none.
        mutating func withBuffered<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R? {
            guard !failed else { return nil }
            if let result = try splitter.withNextLine(body) { return result }
            try checkUnfinishedLine()
            return nil
        }

        /// Every complete line is out: what the splitter holds is one unfinished line, which must
        /// stay within the body limit.
        private mutating func checkUnfinishedLine() throws(HTTPError) {
            if splitter.unfinishedLineBytes > control.limit {
                failed = true
                splitter = LineSplitter()
                control.cancel()
                throw HTTPError(
                    code: .tooLarge, message: "a line of the response body exceeds \(control.limit) bytes",
                    redactedURL: control.transfer.redactedURL)
            }
        }

        /// Waits for the body's next bytes; false once it has ended and every line was handed out.
        mutating func fill() async throws(HTTPError) -> Bool {
            guard !failed, !bodyEnded else { return false }
            switch await control.nextChunk() {
            case .success(nil):
                bodyEnded = true
                splitter.finish()
            case .success(let chunk?):
                splitter.append(chunk)
            case .failure(let error):
                failed = true
                splitter = LineSplitter()
                throw error
            }
            return true
        }
    }
}
