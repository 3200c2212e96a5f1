/// Time limits for one request; `nil` means no limit of that kind.
public struct HTTPTimeouts: Sendable, Hashable {
    /// Limit on establishing the connection (TCP and TLS). Fails with `.connectTimeout`.
    public var connect: Duration?
    /// Limit from submitting the request until the response's status line and headers have
    /// arrived. Fails with `.firstByteTimeout`.
    public var firstByte: Duration?
    /// Limit on the gap between two pieces of the response once its headers have arrived.
    /// Fails with `.idleTimeout`.
    public var idle: Duration?
    /// Limit on the whole exchange, from submission to the last body byte. Fails with
    /// `.totalTimeout`.
    public var total: Duration?

    /// Creates timeouts; by default only connecting is limited (10 s).
    public init(
        connect: Duration? = .seconds(10), firstByte: Duration? = nil, idle: Duration? = nil, total: Duration? = nil
    ) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
        self.total = total
    }
}
