import Foundation
import ParleyJSON
import ParleyFlow
import ParleyRun

/// Folds the NDJSON events of Amigo's create and interact streams into one agent reply.
///
/// A pure state machine — lines in, reply out — so the protocol is tested without sockets.
struct AmigoReplyReader {
    /// More provider events than this in one reply are counted, not kept.
    static let maxEvents = 200

    /// The largest reply: more text than this ends the reply as an error, whatever the chunking.
    let limit: ReplyLimit
    private(set) var conversationID: String?
    private(set) var interactionID: String?
    private(set) var userMessageID: String?
    private(set) var conversationCompleted = false
    private(set) var complete = false
    private(set) var firstChunk: MonotonicInstant?
    /// Each message's id and its text so far (UTF-8, made a string once the reply is complete:
    /// appending chunk after chunk to a string grew it at every chunk), in the order the messages
    /// began.
    private var messages: [(id: String, text: [UInt8])] = []
    private var fullMessage: String?
    private var events: [ProviderEvent] = []
    private var actions: AmigoActionReader
    /// Where the strings events repeat are kept once (the provider's).
    private let strings: StringInterner
    /// Bytes of agent text received so far in the reply.
    private var textBytes = 0
    /// The members of the line being read, by ``Field``: one array for every line of the reply.
    private var found: [JSONValue?] = []

    /// `strings`: where event types, ids within a reply, and the actions' names, states and details
    /// are kept once (the provider's).
    init(limit: ReplyLimit = .default, strings: StringInterner = StringInterner(capacity: 0)) {
        self.limit = limit
        self.strings = strings
        self.actions = AmigoActionReader(strings: strings)
    }

    /// The members of an event the reader uses; the rest of each line is checked, not built.
    private enum Field: Int {
        case type, conversationID, messageID, message, action, interactionID, fullMessage
        case conversationCompleted, errorCode, errorDescription

        static let names = JSONMemberNames([
            "type", "conversation_id", "message_id", "message", "action", "interaction_id",
            "full_message", "conversation_completed", "http_error_code", "error_description",
        ])
    }

    /// One event's members, by ``Field``.
    private struct Event {
        let members: [JSONValue?]
        subscript(_ field: Field) -> JSONValue? { members[field.rawValue] }
    }

    /// Takes one line of the stream, where it lies in the stream's buffer. Throws for a line that is
    /// not an event, or an `error` event.
    mutating func consume(_ line: UnsafeBufferPointer<UInt8>, at instant: MonotonicInstant)
        throws(ProviderError)
    {
        guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return }
        let isObject: Bool
        do {
            isObject = try JSONValue.members(Field.names, of: line, into: &found, strings: strings)
        } catch {
            let text = String(decoding: line.prefix(120), as: UTF8.self)
            throw ProviderError(.protocolViolation, "Amigo sent a stream line that is not JSON (\(error)): \(text)")
        }
        let members = found
        guard isObject, let type = members[Field.type.rawValue]?.string else {
            throw ProviderError(
                .protocolViolation,
                "Amigo sent a stream event without a `type`: \(String(decoding: line.prefix(120), as: UTF8.self))")
        }
        let event = Event(members: members)
        // The commonest events first: a `switch` over strings compares them in order.
        switch type {
        case "new-message":
            guard let text = event[.message]?.string else {
                throw ProviderError(.protocolViolation, "Amigo sent a `new-message` event without text")
            }
            if firstChunk == nil { firstChunk = instant }
            textBytes += text.utf8.count
            if limit.isExceeded(byCount: textBytes) { throw limit.exceeded }
            let id = event[.messageID]?.string ?? "_"
            // Chunks nearly always continue the message before: checked first, no table needed.
            if let last = messages.indices.last, messages[last].id == id {
                messages[last].text += text.utf8
            } else if let index = messages.firstIndex(where: { $0.id == id }) {
                messages[index].text += text.utf8
            } else {
                messages.append((id, Array(text.utf8)))
            }
        case "current-agent-action":
            // A flood of action events is cut off rather than kept without end.
            if let action = event[.action], actions.actions.count < Self.maxEvents { actions.consume(action) }
        case "interaction-complete":
            complete = true
            interactionID = try Self.objectID(
                event[.interactionID], of: "interaction-complete", key: "interaction_id")
            fullMessage = event[.fullMessage]?.string
            if let fullMessage, limit.isExceeded(byCount: fullMessage.utf8.count) { throw limit.exceeded }
            conversationCompleted = event[.conversationCompleted]?.bool ?? false
        case "user-message-available":
            userMessageID = event[.messageID]?.string
        case "conversation-created":
            conversationID = try Self.objectID(
                event[.conversationID], of: "conversation-created", key: "conversation_id")
        case "error":
            let code = event[.errorCode]?.int.map { " (\($0))" } ?? ""
            let description = event[.errorDescription]?.scalarText ?? "no description"
            let when =
                complete
                ? "after the reply was complete (post-processing failed)"
                : "in the middle of a reply; the interaction is void"
            throw ProviderError(
                .server, "Amigo reported an error\(code) \(when): \(description)", status: event[.errorCode]?.int)
        default:
            // Newer event kinds are kept out of the reply but do not break it.
            break
        }
    }

    /// An id Parley will put in request paths later: Amigo's ids are 24 hex characters, and one that
    /// is not would only make every later request of the conversation invalid.
    private static func objectID(_ value: JSONValue?, of event: String, key: String) throws(ProviderError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let id = value.string, AmigoSettings.isObjectID(id) else {
            throw ProviderError(
                .protocolViolation,
                "Amigo's `\(event)` event has `\(key)` \(String(value.serialized.prefix(60))), not 24 hex characters")
        }
        return id
    }

    /// The agent's reply once `interaction-complete` arrived.
    func reply(sentAt: Date, started: MonotonicInstant, finished: MonotonicInstant) throws(ProviderError)
        -> AgentReply
    {
        guard complete else {
            throw ProviderError(.connectionDropped, "Amigo's reply stream ended before `interaction-complete`")
        }
        var texts = messages.map { String(decoding: $0.text, as: UTF8.self) }
        if texts.isEmpty, let fullMessage { texts = [fullMessage] }
        var ids = [String: String](minimumCapacity: 4)
        if let conversationID { ids["conversation_id"] = conversationID }
        if let interactionID { ids["interaction_id"] = interactionID }
        if let last = messages.last?.id, last != "_" { ids["message_id"] = last }
        if let userMessageID { ids["user_message_id"] = userMessageID }
        return AgentReply(
            messages: texts, sentAt: sentAt, timeToFirstChunk: firstChunk.map { $0 - started },
            latency: finished - started, ids: ids, events: events, actions: actions.actions,
            conversationCompleted: conversationCompleted)
    }
}
