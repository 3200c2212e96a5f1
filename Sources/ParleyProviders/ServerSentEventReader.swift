/// Splits a `text/event-stream` body into events: their `event:` name and their data (the
/// `data:` lines of each event, joined).
struct ServerSentEventReader {
    /// One event.
    struct Event: Sendable, Equatable {
        /// The `event:` field; `nil` when the event has none (the standard calls it `message`).
        var name: String?
        var data: [UInt8]
    }

    private var data: [UInt8] = []
    private var hasData = false
    private var name: String?

    /// Takes one line; returns an event when a blank line ends it (or at a `data:` line holding a
    /// whole JSON object, for servers that omit blank lines, as some do). An event with a name
    /// and no data is returned too (`event: done` alone ends some streams).
    mutating func consume(_ line: [UInt8]) -> Event? {
        var line = line
        if line.last == 0x0D { line.removeLast() }
        if line.isEmpty {
            guard hasData || name != nil else { return nil }
            return take()
        }
        if line.starts(with: Array("event:".utf8)) {
            var value = line.dropFirst(6)
            if value.first == 0x20 { value = value.dropFirst() }
            name = String(decoding: value, as: UTF8.self)
            return nil
        }
        guard line.starts(with: Array("data:".utf8)) else { return nil }  // comments, id:, retry:
        var value = line.dropFirst(5)
        if value.first == 0x20 { value = value.dropFirst() }
        if hasData { data.append(0x0A) }
        data += value
        hasData = true
        // Chat-completion events are one JSON object (or [DONE]) per `data:` line; use it at once
        // rather than wait for the blank line some servers never send.
        if value.first == UInt8(ascii: "{") || value.elementsEqual(Array("[DONE]".utf8)) {
            return take()
        }
        return nil
    }

    private mutating func take() -> Event {
        defer {
            data = []
            hasData = false
            name = nil
        }
        return Event(name: name, data: data)
    }
}
