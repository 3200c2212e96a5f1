import ParleyFlow
import ParleyWebhooks

/// `webhook:` of an `http` target: where the receiver of `reply: { webhook: … }` listens, and the
/// header a delivery must carry.
struct HTTPWebhookSettings: Sendable {
    var receiver = WebhookReceiverSettings()
    /// The header deliveries carry the secret in; `nil` accepts any delivery to a conversation's URL.
    var secretHeader: String?
    /// The secret every conversation shares; `nil` with a header: a fresh random one per conversation.
    var secret: String?

    static let keys = WebhookReceiverConfig.keys + ["secret"]

    init() {}

    init?(_ node: YAMLNode, values: ConfigValues) {
        guard let map = values.reader.mapping(node, for: "`webhook`", keys: Self.keys),
            let receiver = WebhookReceiverConfig.read(map, values: values, for: "webhook")
        else { return nil }
        self.receiver = receiver
        guard let secretNode = map["secret"] else { return }
        guard let secretMap = values.reader.mapping(secretNode, for: "`webhook.secret`", keys: ["header", "value"]),
            let header = secretMap.require("header").flatMap({
                values.reader.nonEmptyString($0, for: "webhook.secret.header")
            })
        else { return nil }
        secretHeader = header
        if let valueNode = secretMap["value"] {
            // Only the environment is known here: the receiver's secret is the target's, not a conversation's.
            guard let value = values.resolve(valueNode, for: "webhook.secret.value", secret: true), !value.isEmpty
            else { return nil }
            values.noteSecret(value)
            secret = value
        }
    }
}
