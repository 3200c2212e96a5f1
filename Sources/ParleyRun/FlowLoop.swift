import ParleyClock

/// Where a flow run's own tasks and time-outs run: the HTTP client's event loop. The tasks a run
/// starts itself (the operation a deadline bounds, the wait on a shared sign-in) then run on the
/// thread its replies arrive on, like the run, and a time-out fires there without a task or a
/// thread of its own. ``RunCoordinator`` sets ``current`` for each flow run it starts; without
/// one, those tasks run on the global executor and time-outs sleep in a task.
public struct FlowLoop: Sendable {
    public typealias Schedule = @Sendable (MonotonicInstant, @escaping @Sendable () -> Void) -> Cancel
    /// Cancels a scheduled action (harmless once it has run).
    public typealias Cancel = @Sendable () -> Void

    public let executor: any TaskExecutor
    let schedule: Schedule

    /// `schedule` runs an action at an instant, unless the `Cancel` it returns is called first.
    public init(executor: any TaskExecutor, schedule: @escaping Schedule) {
        self.executor = executor
        self.schedule = schedule
    }

    @TaskLocal public static var current: FlowLoop?
}
