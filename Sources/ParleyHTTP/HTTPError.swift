/// Why a request did not produce a complete response.
///
/// Non-2xx statuses are not errors: they arrive as responses. Messages and ``url`` never carry
/// URL credentials, query strings, header values or bodies, so an error can be logged as is.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. A struct rather than an enum so that kinds can be added without
    /// breaking exhaustive switches in callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: Sendable, Hashable {
            case connectFailed, resolveFailed, tls, connectTimeout, firstByteTimeout, idleTimeout
            case totalTimeout, connectionDropped, cancelled, invalidRequest, tooLarge, other
        }

        private let kind: Kind

        private init(_ kind: Kind) {
            self.kind = kind
        }

        /// The server refused the connection or could not be reached.
        public static let connectFailed = Code(.connectFailed)
        /// The host name (or proxy name) could not be resolved.
        public static let resolveFailed = Code(.resolveFailed)
        /// The TLS handshake or certificate verification failed.
        public static let tls = Code(.tls)
        /// The connection was not established within ``HTTPTimeouts/connect``.
        public static let connectTimeout = Code(.connectTimeout)
        /// The response headers did not arrive within ``HTTPTimeouts/firstByte``.
        public static let firstByteTimeout = Code(.firstByteTimeout)
        /// The response stalled for longer than ``HTTPTimeouts/idle``.
        public static let idleTimeout = Code(.idleTimeout)
        /// The exchange did not finish within ``HTTPTimeouts/total``.
        public static let totalTimeout = Code(.totalTimeout)
        /// The connection closed or broke before the response was complete.
        public static let connectionDropped = Code(.connectionDropped)
        /// The calling task or the stream's consumer cancelled, or the client shut down.
        public static let cancelled = Code(.cancelled)
        /// The request could not be sent as given (bad URL, method or header).
        public static let invalidRequest = Code(.invalidRequest)
        /// The response body exceeded the size limit.
        public static let tooLarge = Code(.tooLarge)
        /// Anything else; the message says what.
        public static let other = Code(.other)

        /// A short name, such as `connect timeout`.
        public var description: String {
            switch kind {
            case .connectFailed: "connect failed"
            case .resolveFailed: "resolve failed"
            case .tls: "TLS error"
            case .connectTimeout: "connect timeout"
            case .firstByteTimeout: "first-byte timeout"
            case .idleTimeout: "idle timeout"
            case .totalTimeout: "total timeout"
            case .connectionDropped: "connection dropped"
            case .cancelled: "cancelled"
            case .invalidRequest: "invalid request"
            case .tooLarge: "response too large"
            case .other: "HTTP error"
            }
        }

        /// Whether the code is one of the timeouts.
        public var isTimeout: Bool {
            switch kind {
            case .connectTimeout, .firstByteTimeout, .idleTimeout, .totalTimeout: true
            default: false
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened, without credentials, query strings, header values or bodies.
    public var message: String
    /// The request URL without userinfo, query or fragment, for example `https://host/path?…`.
    public var url: String
    /// The status of the response, when its headers had arrived before the failure.
    public var status: Int?
    /// Body bytes received before the failure; zero means the server sent no body, which tells
    /// a caller whether a non-idempotent request may be resent.
    public var bytesReceived: Int

    /// Creates an error; `url` is redacted here, so callers may pass the request URL as is.
    public init(code: Code, message: String, url: String, status: Int? = nil, bytesReceived: Int = 0) {
        self.code = code
        self.message = message
        self.url = URLRedaction.redact(url)
        self.status = status
        self.bytesReceived = bytesReceived
    }

    /// Creates an error whose `url` is already redacted.
    init(code: Code, message: String, redactedURL: String, status: Int? = nil, bytesReceived: Int = 0) {
        self.code = code
        self.message = message
        self.url = redactedURL
        self.status = status
        self.bytesReceived = bytesReceived
    }

    /// `code: message (url)`.
    public var description: String {
        "\(code): \(message) (\(url))"
    }
}
