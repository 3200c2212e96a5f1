import ParleyFlow
import ParleyWebhooks

/// `webhook:` of an `amelia` target with `delivery: webhook`: the receiver's address, and how long
/// a message that arrives ahead of an earlier one waits for it.
public struct AmeliaWebhookSettings: Sendable, Hashable {
    public var receiver: WebhookReceiverSettings
    /// Messages are read in `sessionSequence` order; one that arrives after a gap waits this long
    /// for the missing messages before the gap is given up on.
    public var reorderWindow: Duration

    public static let defaultReorderWindow = Duration.seconds(2)
    static let keys = WebhookReceiverConfig.keys + ["reorder_window"]

    public init(
        receiver: WebhookReceiverSettings = WebhookReceiverSettings(),
        reorderWindow: Duration = Self.defaultReorderWindow
    ) {
        self.receiver = receiver
        self.reorderWindow = reorderWindow
    }

    init?(_ node: YAMLNode, values: ConfigValues) {
        guard let map = values.reader.mapping(node, for: "`webhook`", keys: Self.keys),
            let receiver = WebhookReceiverConfig.read(map, values: values, for: "webhook")
        else { return nil }
        var window = Self.defaultReorderWindow
        if let windowNode = map["reorder_window"] {
            guard let value = values.reader.duration(windowNode, for: "webhook.reorder_window") else { return nil }
            guard value <= .seconds(60) else {
                values.sink.error(
                    "`webhook.reorder_window` must be at most 60s, not \(DurationText.format(value))",
                    at: windowNode.location)
                return nil
            }
            window = value
        }
        self.init(receiver: receiver, reorderWindow: window)
    }
}
