/// A request to send with ``HTTPClient``.
public struct HTTPRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The absolute `http` or `https` URL. It may carry credentials in its userinfo or query:
    /// errors never repeat them.
    public var url: String
    /// Header fields; a `Content-Type` here overrides the body's.
    public var headers: HTTPHeaders
    /// The body, if any.
    public var body: HTTPBody?
    /// Time limits.
    public var timeouts: HTTPTimeouts
    /// Whether the server's TLS certificate and host name are verified. Turn off only for
    /// servers with self-signed certificates that you trust.
    public var verifyTLS: Bool
    /// The largest response body accepted, overriding the client's configured limit.
    public var maxResponseBytes: Int?

    /// Creates a request.
    public init(
        method: HTTPMethod = .get,
        url: String,
        headers: HTTPHeaders = [:],
        body: HTTPBody? = nil,
        timeouts: HTTPTimeouts = HTTPTimeouts(),
        verifyTLS: Bool = true,
        maxResponseBytes: Int? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.verifyTLS = verifyTLS
        self.maxResponseBytes = maxResponseBytes
    }
}
