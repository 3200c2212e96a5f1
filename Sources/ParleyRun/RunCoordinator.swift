import Foundation

/// What happens during a run, reported to whoever presents it (the command line prints it).
public enum RunEvent: Sendable {
    case started(total: Int)
    /// A flow run finished and the sink kept it; `transcript` is where its transcript went, relative
    /// to the run directory. `progress.done` counts finished runs so far.
    case finished(result: FlowRunResult, transcript: String, progress: RunProgress)
    /// A flow run was stopped (Ctrl-C) before it finished; it is not recorded.
    case interrupted(result: FlowRunResult, progress: RunProgress)
    /// A result could not be kept; the run goes on and the flow run is still counted.
    case writeFailed(ResultSinkError)
    /// The run has spent its budget: no further flow run starts (those running finish).
    case budgetSpent(RunBudget.Spent, notStarted: Int)
}

/// Counts so far, for progress lines.
public struct RunProgress: Sendable {
    public var done: Int
    public var total: Int
    public var passed: Int
    public var failed: Int
    public var errors: Int
    public var elapsed: Duration
}

/// Where a coordinator puts each finished flow run: a run directory, in practice.
public protocol ResultSink: Sendable {
    /// Keeps a finished flow run; returns where its transcript went, relative to the run directory.
    func keep(_ result: FlowRunResult) throws(ResultSinkError) -> String
}

/// Why a sink could not keep a flow run (e.g. a full disk); the run goes on.
public struct ResultSinkError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Runs many flow runs with bounded concurrency, writing each result the moment it finishes.
public struct RunCoordinator: Sendable {
    public var concurrency: Int
    /// Stop starting flow runs after the first one that does not pass.
    public var failFast: Bool
    /// Once requested, no further flow runs start (the running ones stop at their next step).
    public var stop: StopSignal?
    /// Once spent, no further flow runs start (the running ones finish).
    public var budget: RunBudget?
    /// Where flow runs run: the HTTP client's event loop, in practice, so that a reply resumes
    /// its conversation on the thread it arrived on. `nil`: the global executor. Finished runs
    /// are kept (encoded and written) on the coordinator's own task, off that loop.
    public var loop: FlowLoop?

    public init(
        concurrency: Int, failFast: Bool = false, stop: StopSignal? = nil, budget: RunBudget? = nil,
        loop: FlowLoop? = nil
    ) {
        self.concurrency = max(1, concurrency)
        self.failFast = failFast
        self.stop = stop
        self.budget = budget
        self.loop = loop
    }

    /// Runs `requests`, handing each finished flow run to `sink` the moment it finishes.
    public func run(
        _ requests: [FlowRunRequest], interpreter: @escaping @Sendable (FlowRunRequest) -> FlowInterpreter,
        sink: some ResultSink, onEvent: @escaping @Sendable (RunEvent) -> Void
    ) async {
        onEvent(.started(total: requests.count))
        let clock = ContinuousClock()
        let began = clock.now
        var progress = RunProgress(done: 0, total: requests.count, passed: 0, failed: 0, errors: 0, elapsed: .zero)
        var stop = false
        var budgetSpent = budget?.isSpent == true
        if budgetSpent, let budget {
            onEvent(.budgetSpent(budget.current, notStarted: requests.count))
        }

        // The loop is bound once, around the group, and the flow runs (children of the group) read
        // it from here: binding it in each child took a slab of each flow run's task memory.
        await FlowLoop.$current.withValue(loop) {
            await withTaskGroup(of: Boxed<FlowRunResult>.self) { group in
                var next = 0
                func startNext() {
                    guard next < requests.count else { return }
                    let request = requests[next]
                    next += 1
                    group.addTask(executorPreference: loop?.executor) { await interpreter(request).runBoxed(request) }
                }
                if !budgetSpent { for _ in 0..<min(concurrency, requests.count) { startNext() } }

                while let boxed = await group.next() {
                    let result = boxed.value
                    if result.interrupted == true {
                        progress.elapsed = clock.now - began
                        onEvent(.interrupted(result: result, progress: progress))
                        continue
                    }
                    var transcript = ""
                    do throws(ResultSinkError) {
                        transcript = try sink.keep(result)
                    } catch {
                        onEvent(.writeFailed(error))
                    }
                    progress.done += 1
                    switch result.outcome {
                    case .passed: progress.passed += 1
                    case .failed: progress.failed += 1
                    case .error: progress.errors += 1
                    }
                    progress.elapsed = clock.now - began
                    onEvent(.finished(result: result, transcript: transcript, progress: progress))
                    if failFast, result.outcome != .passed { stop = true }
                    if let budget, !budgetSpent, budget.add(result.usage ?? []) {
                        budgetSpent = true
                        onEvent(.budgetSpent(budget.current, notStarted: requests.count - next))
                    }
                    if !stop, !budgetSpent, !Task.isCancelled, self.stop?.isRequested != true { startNext() }
                }
            }
        }
    }
}
