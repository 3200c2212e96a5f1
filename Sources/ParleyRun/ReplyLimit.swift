import ParleyFlow

/// The largest agent reply a flow run accepts, in bytes of UTF-8 text (`max_reply_size:` of a
/// target). A larger reply ends the flow run as `error` (kind `protocol`): providers stop reading
/// at the limit, so neither memory nor results grow past it.
public struct ReplyLimit: Sendable, Hashable, CustomStringConvertible {
    public var bytes: Int

    public init(bytes: Int) {
        self.bytes = max(1, bytes)
    }

    /// 1 MiB of text: far beyond any conversational reply, small enough to keep in memory many times.
    public static let `default` = ReplyLimit(bytes: 1 << 20)

    /// The target setting that changes it.
    public static let settingKey = "max_reply_size"

    public var description: String { ByteSizeText.format(bytes) }

    /// The largest HTTP body accepted for one reply: room for the reply escaped in JSON (up to six
    /// bytes for a character) and the envelope around it.
    public var bodyBytes: Int { bytes * 8 + 64 * 1024 }

    /// The error message, the same however the reply arrived (one body, a stream, polls).
    public var exceededMessage: String { "reply larger than \(self) (`\(Self.settingKey)` of the target)" }

    /// The error a provider throws when a reply passes the limit.
    public var exceeded: ProviderError { ProviderError(.protocolViolation, exceededMessage) }

    /// Whether a reply's text is over the limit.
    public func isExceeded(by reply: AgentReply) -> Bool {
        var total = 0
        for message in reply.messages {
            total += message.utf8.count + 1
            if total > bytes + 1 { return true }
        }
        return false
    }

    /// Whether `count` bytes of text are over the limit.
    public func isExceeded(byCount count: Int) -> Bool { count > bytes }
}
