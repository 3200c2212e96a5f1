import Synchronization
import ParleyClock

/// Bounds an async operation in time: the caller gets its answer, or a time-out, on time whatever
/// the operation does — an operation slow to notice cancellation is left to finish on its own.
enum Deadline {
    enum Failure: Error {
        /// Time ran out. `late` is the operation if it had not wound down within the grace period
        /// after being cancelled: whoever cleans up after it (ending the conversation) waits for it.
        /// `said` is what the operation said it waited for (``TimeoutReport``), if it did.
        indirect case timedOut(late: Task<Void, Never>?, said: ProviderError? = nil)
        /// The waiting task was cancelled (Ctrl-C); the operation was cancelled too.
        case cancelled(late: Task<Void, Never>?)
        case provider(ProviderError)
    }

    /// How long a cancelled operation gets to wind down before the caller stops waiting for it.
    static let grace: Duration = .milliseconds(250)

    /// Runs `operation`, or throws `.timedOut` after `limit` (the operation is cancelled and given
    /// `grace` to wind down).
    static func run<T: Sendable>(
        limit: Duration, grace: Duration = Deadline.grace,
        _ operation: nonisolated(nonsending) @escaping @Sendable () async throws(ProviderError) -> T
    ) async throws(Failure) -> T {
        try await boxed(limit: limit, grace: grace, operation).value
    }

    /// ``run(limit:grace:_:)``, its answer boxed (see ``Boxed``): the flow run's calls take it so,
    /// and unbox it once they no longer wait.
    @inline(__always)
    static func boxed<T: Sendable>(
        limit: Duration, grace: Duration = Deadline.grace,
        _ operation: nonisolated(nonsending) @escaping @Sendable () async throws(ProviderError) -> T
    ) async throws(Failure) -> Boxed<T> {
        let answer = try await answer(limit: limit, grace: grace) { () async throws(ProviderError) -> AnyAnswer in
            Boxed(try await operation())
        }
        return unsafeDowncast(answer, to: Boxed<T>.self)
    }

    /// ``boxed(limit:grace:_:)`` for an operation that keeps the deadline itself (``CallDeadline``):
    /// it runs in the caller's task, with no task, slot or timer of its own, and every wait it makes
    /// ends by the deadline. An answer that comes after it is too late, as it is for
    /// ``boxed(limit:grace:_:)``; nothing is left running, so no failure carries a late operation.
    static func kept<T: Sendable>(
        limit: Duration, _ operation: nonisolated(nonsending) @Sendable () async throws(ProviderError) -> T
    ) async throws(Failure) -> Boxed<T> {
        let due = MonotonicInstant.now + limit
        let outcome = await CallDeadline.$due.withValue(due) { () async -> Result<Boxed<T>, ProviderError> in
            do throws(ProviderError) {
                return .success(Boxed(try await operation()))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let answer):
            if MonotonicInstant.now >= due { throw .timedOut(late: nil) }
            return answer
        case .failure(let error):
            if Task.isCancelled { throw .cancelled(late: nil) }
            if MonotonicInstant.now >= due { throw .timedOut(late: nil) }
            throw .provider(error)
        }
    }

    /// An operation's answer: a ``Boxed`` value, its type known to the caller only. Not generic, so
    /// that a call does not look up the metadata of its own slot, task and continuation every time.
    typealias Answer = Result<AnyAnswer, ProviderError>
    typealias AnyAnswer = any AnyObject & Sendable

    private static func answer(
        limit: Duration, grace: Duration,
        _ operation: nonisolated(nonsending) @escaping @Sendable () async throws(ProviderError) -> AnyAnswer
    ) async throws(Failure) -> AnyAnswer {
        // The operation hands its result to the wait itself: no third task to watch it.
        let slot = Waiting.Slot<Answer>()
        let report = TimeoutReport()
        let task = Task(executorPreference: FlowLoop.current?.executor) { () -> Answer in
            let result = await TimeoutReport.$current.withValue(report) { () async -> Answer in
                do throws(ProviderError) {
                    return .success(try await operation())
                } catch {
                    return .failure(error)
                }
            }
            slot.resume(result)
            return result
        }
        switch await slot.wait(within: limit, onCancel: { task.cancel() }) {
        case .success(let answer)?: return answer
        case .failure(let error)?: throw .provider(error)
        case nil: throw await overrun(task, report: report, grace: grace)
        }
    }

    /// Why a call that overran its deadline (or whose caller was cancelled) ended: it is cancelled
    /// and given ``grace`` to wind down. Kept apart from ``answer(limit:grace:_:)``, whose frame
    /// every call holds while it waits.
    @inline(never)
    private static func overrun(_ task: Task<Answer, Never>, report: TimeoutReport, grace: Duration) async -> Failure {
        task.cancel()
        let wound = await Waiting.value(of: task, within: grace)
        let late = wound == nil ? Task { _ = await task.value } : nil
        if Task.isCancelled { return .cancelled(late: late) }
        switch wound {
        case .success?:
            // The answer came, only too late: time ran out, whatever the operation expected to wait for.
            return .timedOut(late: nil)
        case .failure(let error)?:
            // An operation that kept its own time (a poll) says better than "time ran out" what it
            // waited for. Another error that came too late to count is not what it waited for.
            if error.kind == .timeout { return .provider(error) }
            return .timedOut(late: nil, said: error.kind == .cancelled ? report.error() : nil)
        case nil:
            // One that said what it waits for is heard, however late it is to wind down on a busy machine.
            return .timedOut(late: late, said: report.error())
        }
    }
}

