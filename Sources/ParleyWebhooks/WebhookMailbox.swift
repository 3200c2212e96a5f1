import ParleyJSON
import Synchronization

/// What webhook deliveries brought one conversation, waiting to be read: the receiver puts items
/// in as they arrive (whenever that is), the conversation takes them out turn by turn.
///
/// Items with an id are kept once, however often they are delivered. Once the conversation is
/// over (``close()``), deliveries are still acknowledged — a sender that gets an error retries —
/// but nothing is kept.
public final class WebhookMailbox: Sendable {
    /// The secret deliveries must carry; `nil` when any delivery to its route is accepted.
    public let secret: String?
    /// A random name for the conversation, for routes that carry it in the URL.
    public let token: String

    private struct State {
        var items: [JSONValue] = []
        var seen: Set<String> = []
        var waiter: (id: Int, continuation: CheckedContinuation<Bool, Never>)?
        var nextWaiter = 0
        var closed = false
        var refusals = 0
        var refusalsReported = false
        var duplicates = 0
        var afterClose = 0
    }

    private let state = Mutex(State())

    public init(secret: String?, token: String = WebhookSecret.random()) {
        self.secret = secret
        self.token = token
    }

    /// What a delivery did to the mailbox.
    public struct Delivery: Sendable, Equatable {
        /// Items kept for the conversation.
        public var kept: Int
        /// Items dropped because one with the same id was kept already.
        public var duplicates: Int
        /// Items dropped because the conversation is over.
        public var afterClose: Int

        public init(kept: Int, duplicates: Int, afterClose: Int) {
            self.kept = kept
            self.duplicates = duplicates
            self.afterClose = afterClose
        }
    }

    /// Keeps `items` (each with its id, if it has one) for the conversation and wakes its reader.
    @discardableResult
    public func deliver(_ items: [(item: JSONValue, id: String?)]) -> Delivery {
        let (result, waiter) = state.withLock { state -> (Delivery, CheckedContinuation<Bool, Never>?) in
            var result = Delivery(kept: 0, duplicates: 0, afterClose: 0)
            guard !state.closed else {
                result.afterClose = items.count
                state.afterClose += items.count
                return (result, nil)
            }
            for (item, id) in items {
                if let id, !state.seen.insert(id).inserted {
                    result.duplicates += 1
                    continue
                }
                state.items.append(item)
                result.kept += 1
            }
            state.duplicates += result.duplicates
            guard result.kept > 0, let waiter = state.waiter else { return (result, nil) }
            state.waiter = nil
            return (result, waiter.continuation)
        }
        waiter?.resume(returning: true)
        return result
    }

    /// Takes every item delivered so far, in the order they arrived.
    public func take() -> [JSONValue] {
        state.withLock { state in
            defer { state.items.removeAll() }
            return state.items
        }
    }

    /// Waits until an item is there to take (true), `deadline` passes, or the task is cancelled (false).
    public func wait(until deadline: ContinuousClock.Instant) async -> Bool {
        if state.withLock({ !$0.items.isEmpty }) { return true }
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let timer = Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            self.wake(id, with: false)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let ready = state.withLock { state -> Bool? in
                    if !state.items.isEmpty { return true }
                    if state.closed || Task.isCancelled || ContinuousClock.now >= deadline { return false }
                    state.waiter = (id, continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            wake(id, with: false)
        }
    }

    private func wake(_ id: Int, with value: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: value)
    }

    /// Ends the conversation's use of the mailbox: what is in it is dropped, later deliveries are not kept.
    public func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.closed = true
            state.items.removeAll()
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiter?.resume(returning: false)
    }

    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Counts a delivery refused for its secret.
    public func noteRefusal() {
        state.withLock { $0.refusals += 1 }
    }

    /// The number of refused deliveries the first time there are any, `nil` otherwise: refusals
    /// are reported once per conversation, not once per delivery.
    public func refusalsToReport() -> Int? {
        state.withLock { state in
            guard state.refusals > 0, !state.refusalsReported else { return nil }
            state.refusalsReported = true
            return state.refusals
        }
    }

    /// Deliveries refused for their secret, and items dropped as duplicates or as late, so far.
    public var counts: (refusals: Int, duplicates: Int, afterClose: Int) {
        state.withLock { ($0.refusals, $0.duplicates, $0.afterClose) }
    }
}
