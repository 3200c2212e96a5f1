import ParleyFlow
import ParleyRun
import ParleyWebhooks

/// The `webhook:` settings every target that receives deliveries shares: where Parley's receiver
/// listens (`bind`, `port`), how senders reach it (`public_url`), and the largest delivery.
enum WebhookReceiverConfig {
    static let keys = ["bind", "port", "public_url", "max_body_size"]

    /// Reads the receiver's settings from an opened `webhook:` mapping; problems are reported and give `nil`.
    static func read(_ map: MappingReader, values: ConfigValues, for what: String) -> WebhookReceiverSettings? {
        var ok = true
        var settings = WebhookReceiverSettings()
        if let node = map["bind"], let host = values.resolve(node, for: "\(what).bind") {
            if host.isEmpty || host.contains(where: { $0 == "/" || $0 == " " }) {
                values.sink.error(
                    "`\(what).bind` must be an address to listen on, such as 127.0.0.1 or 0.0.0.0, not `\(host)`",
                    at: node.location)
                ok = false
            }
            settings.host = host
        }
        if let node = map["port"] {
            if let port = values.reader.int(node, for: "\(what).port", in: 0...65535) {
                settings.port = port
            } else {
                ok = false
            }
        }
        if let node = map["public_url"], let url = values.resolve(node, for: "\(what).public_url") {
            if let problem = WebhookReceiverSettings.problem(publicURL: url) {
                values.sink.error(
                    "`\(what).public_url` is not a URL Parley can give senders: \(problem)", at: node.location)
                ok = false
            }
            settings = WebhookReceiverSettings(
                host: settings.host, port: settings.port, publicURL: url, maxBodySize: settings.maxBodySize)
        }
        if let node = map["max_body_size"] {
            if let size = values.reader.int(node, for: "\(what).max_body_size", in: 1024...(64 << 20)) {
                settings.maxBodySize = size
            } else {
                ok = false
            }
        }
        return ok ? settings : nil
    }
}

extension ProviderResources {
    /// The run's webhook receiver for `settings`, started on first use and shared by every target
    /// asking for the same address; stopped when the run ends. A port that is taken is a
    /// configuration error, reported before any flow runs.
    func webhookReceiver(_ settings: WebhookReceiverSettings, for target: String) async throws(ProviderError)
        -> WebhookReceiver
    {
        let key =
            "webhook-receiver \(settings.host) \(settings.port) \(settings.publicURL ?? "") \(settings.maxBodySize)"
        return try await shared(key) { () async throws(ProviderError) -> WebhookReceiver in
            let receiver: WebhookReceiver
            do {
                receiver = try await WebhookReceiver.start(settings)
            } catch {
                throw ProviderError(.configuration, "target `\(target)`: the webhook receiver \(error)")
            }
            self.onShutdown { await receiver.stop() }
            return receiver
        }
    }
}
