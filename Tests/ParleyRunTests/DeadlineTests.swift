import Dispatch
import ParleyClock
import Synchronization
import Testing
@testable import ParleyRun

/// Runs an operation that would sleep far past `limit` under a deadline of `limit`; records an issue
/// unless the deadline ended it as a time-out.
private func expectTimeOut(after limit: Duration) async {
    do throws(Deadline.Failure) {
        _ = try await Deadline.run(limit: limit) { () throws(ProviderError) -> Int in
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
}

@Suite("Deadlines around provider calls", .timeLimit(.minutes(1)))
struct DeadlineTests {
    @Test("A deadline that passes cancels the operation and reports the timeout")
    func deadlineCancelsTheOperation() async {
        await expectTimeOut(after: .milliseconds(30))
        let value = try? await Deadline.run(limit: .seconds(30)) { () throws(ProviderError) -> Int in 7 }
        #expect(value == 7)
    }

    @Test("When the time is up, a timeout the operation reports as it stops is kept, other answers are not")
    func anOperationsOwnTimeoutIsKept() async {
        func outcome(_ stopping: ProviderError) async -> String {
            do {
                // A grace long enough for a loaded machine: what is kept is under test, not how fast.
                _ = try await Deadline.run(limit: .milliseconds(30), grace: .seconds(10)) {
                    () throws(ProviderError) -> Int in
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

    @Test("An operation that said what it waits for is timed out in its own words, however late it winds down")
    func aNotedTimeoutIsKeptWhenTheOperationIsLate() async {
        /// How a call ends whose deadline passes while it sleeps: it notes `note` first (if any),
        /// does `then` (clearing the note, say), and once cancelled ends with `ending`.
        func outcome(
            noting note: ProviderError?, then: @escaping @Sendable () -> Void = {},
            ending: Result<Int, ProviderError> = .failure(ProviderError(.cancelled, "cancelled"))
        ) async -> String {
            do {
                // A grace long enough for a loaded machine: the call always ends within it, and
                // always after its note, so what is kept is under test, not how fast.
                _ = try await Deadline.run(limit: .milliseconds(30), grace: .seconds(10)) {
                    () throws(ProviderError) -> Int in
                    if let note { TimeoutReport.note { note } }
                    then()
                    try? await Task.sleep(for: .seconds(30))
                    return try ending.get()
                }
                return "no timeout"
            } catch {
                switch error {
                case .timedOut(_, let said?): return said.message
                case .timedOut: return "timed out"
                case .provider(let error): return "provider: \(error.message)"
                case .cancelled: return "cancelled"
                }
            }
        }
        let poll = ProviderError(.timeout, "the last poll answered 200")
        #expect(await outcome(noting: poll) == "the last poll answered 200")
        #expect(await outcome(noting: nil) == "timed out")
        #expect(await outcome(noting: ProviderError(.protocolViolation, "not a timeout")) == "timed out")
        // What the call waited for came; it went on to something else.
        #expect(await outcome(noting: poll, then: { TimeoutReport.clear() }) == "timed out")
        // An answer, or another error, that comes within the grace, only too late, is a plain time-out.
        #expect(await outcome(noting: poll, ending: .success(1)) == "timed out")
        #expect(
            await outcome(noting: poll, ending: .failure(ProviderError(.server, "answered 500"))) == "timed out")
        // Outside a deadline, a note goes nowhere.
        TimeoutReport.note { ProviderError(.timeout, "unheard") }
    }
}

@Suite("Deadlines whose time-outs a flow run's loop keeps", .timeLimit(.minutes(1)))
struct LoopDeadlineTests {
    /// A loop whose timers are dispatch timers, counting what was scheduled and cancelled.
    final class Timers: Sendable {
        let scheduled = Mutex(0)
        let cancelled = Mutex(0)

        var loop: FlowLoop {
            FlowLoop(executor: globalConcurrentExecutor) { [self] due, action in
                scheduled.withLock { $0 += 1 }
                let pending = Mutex<(@Sendable () -> Void)?>(action)
                let left = (due - MonotonicInstant.now).components
                let nanoseconds = max(0, left.seconds * 1_000_000_000 + left.attoseconds / 1_000_000_000)
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) {
                    pending.withLock { action in
                        defer { action = nil }
                        return action
                    }?()
                }
                return { [self] in
                    if pending.withLock({ action in
                        defer { action = nil }
                        return action
                    }) != nil {
                        cancelled.withLock { $0 += 1 }
                    }
                }
            }
        }
    }

    @Test("The loop's timer ends a call that overruns, and is cancelled when a call answers in time")
    func loopTimers() async {
        let timers = Timers()
        await FlowLoop.$current.withValue(timers.loop) {
            let value = try? await Deadline.run(limit: .seconds(30)) { () throws(ProviderError) -> Int in 7 }
            #expect(value == 7)
            #expect(timers.scheduled.withLock { $0 } == 1)
            #expect(timers.cancelled.withLock { $0 } == 1)
            let started = ContinuousClock.now
            await expectTimeOut(after: .milliseconds(50))
            #expect(ContinuousClock.now - started >= .milliseconds(50))
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test("Waiting on a shared task ends at the limit; the task goes on")
    func waitingOnASharedTask() async {
        let timers = Timers()
        await FlowLoop.$current.withValue(timers.loop) {
            // The task finishes only once let go, so the first wait cannot see it done however slow
            // the machine.
            let letGo = Mutex(false)
            let slow = Task { () -> Int in
                while !letGo.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
                return 3
            }
            #expect(await Waiting.value(of: slow, within: .milliseconds(30)) == nil)
            letGo.withLock { $0 = true }
            #expect(await Waiting.value(of: slow, within: .seconds(20)) == 3)
        }
    }

    /// How a call kept by its own deadline ended: its value, or what the deadline made of it.
    private func kept(
        limit: Duration, _ operation: nonisolated(nonsending) @Sendable () async throws(ProviderError) -> Int
    ) async -> String {
        do throws(Deadline.Failure) {
            return "\(try await Deadline.kept(limit: limit, operation).value)"
        } catch {
            switch error {
            case .timedOut(let late, _): return late == nil ? "timed out" : "timed out, late"
            case .provider(let error): return error.message
            case .cancelled: return "cancelled"
            }
        }
    }

    @Test("A call that keeps its deadline runs in the caller's task, its waits bounded by it")
    func aKeptDeadlineBoundsTheCallsWaits() async {
        let started = ContinuousClock.now
        // A pause (a retry's, a rate limit's) ends at the deadline, not when it would have.
        #expect(
            await kept(limit: .milliseconds(50)) { () throws(ProviderError) -> Int in
                try await CallDeadline.sleep(for: .seconds(30))
                return 1
            } == "timed out")
        // So does a wait for a shared task, which goes on.
        let letGo = Mutex(false)
        let shared = Task { () -> Int in
            while !letGo.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
            return 3
        }
        #expect(
            await kept(limit: .milliseconds(50)) { () throws(ProviderError) -> Int in
                guard let value = await Waiting.value(of: shared, within: .seconds(30)) else {
                    throw ProviderError(.cancelled, "cancelled")
                }
                return value
            } == "timed out")
        #expect(ContinuousClock.now - started < .seconds(20), "neither wait took its own 30 s")
        letGo.withLock { $0 = true }
        #expect(await shared.value == 3)
        // A limit shorter than what is left stays; an HTTP exchange is bounded by the smaller.
        #expect(
            await kept(limit: .seconds(30)) { () throws(ProviderError) -> Int in
                let short = CallDeadline.limit(.milliseconds(10))
                let none = CallDeadline.limit(nil)
                guard short == .milliseconds(10), let none, none > .seconds(20), none <= .seconds(30) else {
                    throw ProviderError(
                        .protocolViolation, "limits \(String(describing: short)) \(String(describing: none))")
                }
                try await CallDeadline.sleep(for: .milliseconds(1))
                return 2
            } == "2")
        #expect(CallDeadline.remaining() == nil, "no deadline outside a kept call")
        #expect(CallDeadline.limit(.seconds(3)) == .seconds(3))
    }

    @Test("A kept call's answer after its deadline is a time-out; its own error before it is kept")
    func aKeptCallsAnswerIsJudgedByItsDeadline() async {
        // The answer comes, but too late: the operation did not keep its deadline (a plain sleep).
        #expect(
            await kept(limit: .milliseconds(20)) { () throws(ProviderError) -> Int in
                try? await Task.sleep(for: .milliseconds(200))
                return 1
            } == "timed out")
        #expect(
            await kept(limit: .seconds(30)) { () throws(ProviderError) -> Int in
                throw ProviderError(.server, "the agent failed")
            } == "the agent failed")
        #expect(await kept(limit: .seconds(30)) { () throws(ProviderError) -> Int in 5 } == "5")
        // An error that ends a call after its deadline is the deadline's.
        #expect(
            await kept(limit: .milliseconds(20)) { () throws(ProviderError) -> Int in
                try? await Task.sleep(for: .milliseconds(200))
                throw ProviderError(.timeout, "Amigo did not answer in time (not complete within 20 ms)")
            } == "timed out")
    }

    @Test("A task a kept call starts inherits its deadline unless it runs unbound")
    func tasksThatOutliveAKeptCallRunUnbound() async {
        #expect(
            await kept(limit: .seconds(30)) { () throws(ProviderError) -> Int in
                let inherited = await Task { CallDeadline.remaining() }.value
                let unbound = await Task { await CallDeadline.unbound { CallDeadline.remaining() } }.value
                return (inherited == nil ? 0 : 10) + (unbound == nil ? 1 : 0)
            } == "11")
    }

    @Test("A kept call whose caller is cancelled ends as cancelled")
    func aCancelledKeptCall() async {
        let task = Task {
            await kept(limit: .seconds(30)) { () throws(ProviderError) -> Int in
                try await CallDeadline.sleep(for: .seconds(30))
                return 1
            }
        }
        task.cancel()
        #expect(await task.value == "cancelled")
    }
}
