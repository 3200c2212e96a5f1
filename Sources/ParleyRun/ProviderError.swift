/// What kind of problem ended a flow run as `error`: recorded in results as its raw value.
public enum ErrorKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Credentials refused (exit code 3 when nothing failed).
    case authRefused = "auth-refused"
    /// The provider could not be reached (connection refused, DNS, TLS).
    case unreachable
    /// A reply did not arrive in time.
    case timeout
    /// The provider answered with an error status.
    case server = "server-error"
    /// The provider kept refusing because of rate limits.
    case rateLimited = "rate-limited"
    /// The provider answered with something that does not follow its protocol.
    case protocolViolation = "protocol"
    /// The connection dropped in the middle of a reply.
    case connectionDropped = "connection-dropped"
    /// The conversation is already over on the provider's side.
    case conversationClosed = "conversation-closed"
    /// The agent's platform reported a failure of its own in place of a reply (Amelia's
    /// `OutboundSystemErrorMessage`): the message reached the agent, the turn failed there.
    case systemError = "system-error"
    /// The provider cannot do this at all.
    case unsupported
    /// The run was cancelled.
    case cancelled
    /// The provider's or the flow's configuration is unusable (an unset variable, a bad pattern).
    case configuration
    /// A pattern took longer than its budget to match a reply (catastrophic backtracking): the
    /// reply could not be graded, which says nothing about the agent.
    case pattern
    /// A judge could not grade: unreachable, an error status, no answer in time, or an answer that
    /// is not the verdicts asked for. The agent is not to blame, so the run is `error`, not `failed`.
    case judge

    public var description: String { rawValue }
}

/// Why a provider could not do what a flow asked: the flow run ends as `error`, not `failed`.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    public var kind: ErrorKind
    public var message: String
    /// HTTP status, when one was involved.
    public var status: Int?

    public init(_ kind: ErrorKind, _ message: String, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
    }

    public var description: String { message }

    /// True when the problem is with reaching or being allowed to use the provider at all.
    public var preventsRunning: Bool { kind == .authRefused || kind == .unreachable || kind == .configuration }
}
