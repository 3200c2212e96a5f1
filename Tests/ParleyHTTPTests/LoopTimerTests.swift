import Foundation
import ParleyClock
import ParleyHTTP
import Synchronization
import Testing

@Suite("Timers on the client's loop thread", .timeLimit(.minutes(1)))
struct LoopTimerTests {
    @Test("Timers fire in order of their instants, on the loop thread; cancelled ones never fire")
    func timersFireInOrder() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        let fired = Mutex<[(Int, String)]>([])
        // A second ahead, so that the cancellations below come before their timers are due even on
        // a loaded machine.
        let start = MonotonicInstant.now + .seconds(1)
        var timers: [LoopTimer] = []
        // Scheduled out of order, from a thread other than the loop's.
        for index in [5, 1, 4, 0, 3, 2, 7, 6] {
            timers.append(
                client.schedule(at: start + .milliseconds(20 * index)) {
                    fired.withLock { $0.append((index, HTTPClientExecutorTests.threadName())) }
                })
        }
        // Cancel 4 and 7 before they are due.
        timers[2].cancel()
        timers[6].cancel()
        try await Self.wait(until: start + .milliseconds(300)) { fired.withLock { $0.count } >= 6 }
        let result = fired.withLock { $0 }
        #expect(result.map(\.0) == [0, 1, 2, 3, 5, 6])
        #if os(Linux)
            #expect(result.allSatisfy { $0.1 == "parley-http" }, "\(result)")
        #endif
    }

    @Test("A timer does not fire before its instant")
    func notEarly() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        let due = MonotonicInstant.now + .milliseconds(150)
        let firedAt = Mutex<MonotonicInstant?>(nil)
        _ = client.schedule(at: due) { firedAt.withLock { $0 = .now } }
        try await Self.wait(until: due) { firedAt.withLock { $0 } != nil }
        let at = try #require(firedAt.withLock { $0 })
        #expect(at >= due)
    }

    @Test("Thousands of cancelled timers are let go long before they are due")
    func cancelledTimersAreDropped() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        final class Payload: Sendable {}
        weak var first: Payload?
        let far = MonotonicInstant.now + .seconds(3600)
        for index in 0..<5_000 {
            let payload = Payload()
            if index == 0 { first = payload }
            client.schedule(at: far) { _ = payload }.cancel()
        }
        // A cancelled timer releases its action (and what it holds) at once.
        #expect(first == nil)
        let fired = Mutex(false)
        _ = client.schedule(at: .now + .milliseconds(10)) { fired.withLock { $0 = true } }
        try await Self.wait(until: .now) { fired.withLock { $0 } }
        #expect(fired.withLock { $0 })
    }

    @Test("Timers still pending when the client shuts down fire on time from a task; none is lost")
    func timersOutliveShutdown() async throws {
        let client = HTTPClient()
        let fired = Mutex(0)
        let due = MonotonicInstant.now + .milliseconds(500)
        for _ in 0..<3 { _ = client.schedule(at: due) { fired.withLock { $0 += 1 } } }
        client.shutdown()
        _ = client.schedule(at: due) { fired.withLock { $0 += 1 } }
        // None fires early: checked only while it is still before the due time (counted first, so
        // the count cannot include a timer that fired on time after the clock was read). A loaded
        // machine can take longer than that to shut the client down; the check is then skipped.
        let early = fired.withLock { $0 }
        if MonotonicInstant.now < due { #expect(early == 0, "a timer fired before its time") }
        // And none is lost, however late a loaded machine runs them.
        try await Self.wait(until: due) { fired.withLock { $0 } >= 4 }
        #expect(fired.withLock { $0 } == 4)
    }

    /// Waits at least until `instant`, then until `done` holds, for as long as a loaded machine
    /// needs (up to 20 s more).
    private static func wait(until instant: MonotonicInstant, _ done: () -> Bool) async throws {
        try await Task.sleep(for: instant - .now)
        let limit = MonotonicInstant.now + .seconds(20)
        while !done(), MonotonicInstant.now < limit { try await Task.sleep(for: .milliseconds(20)) }
    }
}