/// What a provider call is waiting for, in the call's own words: when its deadline passes before the
/// call has given its own time-out error (it was slow to wind down, or its deadline came first on a
/// busy machine), the deadline's error is the call's rather than only "time ran out".
///
/// A provider that waits a long time for one thing (polling for a reply, a webhook delivery) calls
/// ``note(_:)`` as it goes, with the error it would give if time ran out then.
public final class TimeoutReport: Sendable {
    @TaskLocal static var current: TimeoutReport?

    private let explanation = Mutex<(@Sendable () -> ProviderError)?>(nil)

    init() {}

    /// Records, for the call this task is running, the error that says what it waits for should its
    /// deadline pass now. Made only if it is needed; a later note replaces an earlier one.
    public static func note(_ error: @escaping @Sendable () -> ProviderError) {
        current?.explanation.withLock { $0 = error }
    }

    /// Forgets the note once what it waited for has come: the call may go on to other work (a
    /// greeting polled for, then the first message sent), whose stall the note would misdescribe.
    public static func clear() {
        current?.explanation.withLock { $0 = nil }
    }

    /// The noted error, if any; time-outs only.
    func error() -> ProviderError? {
        guard let said = explanation.withLock({ $0 })?(), said.kind == .timeout else { return nil }
        return said
    }
}

/// Waiting for a task without being held by it: the wait ends when the task finishes, when a time
/// limit passes, or when the waiting task is cancelled — whichever comes first; the task goes on.
///
/// Used for work several callers share (a sign-in, a login), where one caller giving up must not
/// cancel it for the others, and for operations that must not hold a deadline up.
public enum Waiting {
    /// The longest single sleep of a time limit kept by a task (outside a flow run's loop).
    static let sleepStep: Duration = .seconds(1)

    /// `task`'s value, or `nil` when `limit` (or the deadline of the call this task runs, see
    /// ``CallDeadline``) passed or the waiting task was cancelled first.
    public static func value<T: Sendable>(of task: Task<T, Never>, within limit: Duration? = nil) async -> T? {
        let slot = Slot<T>()
        Task(executorPreference: FlowLoop.current?.executor) { slot.resume(await task.value) }
        return await slot.wait(within: CallDeadline.limit(limit))
    }

    /// A continuation resumed once, by whichever of the value, the time limit and cancellation
    /// comes first.
    ///
    /// The continuation is unchecked: `state` hands it out exactly once, and a checked one cost an
    /// object of its own on every provider call.
    final class Slot<T: Sendable>: Sendable {
        private enum State {
            case waiting
            case installed(UnsafeContinuation<T?, Never>, cancelTimer: FlowLoop.Cancel?)
            /// Resumed before the continuation was installed (cancelled before waiting began).
            case done(T?)
            case finished
        }

        private let state = Mutex(State.waiting)

        /// The value, or `nil` when `limit` passed or the waiting task was cancelled first. The time
        /// limit is a timer on the flow run's loop, or a task that sleeps when there is none.
        /// `onCancel` also runs if the waiting task is cancelled.
        func wait(within limit: Duration?, onCancel: @Sendable () -> Void = {}) async -> T? {
            await withTaskCancellationHandler {
                await withUnsafeContinuation { (continuation: UnsafeContinuation<T?, Never>) in
                    install(continuation, cancelTimer: limit.map { startTimer(MonotonicInstant.now + $0) })
                }
            } onCancel: {
                onCancel()
                resume(nil)
            }
        }

        private func startTimer(_ due: MonotonicInstant) -> FlowLoop.Cancel {
            if let loop = FlowLoop.current {
                return loop.schedule(due) { [self] in resume(nil) }
            }
            let timer = Task {
                // In steps of at most a second: a cancelled Task.sleep keeps its task until the
                // instant it was set for, and nearly every wait (a turn deadline around each
                // provider call) ends early, so whole-limit sleeps would pile up over a long run.
                while case let left = due - .now, left > .zero {
                    do { try await Task.sleep(for: min(left, Waiting.sleepStep)) } catch { return }
                }
                resume(nil)
            }
            return { timer.cancel() }
        }

        private func install(_ continuation: UnsafeContinuation<T?, Never>, cancelTimer: FlowLoop.Cancel?) {
            let early = state.withLock { state -> T?? in
                switch state {
                case .waiting:
                    state = .installed(continuation, cancelTimer: cancelTimer)
                    return nil
                case .done(let value):
                    state = .finished
                    return .some(value)
                case .installed, .finished:
                    return nil
                }
            }
            if let early {
                cancelTimer?()
                continuation.resume(returning: early)
            }
        }

        func resume(_ value: T?) {
            let installed = state.withLock { state -> (UnsafeContinuation<T?, Never>, FlowLoop.Cancel?)? in
                switch state {
                case .waiting:
                    state = .done(value)
                    return nil
                case .installed(let continuation, let cancelTimer):
                    state = .finished
                    return (continuation, cancelTimer)
                case .done, .finished:
                    return nil
                }
            }
            guard let (continuation, cancelTimer) = installed else { return }
            cancelTimer?()
            continuation.resume(returning: value)
        }
    }
}
