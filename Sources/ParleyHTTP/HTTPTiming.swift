import ParleyClock

/// When the parts of a response arrived, measured from submission.
public struct HTTPTiming: Sendable {
    /// When the request was submitted.
    public var started: MonotonicInstant
    /// Time until the status line and headers had arrived.
    public var headers: Duration?
    /// Time until the first body byte arrived; for an empty body, the time until the headers.
    public var firstByte: Duration?
    /// Time until the response was complete.
    public var total: Duration?

    /// Creates a timing record.
    public init(
        started: MonotonicInstant, headers: Duration? = nil, firstByte: Duration? = nil, total: Duration? = nil
    ) {
        self.started = started
        self.headers = headers
        self.firstByte = firstByte
        self.total = total
    }
}
