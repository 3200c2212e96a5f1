import Foundation
import Synchronization
import ParleyDemoAgent

/// One helpdesk conversation: its fixed facts and, under a lock, its timeline.
final class HelpdeskConversationBox: Sendable {
    let id: String
    let createdAt: Date
    let customer: JSON
    let channel: String
    let state: Mutex<HelpdeskConversationState>

    init(id: String, createdAt: Date, customer: JSON, channel: String, demo: DemoConversation) {
        self.id = id
        self.createdAt = createdAt
        self.customer = customer
        self.channel = channel
        self.state = Mutex(HelpdeskConversationState(demo: demo))
    }
}

struct HelpdeskConversationState: Sendable {
    var demo: DemoConversation
    /// Every item of the conversation in sequence order, each visible from its instant on. Instants
    /// never decrease along the list, so a client reading `after=<seq>` never misses an item.
    var items: [(availableAt: ContinuousClock.Instant, item: JSON)] = []
    var sequence = 0
    /// The agent ended the conversation (its `closed` item may not be visible yet).
    var closedByAgent = false
    var closedByClient = false
    var userMessagesReceived = 0

    init(demo: DemoConversation) {
        self.demo = demo
    }

    var isOpen: Bool { !closedByAgent && !closedByClient }

    /// The instant a new item may become visible at: now, or after the last queued one.
    func nextInstant(_ now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        max(now, items.last?.availableAt ?? now)
    }

    /// Items after sequence number `after` that are visible at `now`, at most `limit`.
    func visible(after: Int, now: ContinuousClock.Instant, limit: Int) -> [JSON] {
        var out: [JSON] = []
        for (index, entry) in items.enumerated() where index + 1 > after {
            guard entry.availableAt <= now, out.count < limit else { break }
            out.append(entry.item)
        }
        return out
    }
}
