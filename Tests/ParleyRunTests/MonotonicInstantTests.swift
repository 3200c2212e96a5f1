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
        var last = MonotonicInstant.now
        for _ in 0..<10_000 {
            let next = MonotonicInstant.now
            #expect(next >= last)
            last = next
        }
    }
}
