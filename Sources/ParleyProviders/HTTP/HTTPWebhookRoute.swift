import ParleyJSON
import ParleyWebhooks

/// The receiver's route for one `http` target whose replies arrive by webhook:
/// `…/http/<target>/<conversation token>`, one URL per conversation (`${webhook_url}`).
///
/// A delivery is a JSON body (read later with the reply's `messages` path). With a secret header
/// configured, a delivery without the conversation's secret is answered 401; a URL that names
/// no conversation, 404.
final class HTTPWebhookRoute: Sendable {
    let settings: HTTPWebhookSettings
    let directory = WebhookDirectory()
    private let receiver: WebhookReceiver
    private let route: [String]

    init(receiver: WebhookReceiver, target: String, settings: HTTPWebhookSettings) {
        self.settings = settings
        self.receiver = receiver
        route = ["http", target]
        let directory = self.directory
        receiver.add(route: route) { request in
            Self.handle(request, directory: directory, header: settings.secretHeader)
        }
    }

    /// A mailbox for a new conversation, and the URL its deliveries go to.
    func open() -> (mailbox: WebhookMailbox, url: String) {
        let secret = settings.secretHeader.map { _ in settings.secret ?? WebhookSecret.random() }
        let mailbox = directory.openByToken(secret: secret)
        return (mailbox, receiver.url(route: route + [mailbox.token]))
    }

    static func handle(_ request: WebhookRequest, directory: WebhookDirectory, header: String?) -> WebhookAnswer {
        let nowhere = WebhookAnswer(status: 404, message: "no conversation at this URL")
        guard request.segments.count == 1, let token = request.segments.first else { return nowhere }
        switch directory.decide(key: token, secret: header.flatMap(request.header)) {
        case .unknown:
            return nowhere
        case .refused(let mailbox):
            mailbox.noteRefusal()
            return .unauthorized(header: header ?? "secret")
        case .accepted(let mailbox):
            guard let body = try? JSONValue(parsing: request.body) else { return .badRequest("the body is not JSON") }
            return .accepted(mailbox.deliver([(body, nil)]))
        }
    }
}
