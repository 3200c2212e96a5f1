import Foundation
import ParleyClock
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
    /// Each message's id and its text so far, as UTF-8 (made strings once the reply is complete:
    /// appending chunk after chunk to a string grew it at every chunk), in the order the messages
    /// began.
    private var messages: [(id: [UInt8], text: [UInt8])] = []
    private var fullMessage: String?
    private var events: [ProviderEvent] = []
    private var actions: AmigoActionReader
    /// Where the strings events repeat are kept once (the provider's).
    private let strings: StringInterner
    /// Bytes of agent text received so far in the reply.
    private var textBytes = 0
    /// The line being read: kept from line to line, so that its buffers are allocated once a reply.
    private var line = Line()

    /// `strings`: the provider's table of recurring strings, through which the events' strings
    /// are read (the actions' names, states and details, an interaction's id).
    init(limit: ReplyLimit = .default, strings: StringInterner = StringInterner(capacity: 0)) {
        self.limit = limit
        self.strings = strings
        self.actions = AmigoActionReader(strings: strings)
    }

    /// The members of an event the reader uses; the rest of each line is checked, not built.
    private enum Field: Int {
        case type, messageID, message
        /// The members of events other than chunks: from here on.
        case action, conversationID, interactionID, fullMessage, conversationCompleted, errorCode, errorDescription

        static let names = JSONMemberNames([
            "type", "message_id", "message", "action", "conversation_id", "interaction_id",
            "full_message", "conversation_completed", "http_error_code", "error_description",
        ])
    }

    /// The event types the reader acts on; others are left out of the reply.
    private enum Kind: Int {
        case newMessage, agentAction, interactionComplete, userMessageAvailable, conversationCreated, error

        static let names = JSONMemberNames([
            "new-message", "current-agent-action", "interaction-complete", "user-message-available",
            "conversation-created", "error",
        ])
    }

    /// What one line held: its text and message id as the UTF-8 the line spells (no strings made
    /// for a chunk), the rest as the event types need them.
    private struct Line {
        /// Whether `type` is a string; `kind` is `nil` for a type the reader does not act on.
        var typed = false
        var kind: Kind?
        var text: [UInt8] = []
        var hasText = false
        var messageID: [UInt8] = []
        var hasMessageID = false
        /// Whether any of the members below was read (a chunk has none of them: nothing to clear).
        var rare = false
        /// The action, when `hasAction`: read in place (a payload is large to copy), and cleared
        /// only after a line whose reading wrote to it (`actionRead`).
        var action = AmigoActionReader.Payload()
        var hasAction = false
        var actionRead = false
        var conversationID: JSONValue?
        var interactionID: JSONValue?
        var fullMessage: String?
        var conversationCompleted: Bool?
        var errorCode: JSONValue?
        var errorDescription: JSONValue?

        /// Empty again, its buffers kept.
        mutating func clear() {
            typed = false
            kind = nil
            // Only when not empty: an empty array's `removeAll(keepingCapacity:)` allocates.
            if !text.isEmpty { text.removeAll(keepingCapacity: true) }
            hasText = false
            if !messageID.isEmpty { messageID.removeAll(keepingCapacity: true) }
            hasMessageID = false
            guard rare else { return }
            rare = false
            if actionRead {
                action = AmigoActionReader.Payload()
                hasAction = false
                actionRead = false
            }
            conversationID = nil
            interactionID = nil
            fullMessage = nil
            conversationCompleted = nil
            errorCode = nil
            errorDescription = nil
        }
    }

    /// Takes one line of the stream, where it lies in the stream's buffer. Throws for a line that is
    /// not an event, or an `error` event.
    mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, at instant: MonotonicInstant)
        throws(ProviderError)
    {
        guard !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return }
        let isObject: Bool
        do {
            isObject = try read(bytes)
        } catch {
            let text = String(decoding: bytes.prefix(120), as: UTF8.self)
            throw ProviderError(.protocolViolation, "Amigo sent a stream line that is not JSON (\(error)): \(text)")
        }
        guard isObject, line.typed else {
            throw ProviderError(
                .protocolViolation,
                "Amigo sent a stream event without a `type`: \(String(decoding: bytes.prefix(120), as: UTF8.self))")
        }
        switch line.kind {
        case .newMessage:
            guard line.hasText else {
                throw ProviderError(.protocolViolation, "Amigo sent a `new-message` event without text")
            }
            if firstChunk == nil { firstChunk = instant }
            textBytes += line.text.count
            if limit.isExceeded(byCount: textBytes) { throw limit.exceeded }
            if !line.hasMessageID { line.messageID = Self.unnamed }
            // Chunks nearly always continue the message before: checked first, no table needed.
            if let last = messages.indices.last, messages[last].id == line.messageID {
                messages[last].text += line.text
            } else if let index = messages.firstIndex(where: { $0.id == line.messageID }) {
                messages[index].text += line.text
            } else {
                messages.append((line.messageID, line.text))
            }
        case .agentAction:
            // A flood of action events is cut off rather than kept without end.
            if line.hasAction, actions.actions.count < Self.maxEvents { actions.consume(line.action, in: bytes) }
        case .interactionComplete:
            complete = true
            interactionID = try Self.objectID(line.interactionID, of: "interaction-complete", key: "interaction_id")
            fullMessage = line.fullMessage
            if let fullMessage, limit.isExceeded(byCount: fullMessage.utf8.count) { throw limit.exceeded }
            conversationCompleted = line.conversationCompleted ?? false
        case .userMessageAvailable:
            userMessageID = line.hasMessageID ? String(decoding: line.messageID, as: UTF8.self) : nil
        case .conversationCreated:
            conversationID = try Self.objectID(line.conversationID, of: "conversation-created", key: "conversation_id")
        case .error:
            let code = line.errorCode?.int.map { " (\($0))" } ?? ""
            let description = line.errorDescription?.scalarText ?? "no description"
            let when =
                complete
                ? "after the reply was complete (post-processing failed)"
                : "in the middle of a reply; the interaction is void"
            throw ProviderError(
                .server, "Amigo reported an error\(code) \(when): \(description)", status: line.errorCode?.int)
        case nil:
            // Newer event kinds are kept out of the reply but do not break it.
            break
        }
    }

    /// A message without an id: its chunks are one message.
    private static let unnamed = Array("_".utf8)

    /// Reads one event into ``line``; `false` when the line is JSON but not an object.
    private mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> Bool {
        line.clear()
        let strings = strings
        var isObject = false
        try JSONReader.read(bytes, strings: strings) { reader throws(JSONParseError) in
            isObject = try reader.readObject(Field.names) { reader, slot throws(JSONParseError) in
                if slot >= Field.action.rawValue { line.rare = true }
                switch Field(rawValue: slot) {
                case .type:
                    line.typed =
                        try reader.withString { type in
                            line.kind = Kind.names.slot(of: type).flatMap(Kind.init(rawValue:))
                        }
                case .message:
                    line.hasText = try reader.withString { line.text.append(contentsOf: $0) }
                case .messageID:
                    line.hasMessageID = try reader.withString { line.messageID.append(contentsOf: $0) }
                case .action:
                    line.actionRead = true
                    line.hasAction = try AmigoActionReader.read(&reader, into: &line.action, strings: strings)
                case .conversationID:
                    line.conversationID = try reader.value()
                case .interactionID:
                    line.interactionID = try reader.value()
                case .fullMessage:
                    _ = try reader.withString { line.fullMessage = String(decoding: $0, as: UTF8.self) }
                case .conversationCompleted:
                    line.conversationCompleted = try reader.bool()
                case .errorCode:
                    line.errorCode = try reader.value()
                case .errorDescription:
                    line.errorDescription = try reader.value()
                case nil: try reader.skip()
                }
            }
        }
        return isObject
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
        if let last = messages.last?.id, last != Self.unnamed {
            ids["message_id"] = String(decoding: last, as: UTF8.self)
        }
        if let userMessageID { ids["user_message_id"] = userMessageID }
        return AgentReply(
            messages: texts, sentAt: sentAt, timeToFirstChunk: firstChunk.map { $0 - started },
            latency: finished - started, ids: ids, events: events, actions: actions.actions,
            conversationCompleted: conversationCompleted)
    }
}
