import ParleyFlow
import ParleyJSON
import ParleyRun

/// Folds a streamed reply — NDJSON lines or server-sent events — into the agent's text, the
/// variables to extract, and whether the reply is done.
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
    private(set) var text = ""
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
        switch spec.format {
        case .ndjson:
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return false }
            data = line
        case .sse:
            guard let event = sse.consume(line) else { return false }
            // OpenAI-style streams end with a sentinel that is not JSON.
            if event.elementsEqual("[DONE]".utf8) {
                done = true
                return true
            }
            data = event
        }
        let event: JSONValue
        do {
            event = try JSONValue(parsing: data)
        } catch {
            throw .notJSON(String(decoding: data.prefix(200), as: UTF8.self))
        }
        do {
            try take(event, at: instant, scope: scope)
        } catch {
            throw .unknownVariable(error)
        }
        if limit.isExceeded(byCount: text.utf8.count) { throw .tooLarge }
        return done
    }

    private mutating func take(_ event: JSONValue, at instant: ContinuousClock.Instant, scope: VariableScope)
        throws(VariableError)
    {
        for extraction in extract where extracted[extraction.name] == nil {
            if let value = extraction.value(in: event) { extracted[extraction.name] = value }
        }
        let pieces = spec.text.texts(in: event)
        if !pieces.isEmpty {
            sawText = true
            let joined = pieces.joined()
            if firstPiece == nil, !joined.isEmpty { firstPiece = instant }
            text += joined
        }
        try signalState.observe(event, text: pieces.isEmpty ? nil : pieces.joined(), scope: scope)
        if let condition = spec.done, try condition.holds(on: event, scope: scope) { done = true }
    }
}
