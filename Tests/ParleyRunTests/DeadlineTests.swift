import Testing
@testable import ParleyRun

@Suite("Deadlines around provider calls", .timeLimit(.minutes(1)))
struct DeadlineTests {
    @Test("A deadline that passes cancels the operation and reports the timeout")
    func deadlineCancelsTheOperation() async {
        do {
            _ = try await Deadline.run(limit: .milliseconds(30)) { () throws(ProviderError) -> Int in
                do { try await Task.sleep(for: .seconds(30)) } catch { throw ProviderError(.cancelled, "cancelled") }
                return 1
            }
            Issue.record("the deadline passed without a timeout")
        } catch {
            guard case .timedOut = error else {
                Issue.record("expected a timeout, got \(error)")
                return
            }
        }
        let value = try? await Deadline.run(limit: .seconds(30)) { () throws(ProviderError) -> Int in 7 }
        #expect(value == 7)
    }

    @Test("When the time is up, a timeout the operation reports as it stops is kept, other answers are not")
    func anOperationsOwnTimeoutIsKept() async {
        func outcome(_ stopping: ProviderError) async -> String {
            do {
                _ = try await Deadline.run(limit: .milliseconds(30)) { () throws(ProviderError) -> Int in
                    do { try await Task.sleep(for: .seconds(30)) } catch { throw stopping }
                    return 1
                }
                return "no timeout"
            } catch {
                switch error {
                case .timedOut: return "timed out"
                case .provider(let error): return error.message
                case .cancelled: return "cancelled"
                }
            }
        }
        #expect(
            await outcome(ProviderError(.timeout, "no message satisfied `until`")) == "no message satisfied `until`")
        #expect(await outcome(ProviderError(.cancelled, "cancelled")) == "timed out")
    }
}
