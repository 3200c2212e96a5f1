import ParleyClock

/// The deadline of the provider call this task is running, for a call that keeps it itself.
///
/// A provider call normally runs in a task of its own, which the flow run walks away from when the
/// turn's time is up (``Deadline``). A conversation whose calls end by their deadline on their own
/// (``AgentConversation/keepsCallDeadline``) runs them in the flow run's task instead, with no
/// task, timer or hand-over per call: every wait such a call makes is bounded by the deadline
/// read here — an HTTP exchange's total time, a pause before a retry or for a rate limit, a wait
/// for a shared sign-in.
///
/// A task that outlives the call that started it (a sign-in other conversations share, a request
/// that must finish whoever waits for it) runs ``unbound(_:)``: task-local values pass to tasks
/// created inside the call, and it must not inherit a deadline that is not its own.
public enum CallDeadline {
    @TaskLocal static var due: MonotonicInstant?

    /// The time left before the call's deadline (zero or less once it has passed); `nil` when the
    /// task runs no call that keeps its deadline itself.
    public static func remaining() -> Duration? {
        guard let due else { return nil }
        return due - .now
    }

    /// `limit`, or the time left before the call's deadline if that is sooner.
    public static func limit(_ limit: Duration?) -> Duration? {
        guard let left = remaining() else { return limit }
        return min(limit ?? left, max(left, .zero))
    }

    /// Sleeps for `duration`, or until the call's deadline if that comes first; either way, or when
    /// the task is cancelled, throws `.cancelled` if it did not sleep the whole time.
    public static func sleep(for duration: Duration) async throws(ProviderError) {
        let cut = remaining().map { $0 < duration } ?? false
        do {
            try await Task.sleep(for: limit(duration) ?? duration)
        } catch {
            throw ProviderError(.cancelled, "cancelled")
        }
        if cut { throw ProviderError(.cancelled, "cancelled") }
    }

    /// Runs `work` free of the caller's deadline: for the body of a task that outlives the call.
    public static func unbound<R: Sendable>(_ work: () async throws -> R) async rethrows -> R {
        try await $due.withValue(nil, operation: work)
    }
}
