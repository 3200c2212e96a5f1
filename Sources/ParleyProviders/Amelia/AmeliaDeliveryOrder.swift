import ParleyJSON

/// Puts webhook-delivered Amelia messages back in the order Amelia said them.
///
/// Deliveries can arrive out of order (a retried one, a slow connection), but a turn is over at
/// its ready message, so reading that before the text it follows would lose the text. Amelia
/// numbers a session's messages (`sessionSequence`, one more for each message, echoes included),
/// so a message is read only once every earlier one has been; one that arrives after a gap waits
/// up to `window` for the missing messages, after which the gap is given up on. Messages without
/// a number are read as they come. A pure state machine, so ordering is tested without sockets.
struct AmeliaDeliveryOrder {
    let window: Duration
    /// The number of the next message to read; `nil` until the first has been read.
    private var expected: Int?
    private var unnumbered: [JSONValue] = []
    /// Numbered messages waiting, lowest number first.
    private var held: [(sequence: Int, message: JSONValue, arrived: ContinuousClock.Instant)] = []

    init(window: Duration) {
        self.window = window
    }

    /// Takes delivered messages.
    mutating func insert(_ messages: [JSONValue], at instant: ContinuousClock.Instant) {
        for message in messages {
            guard let sequence = message["sessionSequence"]?.int else {
                unnumbered.append(message)
                continue
            }
            let index = held.firstIndex { $0.sequence > sequence } ?? held.endIndex
            held.insert((sequence, message, instant), at: index)
        }
    }

    /// The next message to read, if one may be read now.
    mutating func next(now: ContinuousClock.Instant) -> JSONValue? {
        if !unnumbered.isEmpty { return unnumbered.removeFirst() }
        guard let first = held.first else { return nil }
        let waitedLongEnough = now >= first.arrived + window
        let inTurn: Bool
        if let expected {
            inTurn = first.sequence <= expected
        } else {
            // Amelia numbers a session's messages from 1 (0 on some instances).
            inTurn = first.sequence <= 1
        }
        guard inTurn || waitedLongEnough else { return nil }
        held.removeFirst()
        expected = max(expected ?? 0, first.sequence + 1)
        return first.message
    }

    /// When the message waiting for a gap to fill will be read anyway; `nil` when none waits.
    var gapDeadline: ContinuousClock.Instant? {
        held.first.map { $0.arrived + window }
    }
}
