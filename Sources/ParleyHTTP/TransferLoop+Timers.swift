import Synchronization
import ParleyClock

/// A one-shot timer kept by an ``HTTPClient``'s event loop (``HTTPClient/schedule(at:_:)``): its
/// action runs on the loop thread at its due instant, unless it is cancelled first.
///
/// A run bounds every provider call with one: a time-out that costs no task, no sleeping thread
/// and no hand-off between threads, since the call it bounds runs on the same loop. A cancelled
/// timer lets go of its action at once; the loop drops the empty entry when it comes due, or
/// sooner when cancelled entries outnumber live ones.
public final class LoopTimer: Sendable {
    let due: MonotonicInstant
    private let action: Mutex<(@Sendable () -> Void)?>
    private let cancelled: LoopTimerCount

    init(due: MonotonicInstant, action: @escaping @Sendable () -> Void, cancelled: LoopTimerCount) {
        self.due = due
        self.action = Mutex(action)
        self.cancelled = cancelled
    }

    /// The action will not run (harmless once it has run).
    public func cancel() {
        if take() != nil { cancelled.value.add(1, ordering: .relaxed) }
    }

    /// The action, if it has neither run nor been cancelled; it will not be handed out again.
    func take() -> (@Sendable () -> Void)? {
        action.withLock { action in
            defer { action = nil }
            return action
        }
    }

    var isLive: Bool { action.withLock { $0 != nil } }
}

/// How many of a loop's timers were cancelled while still in its heap.
final class LoopTimerCount: Sendable {
    let value = Atomic<Int>(0)
}

extension TransferLoop {
    /// Schedules `action` on the loop thread at `due`. After shutdown the timer still fires, from
    /// a sleeping task: a waiter is never left without its time-out.
    func schedule(at due: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> LoopTimer {
        let timer = LoopTimer(due: due, action: action, cancelled: cancelledTimers)
        if isLoopThread, !inbox.withLock({ $0.closed }) {
            insertTimer(timer)
        } else if !post({ $0.timers.append(timer) }) {
            Self.fireLater(timer)
        }
        return timer
    }

    /// Adds a timer to the heap (loop thread).
    func insertTimer(_ timer: LoopTimer) {
        timers.append(timer)
        var child = timers.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard timers[child].due < timers[parent].due else { break }
            timers.swapAt(child, parent)
            child = parent
        }
    }

    /// Runs the actions of the timers that are due (loop thread).
    func fireDueTimers() {
        while let first = timers.first, first.due <= now {
            removeFirstTimer()
            if let action = first.take() {
                action()
            } else {
                cancelledTimers.value.subtract(1, ordering: .relaxed)
            }
        }
        dropCancelledTimers()
    }

    /// When the earliest timer is due.
    var nextTimer: MonotonicInstant? { timers.first?.due }

    /// Hands every live timer to a sleeping task (the loop is stopping).
    func handOffTimers() {
        let posted = inbox.withLock { inbox -> [LoopTimer] in
            defer { inbox.timers.removeAll() }
            return inbox.timers
        }
        for timer in timers + posted where timer.isLive {
            Self.fireLater(timer)
        }
        timers.removeAll()
    }

    private static func fireLater(_ timer: LoopTimer) {
        Task {
            try? await Task.sleep(for: timer.due - .now)
            timer.take()?()
        }
    }

    private func removeFirstTimer() {
        let last = timers.removeLast()
        guard !timers.isEmpty else { return }
        timers[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < timers.count else { return }
            let right = left + 1
            let child = right < timers.count && timers[right].due < timers[left].due ? right : left
            guard timers[child].due < timers[parent].due else { return }
            timers.swapAt(child, parent)
            parent = child
        }
    }

    /// Rebuilds the heap without cancelled entries once they outnumber the live ones: nearly every
    /// time-out is cancelled (its call answered in time), long before it would come due.
    private func dropCancelledTimers() {
        let dead = cancelledTimers.value.load(ordering: .relaxed)
        guard timers.count > 64, dead * 2 > timers.count else { return }
        let before = timers.count
        let live = timers.filter(\.isLive)
        timers.removeAll(keepingCapacity: true)
        for timer in live { insertTimer(timer) }
        cancelledTimers.value.subtract(before - live.count, ordering: .relaxed)
    }
}
