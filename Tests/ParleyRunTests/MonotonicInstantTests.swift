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
        // The 64-bit path and the 128-bit one agree, either side of where one hands over to the other.
        let reach = Int64(1) << 33
        let starts: [Int64] = [0, 1_234_567_891, .max - 5, .min + 5]
        let spans: [Int64] = [
            0, 1, -1, 59, reach - 1, reach, -reach + 1, -reach, 9_300_000_000, -9_300_000_000, .max, .min,
        ]
        for start in starts {
            let instant = MonotonicInstant(nanoseconds: start)
            for seconds in spans {
                for attoseconds: Int64 in [0, 999_999_999_999_999_999, 500_000_000, 999_999_999] {
                    let duration = Duration(
                        secondsComponent: seconds, attosecondsComponent: seconds < 0 ? -attoseconds : attoseconds)
                    let (whole, fraction) = duration.components
                    let wholeNanoseconds = Int128(whole) * 1_000_000_000
                    let exact = Int128(start) + wholeNanoseconds + Int128(fraction / 1_000_000_000)
                    #expect((instant + duration).nanoseconds == Int64(clamping: exact), "\(start) + \(duration)")
                }
            }
            for milliseconds: Int in [0, 1, -1, 999, 86_400_000, .max, .min] {
                let exact = Int128(start) + Int128(milliseconds) * 1_000_000
                #expect(instant.advanced(byMilliseconds: milliseconds).nanoseconds == Int64(clamping: exact))
            }
        }
        var last = MonotonicInstant.now
        for _ in 0..<10_000 {
            let next = MonotonicInstant.now
            #expect(next >= last)
            last = next
        }
    }
}
