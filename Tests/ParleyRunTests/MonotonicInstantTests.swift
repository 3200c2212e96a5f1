import ParleyClock
import ParleyRun
import Testing

/// The integer instants keep the continuous clock's time: the same spans, never going back.
@Suite struct MonotonicInstantTests {
    @Test func spansAgreeWithTheContinuousClock() async throws {
        for pause in [Duration.milliseconds(0), .milliseconds(20), .milliseconds(120)] {
            let clock = ContinuousClock()
            let (startedHere, startedThere) = (MonotonicInstant.now, clock.now)
            try await Task.sleep(for: pause)
            let (endedHere, endedThere) = (MonotonicInstant.now, clock.now)
            let here = endedHere - startedHere
            let there = endedThere - startedThere
            #expect(here >= pause)
            #expect(abs((here - there) / .microseconds(1)) < 2_000, "\(here) against \(there)")
            #expect(endedHere >= startedHere)
        }
        let now = MonotonicInstant.now
        #expect((now + .milliseconds(1500)) - now == .milliseconds(1500))
        #expect((now + .nanoseconds(-7)) - now == .nanoseconds(-7))
        #expect((now + .seconds(Int64.max)).nanoseconds == .max, "saturates")
        #expect((now + .seconds(Int64.min)).nanoseconds == .min, "saturates")
        #expect(MonotonicInstant(nanoseconds: .max) - MonotonicInstant(nanoseconds: -1) == .nanoseconds(Int64.max))
        var last = MonotonicInstant.now
        for _ in 0..<10_000 {
            let next = MonotonicInstant.now
            #expect(next >= last)
            last = next
        }
    }
}
