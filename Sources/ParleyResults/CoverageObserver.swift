import Synchronization
import ParleyRun

/// Collects what each finished flow run exercised while a run goes on, so that coverage at the end
/// needs no transcript read back from disk. Flow runs that exercised the same items with the same
/// outcome are counted together, so memory grows with the different behaviours seen, not the runs.
public final class CoverageObserver: Sendable {
    private let seen = Mutex<[RunCoverage.Observation: Int]>([:])

    public init() {}

    /// Notes one finished flow run.
    public func observe(_ result: FlowRunResult) {
        let entry = RunCoverage.Observation(
            passed: result.outcome == .passed, exercised: RunCoverage.Exercised(turns: result.turns))
        seen.withLock { $0[entry, default: 0] += 1 }
    }

    /// Notes a flow run finished earlier (a resumed run's), from its transcript.
    public func observe(_ record: ResultRecord, in directory: RunDirectory) {
        guard let result = try? directory.transcript(for: record) else { return }
        observe(result)
    }

    /// What was observed, with how many flow runs observed it.
    public var observations: [RunCoverage.Observation: Int] { seen.withLock { $0 } }
}
