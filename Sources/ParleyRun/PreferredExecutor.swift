/// The executor a flow run's tasks prefer: the HTTP client's event loop, so that the tasks a run
/// starts itself (the operation a deadline bounds, the wait on it) run on the thread its replies
/// arrive on, like the run. ``RunCoordinator`` sets it for each flow run it starts.
public enum PreferredExecutor {
    @TaskLocal public static var current: (any TaskExecutor)?
}
