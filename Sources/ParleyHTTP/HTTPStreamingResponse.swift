/// A response whose body is still arriving.
///
/// Read the body once, either line by line through ``lines`` or whole with ``collectBody()``.
/// Dropping the response (and its `lines`) before the body ended aborts the transfer.
public struct HTTPStreamingResponse: Sendable {
    /// The final status code.
    public var status: Int
    /// The response's header fields, in order.
    public var headers: HTTPHeaders
    /// Submission time and time to headers; body timings are the reader's to take.
    public var timing: HTTPTiming
    /// The body's lines as they arrive.
    public let lines: HTTPLines

    init(status: Int, headers: HTTPHeaders, timing: HTTPTiming, control: StreamControl) {
        self.status = status
        self.headers = headers
        self.timing = timing
        self.lines = HTTPLines(control: control)
    }

    /// Waits for the rest of the body and returns it.
    public func collectBody() async throws(HTTPError) -> [UInt8] {
        let control = lines.control
        var collected: [UInt8] = []
        while true {
            switch await control.nextChunk() {
            case .success(nil):
                return collected
            case .success(let chunk?):
                guard collected.count + chunk.count <= control.limit else {
                    control.cancel()
                    throw HTTPError(
                        code: .tooLarge, message: "the response body exceeds \(control.limit) bytes",
                        redactedURL: control.transfer.redactedURL, status: status,
                        bytesReceived: collected.count + chunk.count)
                }
                if collected.isEmpty {
                    collected = chunk
                } else {
                    collected.append(contentsOf: chunk)
                }
            case .failure(let error):
                throw error
            }
        }
    }

    /// Aborts the transfer; readers of the body see `.cancelled`.
    public func cancel() {
        lines.control.cancel()
    }
}
