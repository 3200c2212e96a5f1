import ParleyRun
import ParleyJSON

/// Where the agent's reply to a request comes from.
enum ReplySpec: Sendable {
    /// The response body is JSON; the reply's text is at a path.
    case json(JSONReply)
    /// The response is a stream of JSON events (NDJSON lines or server-sent events) carrying text pieces.
    case stream(StreamReply)
    /// The reply appears later at another URL, polled until a condition holds.
    case poll(PollReply)
    /// The agent POSTs the reply to a URL Parley gave it (`${webhook_url}`), until a condition holds.
    case webhook(WebhookReply)

    var signals: ReplySignals {
        switch self {
        case .json(let r): r.signals
        case .stream(let r): r.signals
        case .poll(let r): r.reading.signals
        case .webhook(let r): r.reading.signals
        }
    }
}

/// What a reply may say besides text: that the agent ended the conversation, or named events.
struct ReplySignals: Sendable {
    /// When it holds (on the body, an event or a message), the agent has ended the conversation.
    var completed: ReplyCondition?
    /// Event kinds recorded in the transcript when their condition holds (`escalation: {…}`).
    var events: [(String, ReplyCondition)] = []
    /// Where the agent's tool calls are, when the agent reports them.
    var actions: ActionExtraction?
}

/// `actions: { path, name, arguments, result }`: `path` reaches each action (a list reached stands
/// for its items); the other paths are read from each action.
struct ActionExtraction: Sendable {
    var list: JSONPath
    var name: JSONPath
    var arguments: JSONPath?
    var result: JSONPath?

    /// The tool calls in `value`, in document order. Arguments given as a JSON string are parsed.
    func actions(in value: JSONValue) -> [AgentAction] {
        var items: [JSONValue] = []
        for found in list.evaluate(value) {
            if let array = found.array { items += array } else { items.append(found) }
        }
        return items.compactMap { item in
            guard let name = name.evaluate(item).first?.extractedText else { return nil }
            var arguments = self.arguments?.evaluate(item).first
            if let text = arguments?.string, let parsed = try? JSONValue(parsing: text) { arguments = parsed }
            let result = self.result?.evaluate(item).first.map { $0.string ?? $0.canonicalText }
            return .tool(name, arguments: arguments.flatMap { $0.isNull ? nil : $0 }, result: result)
        }
    }
}

struct JSONReply: Sendable {
    var text: Extraction
    var signals: ReplySignals
}

struct StreamReply: Sendable {
    enum Format: String, Sendable, CaseIterable {
        case ndjson, sse
    }

    /// What an event's text is.
    enum EventText: String, Sendable, CaseIterable {
        /// A piece of the reply's text, appended to what came before (the default).
        case piece
        /// A whole message: the reply has one message per event that has text.
        case message
    }

    var format: Format
    /// The text in each event.
    var text: Extraction
    var eventText: EventText = .piece
    /// The event that ends the reply; without it, the reply ends with the response.
    var done: ReplyCondition?
    /// Events to ignore altogether (keep-alives, typing indicators).
    var skip: [ReplyCondition] = []
    var signals: ReplySignals
}

/// How a reply that arrives as messages — polled, or delivered by webhook — is read from them.
struct MessageReading: Sendable {
    /// The messages in each answer (or delivery).
    var messages: JSONPath
    /// A message's text, if it has any.
    var text: Extraction
    /// Messages that are not the agent's words (echoes, typing indicators).
    var skip: [ReplyCondition]
    /// The message that completes the reply (it is included when it has text).
    var until: ReplyCondition
    var signals: ReplySignals
}

struct PollReply: Sendable {
    var request: RequestTemplate
    /// Wait before the first poll after a silent one, doubling up to `maxEvery` while nothing new arrives.
    var every: Duration
    var maxEvery: Duration
    var reading: MessageReading
    /// Variables updated from each poll's answer (a cursor); a path that finds nothing keeps the old value.
    var extract: [Extraction]
}

struct WebhookReply: Sendable {
    var reading: MessageReading
    /// A message's id: a message delivered again with an id already seen is read once.
    var id: Extraction?
}
