/// Bounds an async operation in time, cancelling it when the time is up.
enum Deadline {
    enum Failure: Error {
        case timedOut
        case provider(ProviderError)
    }

    /// Runs `operation`, or throws `.timedOut` after `limit` (the operation is cancelled and awaited).
    ///
    /// When the time is up, a timeout the operation reports as it stops is kept instead: providers
    /// that keep their own, slightly earlier, deadline (polling) say what they were waiting for, and
    /// on a busy machine their answer may come a moment after this deadline's.
    static func run<T: Sendable>(
        limit: Duration, _ operation: @escaping @Sendable () async throws(ProviderError) -> T
    ) async throws(Failure) -> T {
        let outcome: Result<T, Failure> = await withTaskGroup(of: Result<T, Failure>?.self) { group in
            group.addTask {
                do throws(ProviderError) {
                    return .success(try await operation())
                } catch {
                    return .failure(.provider(error))
                }
            }
            let due = ContinuousClock.now + limit
            group.addTask {
                // A cancelled sleep means the operation finished first; report nothing.
                await DeadlineTimer.shared.sleep(until: due) ? .failure(.timedOut) : nil
            }
            var result: Result<T, Failure> = .failure(.timedOut)
            if let first = await group.next(), let value = first {
                result = value
                if case .failure(.timedOut) = value {
                    group.cancelAll()
                    if let late = await group.next(), case .failure(.provider(let error))? = late,
                        error.kind == .timeout
                    {
                        result = .failure(.provider(error))
                    }
                }
            }
            group.cancelAll()
            return result
        }
        return try outcome.get()
    }
}
