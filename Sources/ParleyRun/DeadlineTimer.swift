import Foundation

/// Sleeps for turn deadlines, on one timer thread for the whole process.
///
/// `Task.sleep` keeps a cancelled sleep's timer (and what it holds) until the timer's instant, so
/// a turn deadline that is cancelled because the reply came first (nearly all of them) would hold
/// memory for the whole turn timeout: a long run at a high rate would pile up tens of thousands.
/// Here a cancelled sleep returns at once and lets go of everything but a small heap entry, and
/// the heap is compacted when such entries outnumber the sleeps still waiting.
///
/// A sleep that comes due resumes its task the way `Task.sleep` does, through the task's
/// executor, so a deadline is no earlier than before when the cooperative pool is busy: a
/// provider's own timeout that falls due at the same moment still gets to say what it waited for.
final class DeadlineTimer: @unchecked Sendable {
    static let shared = DeadlineTimer()

    private struct Entry {
        var at: ContinuousClock.Instant
        var id: UInt64
    }

    /// Where a sleep is: between its id and its registration, waiting, or cancelled before it
    /// was registered. A sleep that is over has no state.
    private enum State {
        case starting
        case waiting(ContinuousClock.Instant, CheckedContinuation<Bool, Never>)
        case cancelledEarly
    }

    // Everything below is guarded by `condition`'s lock.
    private let condition = NSCondition()
    /// Earliest instant first; entries of sleeps already over stay until they surface or a compaction.
    private var heap: [Entry] = []
    private var states: [UInt64: State] = [:]
    /// How many sleeps are waiting (the heap's live entries).
    private var waitingCount = 0
    private var lastID: UInt64 = 0
    private var threadStarted = false
    /// The instant the thread sleeps until, when it sleeps until one.
    private var aimedAt: ContinuousClock.Instant?

    /// Sleeps until `instant`; true when it came, false when the task was cancelled first.
    func sleep(until instant: ContinuousClock.Instant) async -> Bool {
        let id = condition.withLock {
            lastID += 1
            states[lastID] = .starting
            return lastID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                if let early = start(id, at: instant, continuation) { continuation.resume(returning: early) }
            }
        } onCancel: {
            cancel(id)
        }
    }

    /// Registers a sleep; returns a result right away when it is over before it began.
    private func start(
        _ id: UInt64, at instant: ContinuousClock.Instant, _ continuation: CheckedContinuation<Bool, Never>
    ) -> Bool? {
        condition.lock()
        defer { condition.unlock() }
        if case .cancelledEarly? = states[id] {
            states[id] = nil
            return false
        }
        if instant <= .now {
            states[id] = nil
            return true
        }
        if !threadStarted {
            threadStarted = true
            let thread = Thread { [self] in runLoop() }
            thread.name = "parley-deadlines"
            thread.start()
        }
        states[id] = .waiting(instant, continuation)
        waitingCount += 1
        push(Entry(at: instant, id: id))
        if heap.count > 1024 && heap.count > 2 * waitingCount { compact() }
        // Wake the thread only when it would sleep past this instant.
        if aimedAt.map({ instant < $0 }) ?? true { condition.signal() }
        return nil
    }

    private func cancel(_ id: UInt64) {
        condition.lock()
        switch states[id] {
        case .waiting(_, let continuation):
            states[id] = nil
            waitingCount -= 1
            condition.unlock()
            continuation.resume(returning: false)
        case .starting:
            states[id] = .cancelledEarly
            condition.unlock()
        case .cancelledEarly, nil:
            condition.unlock()
        }
    }

    private func runLoop() {
        condition.lock()
        while true {
            var due: [CheckedContinuation<Bool, Never>] = []
            let now = ContinuousClock.now
            while let first = heap.first {
                guard case .waiting(_, let continuation)? = states[first.id] else {
                    popFirst()
                    continue
                }
                guard first.at <= now else { break }
                popFirst()
                states[first.id] = nil
                waitingCount -= 1
                due.append(continuation)
            }
            if !due.isEmpty {
                condition.unlock()
                for continuation in due { continuation.resume(returning: true) }
                condition.lock()
                continue
            }
            if let first = heap.first {
                aimedAt = first.at
                let wait = now.duration(to: first.at).components
                _ = condition.wait(
                    until: Date(timeIntervalSinceNow: Double(wait.seconds) + Double(wait.attoseconds) * 1e-18))
            } else {
                aimedAt = nil
                condition.wait()
            }
        }
    }

    /// Rebuilds the heap from the sleeps still waiting.
    private func compact() {
        heap = states.compactMap { id, state in
            if case .waiting(let at, _) = state { return Entry(at: at, id: id) }
            return nil
        }
        heap.sort { $0.at < $1.at }
    }

    // MARK: - Min-heap on `at`

    private func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].at < heap[parent].at else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private func popFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].at < heap[smallest].at { smallest = left }
            if right < heap.count, heap[right].at < heap[smallest].at { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
