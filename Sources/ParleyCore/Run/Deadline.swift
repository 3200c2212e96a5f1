import Foundation

/// Bounds an async operation in time, cancelling it when the time is up.
enum Deadline {
    enum Failure: Error {
        case timedOut
        case provider(ProviderError)
    }

    /// Runs `operation`, or throws `.timedOut` after `limit` (the operation is cancelled and awaited).
    ///
    /// The operation runs as its own task so that a timeout cancels it and not the caller; cancelling
    /// the caller cancels it too. One timer thread serves every deadline of the process: a
    /// conversation turn costs a heap insertion rather than a sleeping task and a dispatch timer.
    static func run<T: Sendable>(limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws(Failure) -> T {
        let task = Task { () -> Result<T, Failure> in
            do {
                return .success(try await operation())
            } catch let error as ProviderError {
                return .failure(.provider(error))
            } catch {
                return .failure(.provider(ProviderError(.cancelled, "cancelled: \(error)")))
            }
        }
        let timer = DeadlineTimer.shared.arm(at: .now + limit) { task.cancel() }
        let result = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        let timedOut = DeadlineTimer.shared.disarm(timer)
        // Once the time is up, a failure is the timeout's doing, unless the operation reported a
        // timeout of its own (providers that poll say what they were waiting for).
        if timedOut, case .failure(let failure) = result {
            if case .provider(let error) = failure, error.kind == .timeout { throw failure }
            throw .timedOut
        }
        return try result.get()
    }
}

/// A thread that runs cancellation actions when their instant comes, shared by every `Deadline`.
/// Disarmed entries stay in the heap until their instant and are then dropped.
final class DeadlineTimer: @unchecked Sendable {
    static let shared = DeadlineTimer()

    private struct Entry {
        var at: ContinuousClock.Instant
        var id: UInt64
    }

    private let condition = NSCondition()
    private var heap: [Entry] = []
    private var armed: [UInt64: @Sendable () -> Void] = [:]
    private var fired: Set<UInt64> = []
    private var lastID: UInt64 = 0
    private var threadStarted = false

    /// Schedules `action` at `instant`; returns the id to disarm it with.
    func arm(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        if !threadStarted {
            threadStarted = true
            let thread = Thread { [self] in runLoop() }
            thread.name = "parley-deadlines"
            thread.start()
        }
        lastID += 1
        armed[lastID] = action
        push(Entry(at: instant, id: lastID))
        if heap[0].id == lastID { condition.signal() }  // a new earliest instant: wake the thread to re-aim
        return lastID
    }

    /// Cancels the schedule; returns whether the action had already run.
    func disarm(_ id: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        armed[id] = nil
        return fired.remove(id) != nil
    }

    private func runLoop() {
        condition.lock()
        while true {
            guard let first = heap.first else {
                condition.wait()
                continue
            }
            let now = ContinuousClock.now
            guard first.at <= now else {
                let wait = now.duration(to: first.at).components
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(wait.seconds) + Double(wait.attoseconds) * 1e-18))
                continue
            }
            popFirst()
            if let action = armed.removeValue(forKey: first.id) {
                fired.insert(first.id)
                condition.unlock()  // cancellation handlers run inside `action`; never under this lock
                action()
                condition.lock()
            }
        }
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
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].at < heap[smallest].at { smallest = left }
            if right < heap.count, heap[right].at < heap[smallest].at { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
