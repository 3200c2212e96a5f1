/// A complete response. Every status, including 4xx and 5xx, arrives as a response.
public struct HTTPResponse: Sendable {
    /// The final status code (interim 1xx responses are skipped).
    public var status: Int
    /// The response's header fields, in order.
    public var headers: HTTPHeaders
    /// The body.
    public var body: [UInt8]
    /// When the parts of the response arrived.
    public var timing: HTTPTiming

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders, body: [UInt8], timing: HTTPTiming) {
        self.status = status
        self.headers = headers
        self.body = body
        self.timing = timing
    }

    /// The body decoded as UTF-8, with invalid sequences replaced.
    public var text: String {
        String(decoding: body, as: UTF8.self)
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool {
        (200..<300).contains(status)
    }
}
