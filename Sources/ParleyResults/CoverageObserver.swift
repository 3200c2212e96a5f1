import Synchronization
import ParleyRun

/// Collects what each finished flow run exercised while a run goes on, so that coverage at the end
/// needs no transcript read back from disk.
public final class CoverageObserver: Sendable {
    private let seen = Mutex<[(passed: Bool, exercised: RunCoverage.Exercised)]>([])

    public init() {}

    /// Notes one finished flow run.
    public func observe(_ result: FlowRunResult) {
        let entry = (result.outcome == .passed, RunCoverage.Exercised(turns: result.turns))
        seen.withLock { $0.append(entry) }
    }

    /// Notes flow runs finished earlier (a resumed run's), from their transcripts.
    public func observe(records: [ResultRecord], in directory: RunDirectory) {
        for record in records {
            guard let result = try? directory.transcript(for: record) else { continue }
            observe(result)
        }
    }

    /// What was observed, in finishing order.
    public var observed: [(passed: Bool, exercised: RunCoverage.Exercised)] { seen.withLock { $0 } }
}
