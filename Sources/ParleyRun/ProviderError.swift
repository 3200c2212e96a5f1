import ParleyJSON
/// Why a provider could not do what a flow asked: the flow run ends as `error`, not `failed`.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Credentials refused (exit code 3 when nothing failed).
        public static let authRefused = Kind("auth-refused")
        /// The provider could not be reached (connection refused, DNS, TLS).
        public static let unreachable = Kind("unreachable")
        /// A reply did not arrive in time.
        public static let timeout = Kind("timeout")
        /// The provider answered with an error status.
        public static let server = Kind("server-error")
        /// The provider kept refusing because of rate limits.
        public static let rateLimited = Kind("rate-limited")
        /// The provider answered with something that does not follow its protocol.
        public static let protocolViolation = Kind("protocol")
        /// The connection dropped in the middle of a reply.
        public static let connectionDropped = Kind("connection-dropped")
        /// The conversation is already over on the provider's side.
        public static let conversationClosed = Kind("conversation-closed")
        /// The agent's platform reported a failure of its own in place of a reply (Amelia's
        /// `OutboundSystemErrorMessage`): the message reached the agent, the turn failed there.
        public static let systemError = Kind("system-error")
        /// The provider cannot do this at all.
        public static let unsupported = Kind("unsupported")
        /// The run was cancelled.
        public static let cancelled = Kind("cancelled")
        /// The provider's configuration is unusable.
        public static let configuration = Kind("configuration")
    }

    public var kind: Kind
    public var message: String
    /// HTTP status, when one was involved.
    public var status: Int?

    public init(_ kind: Kind, _ message: String, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
    }

    public var description: String { message }

    /// True when the problem is with reaching or being allowed to use the provider at all.
    public var preventsRunning: Bool { kind == .authRefused || kind == .unreachable || kind == .configuration }
}
