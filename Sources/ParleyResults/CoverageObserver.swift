import Synchronization
import ParleyFlow
import ParleyRun

/// Collects what each finished flow run exercised while a run goes on, so that coverage at the end
/// needs no transcript read back from disk. What the runs exercised is counted as they finish, not
/// kept run by run, so a long run is observed in memory that does not grow with it.
public final class CoverageObserver: Sendable {
    private let counts = Mutex(RunCoverage.Counts())

    public init() {}

    /// Notes one finished flow run.
    public func observe(_ result: FlowRunResult) {
        let exercised = RunCoverage.Exercised(turns: result.turns)
        counts.withLock { $0.add(passed: result.outcome == .passed, exercised) }
    }

    /// Notes a flow run finished earlier (a resumed run's), from its transcript.
    public func observe(record: ResultRecord, in directory: RunDirectory) {
        guard let result = try? directory.transcript(for: record) else { return }
        observe(result)
    }

    /// Notes flow runs finished earlier (a resumed run's), from their transcripts.
    public func observe(records: [ResultRecord], in directory: RunDirectory) {
        for record in records { observe(record: record, in: directory) }
    }

    /// The coverage of what was observed.
    public func coverage(runId: String, inventory: CoverageInventory?) -> RunCoverage {
        RunCoverage(runId: runId, counts: counts.withLock { $0 }, inventory: inventory)
    }
}
