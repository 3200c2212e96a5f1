import ParleyRun

/// A request that creates something on the provider — a conversation, a session — and must run to
/// its end even when the caller stops waiting (its turn timed out, or Ctrl-C): the caller's wait
/// ends at once, the request goes on, and ending the conversation waits for it, so a conversation
/// the server created late is still ended rather than left open.
struct ShieldedRequest<Value: Sendable>: Sendable {
    private let task: Task<Result<Value, ProviderError>, Never>

    /// Starts `work` at once, in a task that the caller's cancellation does not reach.
    init(_ work: @escaping @Sendable () async throws(ProviderError) -> Value) {
        task = Task {
            await CallDeadline.unbound { () async -> Result<Value, ProviderError> in
                do throws(ProviderError) {
                    return .success(try await work())
                } catch {
                    return .failure(error)
                }
            }
        }
    }

    /// The request's value; a cancelled caller gets `.cancelled` at once while the request goes on.
    func value() async throws(ProviderError) -> Value {
        guard let outcome = await Waiting.value(of: task) else { throw ProviderError(.cancelled, "cancelled") }
        return try outcome.get()
    }

    /// Waits for the request to finish (as long as the caller is not cancelled); whether it succeeded.
    @discardableResult
    func settled() async -> Bool {
        if case .success? = await Waiting.value(of: task) { return true }
        return false
    }

    /// Gives up on the request (nobody will end what it creates).
    func cancel() { task.cancel() }
}
