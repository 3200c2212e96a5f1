import ParleyJSON
import ParleyWebhooks

/// The receiver's route for one `amelia` target with `delivery: webhook`: `…/amelia/<target>`.
///
/// Amelia POSTs each message (Parley also takes a list of them) with the conversation's secret in
/// `X-Amelia-Webhook-Secret`. A delivery goes to the conversation of its `sessionId`, when it
/// carries that conversation's secret; otherwise it is answered 401 and read by no one.
/// Messages are kept once per `messageId`, however often they are delivered.
final class AmeliaWebhookRoute: Sendable {
    static let secretHeader = "X-Amelia-Webhook-Secret"

    /// The URL given to Amelia as every conversation's `webhookUrl`.
    let url: String
    let directory: WebhookDirectory

    init(receiver: WebhookReceiver, target: String) {
        let directory = WebhookDirectory()
        self.directory = directory
        url = receiver.add(route: ["amelia", target]) { request in
            Self.handle(request, directory: directory)
        }
    }

    static func handle(_ request: WebhookRequest, directory: WebhookDirectory) -> WebhookAnswer {
        guard let body = try? JSONValue(parsing: request.body) else {
            return .badRequest("the body is not JSON")
        }
        let messages = body.array ?? [body]
        guard !messages.isEmpty, messages.allSatisfy({ $0.object != nil }) else {
            return .badRequest("the body is neither a message object nor a list of them")
        }
        let sessions = Set(messages.map { $0["sessionId"]?.string ?? "" })
        guard sessions.count == 1, let session = sessions.first, !session.isEmpty else {
            return .badRequest(
                sessions.count > 1 ? "the messages belong to several sessions" : "a message has no sessionId")
        }
        switch directory.decide(key: session, secret: request.header(secretHeader)) {
        case .accepted(let mailbox):
            return .accepted(mailbox.deliver(messages.map { ($0, $0["messageId"]?.scalarText) }))
        case .refused(let mailbox):
            mailbox.noteRefusal()
            return .unauthorized(header: secretHeader)
        case .unknown:
            return .unauthorized(header: secretHeader)
        }
    }
}
