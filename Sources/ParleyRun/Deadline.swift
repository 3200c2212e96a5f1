import Synchronization

/// Bounds an async operation in time: the caller gets its answer, or a time-out, on time whatever
/// the operation does — an operation slow to notice cancellation is left to finish on its own.
enum Deadline {
    enum Failure: Error {
        /// Time ran out. `late` is the operation if it had not wound down within the grace period
        /// after being cancelled: whoever cleans up after it (ending the conversation) waits for it.
        case timedOut(late: Task<Void, Never>?)
        /// The waiting task was cancelled (Ctrl-C); the operation was cancelled too.
        case cancelled(late: Task<Void, Never>?)
        case provider(ProviderError)
    }

    /// How long a cancelled operation gets to wind down before the caller stops waiting for it.
    static let grace: Duration = .milliseconds(250)

    /// Runs `operation`, or throws `.timedOut` after `limit` (the operation is cancelled).
    static func run<T: Sendable>(
        limit: Duration, _ operation: @escaping @Sendable () async throws(ProviderError) -> T
    ) async throws(Failure) -> T {
        let task = Task(executorPreference: PreferredExecutor.current) { () -> Result<T, ProviderError> in
            do throws(ProviderError) {
                return .success(try await operation())
            } catch {
                return .failure(error)
            }
        }
        let finished = await withTaskCancellationHandler {
            await Waiting.value(of: task, within: limit)
        } onCancel: {
            task.cancel()
        }
        if let finished {
            switch finished {
            case .success(let value): return value
            case .failure(let error): throw .provider(error)
            }
        }
        task.cancel()
        let wound = await Waiting.value(of: task, within: grace)
        if Task.isCancelled { throw .cancelled(late: wound == nil ? Task { _ = await task.value } : nil) }
        // An operation that kept its own time (a poll) says better than "time ran out" what it waited for.
        if case .failure(let error)? = wound, error.kind == .timeout { throw .provider(error) }
        throw .timedOut(late: wound == nil ? Task { _ = await task.value } : nil)
    }
}

/// Waiting for a task without being held by it: the wait ends when the task finishes, when a time
/// limit passes, or when the waiting task is cancelled — whichever comes first; the task goes on.
///
/// Used for work several callers share (a sign-in, a login), where one caller giving up must not
/// cancel it for the others, and for operations that must not hold a deadline up.
public enum Waiting {
    /// `task`'s value, or `nil` when `limit` passed or the waiting task was cancelled first.
    public static func value<T: Sendable>(of task: Task<T, Never>, within limit: Duration? = nil) async -> T? {
        let slot = Slot<T>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
                slot.install(continuation)
                let timer: Task<Void, Never>? = limit.map { limit in
                    Task {
                        do { try await Task.sleep(for: limit) } catch { return }
                        slot.resume(nil)
                    }
                }
                Task(executorPreference: PreferredExecutor.current) {
                    let value = await task.value
                    timer?.cancel()
                    slot.resume(value)
                }
            }
        } onCancel: {
            slot.resume(nil)
        }
    }

    /// A continuation resumed once, by whichever of the task, the timer and cancellation comes first.
    private final class Slot<T: Sendable>: Sendable {
        private enum State {
            case waiting
            case installed(CheckedContinuation<T?, Never>)
            /// Resumed before the continuation was installed (cancelled before waiting began).
            case done(T?)
            case finished
        }

        private let state = Mutex(State.waiting)

        func install(_ continuation: CheckedContinuation<T?, Never>) {
            let early = state.withLock { state -> T?? in
                switch state {
                case .waiting:
                    state = .installed(continuation)
                    return nil
                case .done(let value):
                    state = .finished
                    return .some(value)
                case .installed, .finished:
                    return nil
                }
            }
            if let early { continuation.resume(returning: early) }
        }

        func resume(_ value: T?) {
            let continuation = state.withLock { state -> CheckedContinuation<T?, Never>? in
                switch state {
                case .waiting:
                    state = .done(value)
                    return nil
                case .installed(let continuation):
                    state = .finished
                    return continuation
                case .done, .finished:
                    return nil
                }
            }
            continuation?.resume(returning: value)
        }
    }
}
