/// One NDJSON line and the wait before it.
struct TimedLine: Sendable {
    var delay: Duration
    var text: String

    init(after delay: Duration = .zero, _ value: JSON) {
        self.delay = delay
        self.text = value.text + "\n"
    }

    /// A line written as is (an injected malformed one).
    init(raw: String) {
        self.delay = .zero
        self.text = raw + "\n"
    }
}

/// Thrown inside a response body to close the connection mid-stream on purpose.
struct InjectedDisconnect: Error {}
