import Testing
@testable import ParleyRun

@Suite("Turn deadlines on the shared timer thread", .timeLimit(.minutes(1)))
struct DeadlineTimerTests {
    @Test("A sleep comes due; one cancelled first, even before it began, returns false at once")
    func sleepsComeDueOrEndEarly() async {
        let timer = DeadlineTimer.shared
        let started = ContinuousClock.now
        #expect(await timer.sleep(until: .now + .milliseconds(30)))
        #expect(ContinuousClock.now - started >= .milliseconds(30))

        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await timer.sleep(until: .now + .seconds(30))
        }
        #expect(await early.value == false)

        let sleeper = Task { await timer.sleep(until: .now + .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        #expect(await sleeper.value == false)
    }

    @Test("A scheduled action runs when it comes due, and not once cancelled")
    func scheduledActionsRunOrAreCancelled() async {
        let timer = DeadlineTimer.shared
        let ran = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            _ = timer.schedule(at: .now + .milliseconds(20)) { continuation.resume(returning: true) }
        }
        #expect(ran)
        let never = timer.schedule(at: .now + .milliseconds(20)) { Issue.record("a cancelled action ran") }
        #expect(timer.cancel(scheduled: never))
        #expect(await timer.sleep(until: .now + .milliseconds(60)))
        #expect(timer.cancel(scheduled: never) == false)
    }

    @Test("Cancelled sleeps return at once, and the timer keeps serving new ones")
    func cancelledSleepsDoNotDisturbOthers() async {
        let timer = DeadlineTimer.shared
        let started = ContinuousClock.now
        // Far more cancelled sleeps than the heap keeps before compacting.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<1_100 {
                group.addTask { await timer.sleep(until: .now + .seconds(60)) }
            }
            group.addTask { await timer.sleep(until: .now + .seconds(30)) }
            try? await Task.sleep(for: .milliseconds(10))
            group.cancelAll()
            var outcomes: [Bool] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.count == 1_101)
        #expect(outcomes.allSatisfy { !$0 }, "every sleep was cancelled before it came due")
        #expect(ContinuousClock.now - started < .seconds(30))
        // The timer still serves new sleeps on time.
        #expect(await timer.sleep(until: .now + .milliseconds(20)))
    }

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
