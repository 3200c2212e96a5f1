import ParleyFlow
import ParleyJSON
import ParleyRun

/// Folds a streamed reply — NDJSON lines or server-sent events — into the agent's text, the
/// variables to extract, and whether the reply is done. Events matching `skip` are ignored; with
/// server-sent events, conditions may test the event's name, and an event whose name decides
/// (skipped, or done) may carry data that is not JSON.
///
/// A pure state machine, lines in, state out, so stream handling is tested without sockets.
struct StreamReplyCollector {
    /// Why a stream could not be read.
    enum Problem: Error {
        case notJSON(String)
        case unknownVariable(VariableError)
        /// The reply's text passed the target's limit.
        case tooLarge
    }

    let spec: StreamReply
    let extract: [Extraction]
    let limit: ReplyLimit
    private var sse = ServerSentEventReader()
    private var signalState: ReplySignalState
    /// The reply's messages: one growing message of pieces, or one per event (`event_text: message`).
    private(set) var messages: [String] = []
    /// Bytes of text taken in so far, measured against the reply limit.
    private(set) var textBytes = 0
    var text: String { messages.joined(separator: "\n") }
    /// True once the text path found something, even an empty piece.
    private(set) var sawText = false
    private(set) var firstPiece: ContinuousClock.Instant?
    private(set) var done = false
    private(set) var extracted: [String: String] = [:]
    /// The start of the stream as received, for messages about it.
    private(set) var received = ""

    static let keptForMessages = 4096

    init(spec: StreamReply, extract: [Extraction], limit: ReplyLimit = .default) {
        self.spec = spec
        self.extract = extract
        self.limit = limit
        self.signalState = ReplySignalState(spec.signals)
    }

    var completed: Bool { signalState.completed }
    var events: [ProviderEvent] { signalState.events }
    var actions: [AgentAction] { signalState.actions }

    /// Takes one line of the body; returns true once the reply is done (the `done` condition held,
    /// or an SSE `[DONE]` arrived).
    mutating func consume(_ line: [UInt8], at instant: ContinuousClock.Instant, scope: VariableScope) throws(Problem)
        -> Bool
    {
        if received.utf8.count < Self.keptForMessages {
            received +=
                (received.isEmpty ? "" : "\n") + String(decoding: line.prefix(Self.keptForMessages), as: UTF8.self)
        }
        let data: [UInt8]
        var name: String?
        switch spec.format {
        case .ndjson:
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return false }
            data = line
        case .sse:
            guard let event = sse.consume(line) else { return false }
            // OpenAI-style streams end with a sentinel that is not JSON.
            if event.data.elementsEqual("[DONE]".utf8) {
                done = true
                return true
            }
            data = event.data
            name = event.name ?? "message"
        }
        do {
            let event: JSONValue
            do {
                event = try JSONValue(parsing: data)
            } catch {
                // An event whose name says all (`event: ping`, `event: done` with no JSON) needs no data.
                guard name != nil, try decidedByName(name, scope: scope) else {
                    throw Problem.notJSON(String(decoding: data.prefix(200), as: UTF8.self))
                }
                event = .null
            }
            try take(event, name: name, at: instant, scope: scope)
        } catch let problem as Problem {
            throw problem
        } catch let error as VariableError {
            throw .unknownVariable(error)
        } catch {
            throw .notJSON(String(decoding: data.prefix(200), as: UTF8.self))
        }
        if limit.isExceeded(byCount: textBytes) { throw .tooLarge }
        return done
    }

    /// Whether an event is skipped or ends the reply whatever its data: its name decides.
    private func decidedByName(_ name: String?, scope: VariableScope) throws(VariableError) -> Bool {
        for condition in spec.skip where try condition.holds(on: .null, event: name, scope: scope) { return true }
        if let done = spec.done, try done.holds(on: .null, event: name, scope: scope) { return true }
        return false
    }

    private mutating func take(
        _ event: JSONValue, name: String?, at instant: ContinuousClock.Instant, scope: VariableScope
    ) throws(VariableError) {
        for condition in spec.skip where try condition.holds(on: event, event: name, scope: scope) {
            // Skipped events carry no text, but one may still end the reply.
            if let done = spec.done, try done.holds(on: event, event: name, scope: scope) { self.done = true }
            return
        }
        for extraction in extract where extracted[extraction.name] == nil {
            if let value = extraction.value(in: event) { extracted[extraction.name] = value }
        }
        let pieces = spec.text.texts(in: event)
        if !pieces.isEmpty {
            sawText = true
            let joined = pieces.joined()
            textBytes += joined.utf8.count
            if firstPiece == nil, !joined.isEmpty { firstPiece = instant }
            switch spec.eventText {
            case .piece:
                if messages.isEmpty { messages.append("") }
                messages[messages.count - 1] += joined
            case .message:
                if !joined.isEmpty { messages.append(joined) }
            }
        }
        try signalState.observe(event, event: name, text: pieces.isEmpty ? nil : pieces.joined(), scope: scope)
        if let condition = spec.done, try condition.holds(on: event, event: name, scope: scope) { done = true }
    }
}
