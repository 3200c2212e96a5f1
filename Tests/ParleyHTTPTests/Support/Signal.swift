import Synchronization

/// A one-shot event that tasks can wait for: the tests' replacement for sleeping.
final class Signal: Sendable {
    private struct State {
        var fired = false
        var nextToken = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var isFired: Bool { state.withLock { $0.fired } }

    /// Fires the signal; waiters resume, later waits return at once.
    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until fired, or until the waiting task is cancelled.
    func wait() async {
        let token = state.withLock { state -> Int in
            state.nextToken += 1
            return state.nextToken
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.fired || Task.isCancelled { return true }
                    state.waiters[token] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: token) }
            waiter?.resume()
        }
    }

    /// Waits until fired; false if `timeout` passed first (so a broken behaviour fails the
    /// test instead of hanging it).
    func wait(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.wait()
                return self.isFired
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || isFired
        }
    }
}

/// The task's value, or nil if it did not finish within `timeout`: a broken cancellation path
/// then fails the test instead of hanging the run (the task itself is left behind).
func value<Success: Sendable>(of task: Task<Success, Never>, within timeout: Duration) async -> Success? {
    let finished = Signal()
    let result = SendableBox<Success?>(nil)
    Task {
        let value = await task.value
        result.set(value)
        finished.fire()
    }
    return await finished.wait(timeout: timeout) ? result.get() : nil
}

/// A task running `body`; its value is the client error `body` ended with, or nil when it succeeded.
func failureTask(_ body: @escaping @Sendable () async throws(ClientError) -> Void) -> Task<ClientError?, Never> {
    Task {
        do throws(ClientError) {
            try await body()
            return nil
        } catch {
            return error
        }
    }
}
