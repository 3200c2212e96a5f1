import Foundation
import ParleyJSON
import ParleyFlow
import ParleyRun

/// Folds the messages of Amelia's polls into one agent reply.
///
/// A pure state machine — poll answers in, reply out — so the protocol is tested without sockets.
/// The turn is over at `OutboundAmeliaReadyMessage` (input enabled again) or at a closed message.
struct AmeliaReplyReader {
    /// How the turn ended.
    enum Ending: Sendable, Equatable {
        /// Amelia enabled input again: the reply is complete.
        case ready
        /// The conversation (or session) is over.
        case closed
    }

    /// The largest reply: more text than this (messages and what events carry) is an error.
    let limit: ReplyLimit
    private(set) var texts: [String] = []
    private(set) var events: [ProviderEvent] = []
    /// Bytes of text taken in so far.
    private var textBytes = 0

    init(limit: ReplyLimit = .default) {
        self.limit = limit
    }
    private(set) var ending: Ending?
    private(set) var firstText: ContinuousClock.Instant?
    /// Amelia's own conversation id (`LIXMGGIFAAIAA-1`), as the messages carry it.
    private(set) var conversationID: String?
    private(set) var lastMessageID: String?

    var finished: Bool { ending != nil }

    /// Takes one poll answer: a JSON array of messages, possibly empty.
    mutating func consume(poll body: JSONValue, at instant: ContinuousClock.Instant) throws(ProviderError) {
        guard let messages = body.array else {
            throw ProviderError(
                .protocolViolation,
                "Amelia's poll answer is \(body.kindDescription), not a list of messages: "
                    + String(body.serialized.prefix(120)))
        }
        // Everything in one answer belongs to this turn, even what follows the ready message.
        for message in messages {
            try consume(message, at: instant)
        }
    }

    /// Takes one polled message. Throws for a system error reported by Amelia.
    mutating func consume(_ message: JSONValue, at instant: ContinuousClock.Instant) throws(ProviderError) {
        guard message.object != nil else {
            throw ProviderError(
                .protocolViolation, "Amelia's poll answer holds \(message.kindDescription) where a message belongs")
        }
        let type = message["ameliaMessageType"]?.string ?? message["messageType"]?.string ?? ""
        let text = message["messageText"]?.string.map(AmeliaMarkup.plainText).flatMap { $0.isEmpty ? nil : $0 }
        if conversationID == nil { conversationID = message["conversationId"]?.string }
        textBytes += text?.utf8.count ?? 0
        if limit.isExceeded(byCount: textBytes) { throw limit.exceeded }
        // The user's own words come back as echoes; they are not agent speech.
        if message["selfEcho"]?.bool == true || type == "OutboundEchoMessage" { return }
        switch type {
        case "OutboundTextMessage":
            guard message["sourceUserType"]?.string != "User", let text else { return }
            texts.append(text)
            if firstText == nil { firstText = instant }
            lastMessageID = message["messageId"]?.string ?? lastMessageID
        case "OutboundBmlStatusMessage":
            // Avatar animation state: nothing a conversation test reads.
            return
        case "OutboundAmeliaReadyMessage":
            if message["inputEnabled"]?.bool != false, ending == nil { ending = .ready }
        case "OutboundConversationClosedMessage", "OutboundSessionClosedMessage":
            ending = .closed
            events.append(ProviderEvent(kind: "closed", detail: text ?? type))
        case "OutboundEscalationStartedMessage":
            events.append(ProviderEvent(kind: "escalation", detail: text))
        case "OutboundSystemErrorMessage":
            var explanation = "Amelia reported a system error (OutboundSystemErrorMessage)"
            explanation += text.map { ": \($0)" } ?? " without a message"
            if !texts.isEmpty { explanation += " — after saying: \(texts.joined(separator: " "))" }
            throw ProviderError(.systemError, explanation)
        default:
            guard events.count < AmigoReplyReader.maxEvents else { return }
            let name = type.isEmpty ? "a message without a type" : String(type.prefix(200))
            events.append(ProviderEvent(kind: "raw", detail: text.map { "\(name): \($0)" } ?? name))
        }
    }

    /// The agent's reply once the turn has ended.
    func reply(sentAt: Date, started: ContinuousClock.Instant, finished: ContinuousClock.Instant) -> AgentReply {
        var ids: [String: String] = [:]
        if let conversationID { ids["amelia_conversation_id"] = conversationID }
        if let lastMessageID { ids["message_id"] = lastMessageID }
        return AgentReply(
            messages: texts, sentAt: sentAt, timeToFirstChunk: firstText.map { $0 - started },
            latency: finished - started, ids: ids, events: events, conversationCompleted: ending == .closed)
    }
}
